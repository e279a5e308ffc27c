"""The funnel as files people open: XLSX read back with openpyxl (Chinese headers, typed cells, yuan, totals) and
CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import World
from tests.integration.referrals.story import Story
from tests.integration.referrals.test_reports import PERIOD, get, rate

TEXT_COLUMNS = {"Week / period", "Referrer", "Receiver"}
COUNT_COLUMNS = {"Referrals (coupons issued)", "Claimed", "Arrived", "Converted", "Free items costed at their value",
                 "Complaints"}


def read(content: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def assert_typed(sheet: Worksheet) -> dict[str, dict[str, object]]:
    """Every body and totals cell of a number column is a numeric cell with its number format (never text);
    returns the body rows by English header."""
    english = [c.value for c in sheet[4]]
    for row in sheet.iter_rows(min_row=5):
        for header, cell in zip(english, row, strict=True):
            if cell.value is None:
                continue
            if header in TEXT_COLUMNS:
                assert cell.data_type == "s", (header, cell.value)
            elif header in COUNT_COLUMNS:
                assert cell.data_type == "n" and isinstance(cell.value, int), (header, cell.value)
                assert cell.number_format == "#,##0"
            elif str(header).endswith("(¥)"):
                assert cell.data_type == "n", (header, cell.value)
                assert cell.number_format == '"¥"#,##0.00', (header, cell.number_format)
            elif header == "Starts (Beijing)":
                assert isinstance(cell.value, datetime) and cell.number_format == "yyyy-mm-dd"
            elif header == "Conversion rate":
                assert cell.data_type == "n" and cell.number_format == "0.00%"
            elif header == "Avg rating":
                assert cell.data_type == "n" and cell.number_format == "0.0"
    return {str(row[2].value): dict(zip(english, [c.value for c in row], strict=True))
            for row in sheet.iter_rows(min_row=5, max_row=sheet.max_row - 1)}


def test_the_funnel_exports_as_xlsx_with_typed_cells_and_totals(world: World, story: Story) -> None:
    rate(world, story, {"R1": 5, "R2": 4, "R4": 2})
    r = get(world, "operator", "/referrals/funnel/export", format="xlsx", **PERIOD)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="funnel-2025-11-03-2025-11-16.xlsx"' in r.headers["content-disposition"]
    sheet = read(r.content)
    assert sheet["A1"].value == "引流漏斗 Referral funnel"
    assert sheet["A2"].value == "期间 Period: 2025-11-03 – 2025-11-16"
    headers = [c.value for c in sheet[3]]
    assert headers[:5] == ["周 / 期间", "起始日(北京时间)", "推荐商户", "接待商户", "引流(发券)"]
    rows = assert_typed(sheet)
    m1_to_m2 = rows["alpha merchant 1"]
    # the week column holds the period when the funnel is not cut into weeks, and its first day
    assert m1_to_m2["Week / period"] == "2025-11-03 – 2025-11-16"
    assert m1_to_m2["Starts (Beijing)"] == datetime(2025, 11, 3)
    assert (m1_to_m2["Referrals (coupons issued)"], m1_to_m2["Arrived"], m1_to_m2["Converted"]) == (10, 5, 3)
    assert Decimal(str(m1_to_m2["Revenue the alliance brought (¥)"])) == Decimal("1850.00")
    assert Decimal(str(m1_to_m2["Avg first order (¥)"])) == Decimal("616.67")
    assert Decimal(str(m1_to_m2["Avg rating"])) == Decimal("3.7")
    total = dict(zip([c.value for c in sheet[4]], [c.value for c in sheet[sheet.max_row]], strict=True))
    assert total["Week / period"] == "合计 Total"
    assert total["Arrived"] == sum(int(str(row["Arrived"])) for row in rows.values())
    assert total["Avg first order (¥)"] is None  # an average is not summed


def test_by_week_the_week_column_holds_the_iso_week_and_its_monday(world: World, story: Story) -> None:
    r = get(world, "operator", "/referrals/funnel/export", format="xlsx", group="week", **PERIOD)
    assert r.status_code == 200, r.text
    sheet = read(r.content)
    assert_typed(sheet)
    weeks = {(row[0].value, row[1].value) for row in sheet.iter_rows(min_row=5, max_row=sheet.max_row - 1)}
    assert weeks == {("2025-W45", datetime(2025, 11, 3)), ("2025-W46", datetime(2025, 11, 10))}


def test_the_funnel_exports_as_csv_for_excel(world: World, story: Story) -> None:
    r = get(world, "admin1", "/referrals/funnel/export", format="csv", **PERIOD)
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[2][:4] == ["周 / 期间 Week / period", "起始日(北京时间) Starts (Beijing)", "推荐商户 Referrer",
                            "接待商户 Receiver"]
    header = lines[2]
    m1_to_m2 = dict(zip(header, next(line for line in lines[3:] if line[2] == "alpha merchant 1"), strict=True))
    assert m1_to_m2["联盟带来的营业额(元) Revenue the alliance brought (¥)"] == "1,850.00"
    assert m1_to_m2["转化率 Conversion rate"] == "60.00%"
    assert m1_to_m2["起始日(北京时间) Starts (Beijing)"] == "2025-11-03"
    assert lines[-1][0] == "合计 Total"
    refused = get(world, "admin1", "/referrals/funnel/export", format="pdf", **PERIOD)
    assert refused.status_code == 422
