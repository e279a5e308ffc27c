"""Reports as files people open in Excel or LibreOffice: CSV (UTF-8 with BOM, so Excel reads the Chinese) and
XLSX (openpyxl). Both carry the title and the period on top, Chinese headers (English under them in XLSX),
money in yuan with two decimals from integer fen (never through float arithmetic), and a totals row.

In XLSX every number is a numeric cell that sums and sorts, shown through a number format: amounts as yuan
("¥1,850.00", from the exact Decimal), counts as integers ("1,234"), rates as percentages ("60.00%"), decimals
such as an average rating as "3.7", dates as real dates ("2025-11-03"). Only text columns hold text."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lianmeng.kit.money import format_yuan

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # integers, summed in the totals row
    FEN = "fen"  # integer fen, shown as yuan, summed in the totals row (unless total=False: averages)
    BP = "bp"  # basis points, shown as a percentage, not summed
    DECIMAL = "decimal"  # a decimal written as text ("3.7", e.g. an average rating), not summed
    DATE = "date"  # a calendar date
    MASKED_COUNT = "masked_count"
    """A count that may be suppressed: an integer (a numeric cell, summed in the totals row), or a text standing for
    a hidden count such as "< 10" (written as text, never summed: the total is the sum of the numbers shown)."""


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind = Kind.TEXT
    total: bool = True  # COUNT and FEN columns are summed in the totals row unless False (an average)

    @property
    def summed(self) -> bool:
        return self.total and self.kind in (Kind.COUNT, Kind.FEN, Kind.MASKED_COUNT)


@dataclass(frozen=True)
class Sheet:
    title: str
    period: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]


def _number(value: Any) -> int:
    return 0 if value is None or isinstance(value, str) else int(value)


def totals(sheet: Sheet) -> dict[str, int]:
    """Per summed column, the sum of its numbers (a masked count's text, e.g. "< 10", adds nothing)."""
    return {c.key: sum(_number(r.get(c.key)) for r in sheet.rows) for c in sheet.columns if c.summed}


def yuan(fen: int) -> Decimal:
    """Exact yuan from integer fen (Decimal, not float)."""
    return Decimal(fen).scaleb(-2)


def _text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind is Kind.FEN:
        return format_yuan(int(value)).removeprefix("¥")
    if column.kind is Kind.BP:
        return f"{Decimal(int(value)).scaleb(-2):.2f}%"
    if column.kind is Kind.DATE:
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def to_csv(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([sheet.title])
    writer.writerow([f"期间 Period: {sheet.period}"])
    writer.writerow([f"{c.zh} {c.en}" for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_text(c, row.get(c.key)) for c in sheet.columns])
    sums = totals(sheet)
    writer.writerow(["合计 Total" if i == 0 else (_text(c, sums[c.key]) if c.summed else "")
                     for i, c in enumerate(sheet.columns)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind is Kind.FEN:
        return yuan(int(value))
    if column.kind is Kind.BP:
        return Decimal(int(value)).scaleb(-4)
    if column.kind is Kind.COUNT:
        return int(value)
    if column.kind is Kind.MASKED_COUNT:
        return value if isinstance(value, str) else int(value)
    if column.kind is Kind.DECIMAL:
        return Decimal(str(value))
    if column.kind is Kind.DATE:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    return value


FORMATS = {Kind.FEN: '"¥"#,##0.00', Kind.BP: "0.00%", Kind.COUNT: "#,##0", Kind.MASKED_COUNT: "#,##0",
           Kind.DECIMAL: "0.0",
           Kind.DATE: "yyyy-mm-dd"}


def to_xlsx(sheet: Sheet) -> bytes:
    return to_xlsx_book([sheet])


def to_xlsx_book(sheets: Sequence[Sheet]) -> bytes:
    """One workbook, one worksheet per sheet (in order; the first is the one Excel opens on)."""
    book = Workbook()
    first_ws = book.active
    assert first_ws is not None
    for index, sheet in enumerate(sheets):
        _write(first_ws if index == 0 else book.create_sheet(), sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(ws: Worksheet, sheet: Sheet) -> None:
    ws.title = sheet.title[:31]
    ws.append([sheet.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"期间 Period: {sheet.period}"])
    ws.append([c.zh for c in sheet.columns])
    ws.append([c.en for c in sheet.columns])
    for cell in (*ws[3], *ws[4]):
        cell.font = Font(bold=True)
    first = ws.max_row + 1
    for row in sheet.rows:
        ws.append([_cell(c, row.get(c.key)) for c in sheet.columns])
    sums = totals(sheet)
    ws.append(["合计 Total" if i == 0 else (_cell(c, sums[c.key]) if c.summed else None)
               for i, c in enumerate(sheet.columns)])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for index, column in enumerate(sheet.columns, start=1):
        fmt = FORMATS.get(column.kind)
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(10, len(column.en) + 2, 2 * len(column.zh) + 2)
        if fmt:
            for r in range(first, ws.max_row + 1):
                ws.cell(row=r, column=index).number_format = fmt
