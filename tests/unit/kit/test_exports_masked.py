"""A masked count in an export: numbers stay numeric and are summed, the text of a suppressed count ("< 10") is
written as text and never summed, so the totals row is the sum of what is shown."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from lianmeng.kit.exports import Column, Kind, Sheet, to_csv, to_xlsx, totals

SHEET = Sheet(title="重合度", period="2026-12-07", columns=(
    Column("name", "商户", "Merchant"), Column("shared", "共同顾客", "Shared", Kind.MASKED_COUNT)),
    rows=[{"name": "甲", "shared": 12}, {"name": "乙", "shared": "< 10"}, {"name": "丙", "shared": 30}])


def test_totals_add_only_the_numbers_shown() -> None:
    assert totals(SHEET) == {"shared": 42}


def test_csv_writes_the_suppressed_text_and_the_total_of_the_shown() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(SHEET).decode("utf-8-sig"))))
    assert [r[1] for r in rows[3:6]] == ["12", "< 10", "30"]
    assert rows[6] == ["合计 Total", "42"]


def test_xlsx_keeps_numbers_numeric_and_the_suppressed_cell_text() -> None:
    ws = load_workbook(io.BytesIO(to_xlsx(SHEET))).active
    assert ws is not None
    values = [ws.cell(row=r, column=2).value for r in range(5, 9)]
    assert values == [12, "< 10", 30, 42]
