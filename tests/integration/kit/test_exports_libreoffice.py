"""Our XLSX exports open in LibreOffice: convert them headless with soffice and read the result back.

soffice comes from `make system-deps` (libreoffice-calc-nogui), which `make test` runs first, so a missing
soffice fails these tests rather than skipping them."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest

from lianmeng.kit.exports import Column, Kind, Sheet, to_xlsx

TIMEOUT_S = 120
# 44 = comma, 34 = double quote, 76 = UTF-8; cells are written as shown (with their number format).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76"
ODS_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"

SHEET = Sheet(
    title="十月佣金结算 Commission",
    period="2026-10",
    columns=[
        Column("name", "商户", "Merchant"),
        Column("orders", "订单数", "Orders", Kind.COUNT),
        Column("commission", "佣金", "Commission", Kind.FEN),
    ],
    rows=[
        {"name": "老王烧烤", "orders": 12, "commission": 195000},
        {"name": "小李奶茶 Tea", "orders": 1234, "commission": 123456789},
        {"name": "张记面馆", "orders": 0, "commission": 5},
    ],
)


def soffice() -> str:
    path = shutil.which("soffice")
    if path is None:
        pytest.fail("soffice (LibreOffice) is not on PATH: run `make system-deps` (CI installs it before the tests)")
    return path


def convert(xlsx: Path, to: str, tmp_path: Path) -> Path:
    """Convert with a profile of this test's own and a pinned locale (number formats follow the locale)."""
    outdir = tmp_path / "out"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "HOME": str(tmp_path)}
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(outdir), str(xlsx)],
        capture_output=True, text=True, timeout=TIMEOUT_S, env=env, check=False,
    )
    produced = outdir / f"{xlsx.stem}.{to.split(':')[0]}"
    assert result.returncode == 0 and produced.is_file(), (
        f"soffice exited {result.returncode}, {produced.name} {'exists' if produced.is_file() else 'missing'}\n"
        f"stdout: {result.stdout}\nstderr: {result.stderr}"
    )
    return produced


def yuan_shown(text: str) -> Decimal:
    """An amount as LibreOffice shows it ("¥1,950.00") back to yuan."""
    return Decimal(text.removeprefix("¥").replace(",", ""))


def write_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "commission.xlsx"
    path.write_bytes(to_xlsx(SHEET))
    return path


def test_xlsx_reads_back_through_libreoffice_csv(tmp_path: Path) -> None:
    produced = convert(write_xlsx(tmp_path), CSV_FILTER, tmp_path)
    with produced.open(encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))

    assert lines == [
        ["十月佣金结算 Commission", "", ""],
        ["期间 Period: 2026-10", "", ""],
        ["商户", "订单数", "佣金"],
        ["Merchant", "Orders", "Commission"],
        ["老王烧烤", "12", "¥1,950.00"],
        ["小李奶茶 Tea", "1,234", "¥1,234,567.89"],
        ["张记面馆", "0", "¥0.05"],
        ["合计 Total", "1,246", "¥1,236,517.94"],
    ]
    # The totals row LibreOffice shows is the sum of the rows it shows.
    body, total = lines[4:-1], lines[-1]
    assert int(total[1].replace(",", "")) == sum(int(r[1].replace(",", "")) for r in body)
    assert yuan_shown(total[2]) == sum(yuan_shown(r[2]) for r in body)


def test_xlsx_converts_to_ods_with_one_named_sheet(tmp_path: Path) -> None:
    produced = convert(write_xlsx(tmp_path), "ods", tmp_path)
    with zipfile.ZipFile(produced) as ods:
        content = ElementTree.fromstring(ods.read("content.xml"))
    tables = content.findall(f".//{{{ODS_TABLE_NS}}}table")
    assert [t.get(f"{{{ODS_TABLE_NS}}}name") for t in tables] == ["十月佣金结算 Commission"]
