"""The funnel as files people open: XLSX read back with openpyxl (Chinese headers, yuan, totals) and CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.conftest import World
from tests.integration.referrals.story import Story
from tests.integration.referrals.test_reports import PERIOD, get


def test_the_funnel_exports_as_xlsx_with_chinese_headers_and_totals(world: World, story: Story) -> None:
    r = get(world, "operator", "/referrals/funnel/export", format="xlsx", **PERIOD)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="funnel-2025-11-03-2025-11-16.xlsx"' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "引流漏斗 Referral funnel" and values[1][0] == "期间 Period: 2025-11-03 – 2025-11-16"
    headers, english = values[2], values[3]
    assert headers[:4] == ["周", "推荐商户", "接待商户", "发券"] and english[3] == "Issued"
    rows = {row[1]: dict(zip(english, row, strict=True)) for row in values[4:-1]}
    m1_to_m2 = rows["alpha merchant 1"]
    assert (m1_to_m2["Issued"], m1_to_m2["Arrived"], m1_to_m2["Converted"]) == (10, 5, 3)
    assert Decimal(str(m1_to_m2["Revenue (¥)"])) == Decimal("1850.00")
    total = dict(zip(english, values[-1], strict=True))
    assert total["Week"] == "合计 Total"
    assert total["Arrived"] == sum(row["Arrived"] for row in rows.values())


def test_the_funnel_exports_as_csv_for_excel(world: World, story: Story) -> None:
    r = get(world, "admin1", "/referrals/funnel/export", format="csv", **PERIOD)
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[2][:3] == ["周 Week", "推荐商户 Referrer", "接待商户 Receiver"]
    m1_to_m2 = next(line for line in lines[3:] if line[1] == "alpha merchant 1")
    assert m1_to_m2[8] == "1,850.00" and m1_to_m2[7] == "60.00%"
    assert lines[-1][0] == "合计 Total"
    refused = get(world, "admin1", "/referrals/funnel/export", format="pdf", **PERIOD)
    assert refused.status_code == 422
