"""`lianmeng overlap hash`: what a prospect runs on its own machine. It reads its customer file, normalises each
phone to E.164 (phonenumbers) and writes only keyed hashes (HMAC-SHA256 under the invitation's salt) — the file
it uploads never holds a phone. No database, no network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lianmeng.prospects import domain

overlap_app = typer.Typer(help="Customer overlap (客户重合度): hash a prospect's customer list on its own machine.",
                          no_args_is_help=True)
err = Console(stderr=True)


@overlap_app.command("hash")
def hash_customers(
    customers: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                              help="CSV of customers (a phone column: phone/mobile/手机号…)")],
    salt: Annotated[str, typer.Option("--salt", help="The salt printed on your invitation")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the hashes")] = Path("hashes.csv"),
    column: Annotated[str | None, typer.Option(help="The phone column's header (default: found by name)")] = None,
    region: Annotated[str, typer.Option(help="Region of numbers written without +country code")] = "CN",
) -> None:
    """Write hashes.csv (one column, `hash`) for upload on the invitation page. Lines that are not a phone
    number are skipped and listed by line number."""
    key = domain.salt_key(salt)
    if key is None:
        err.print("[red]✗ 盐值无效:请完整复制邀请页上的盐值 / The salt is not valid: copy it whole from the "
                  "invitation[/]")
        raise typer.Exit(2)
    try:
        text = customers.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        err.print("[red]✗ 文件不是 UTF-8 文本,请另存为 UTF-8 CSV / The file is not UTF-8: save it as UTF-8 CSV[/]")
        raise typer.Exit(2) from None
    try:
        read = domain.read_customers(text, column, region)
    except ValueError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    for line in read.skipped_lines[:50]:
        err.print(f"第 {line} 行不是有效的手机号,已跳过 / line {line}: not a phone number, skipped")
    if len(read.skipped_lines) > 50:
        err.print(f"… {len(read.skipped_lines) - 50} more")
    if not read.numbers:
        err.print("[red]✗ 没有可用的手机号 / No phone numbers found[/]")
        raise typer.Exit(1)
    output.write_text("\n".join(domain.hash_file_lines(key, read.numbers)) + "\n", encoding="utf-8")
    err.print(f"✓ {len(read.numbers):,} 个号码的哈希已写入 {output} / hashes of {len(read.numbers):,} numbers "
              f"written to {output} ({read.duplicates:,} duplicates, {len(read.skipped_lines):,} skipped)")
    if len(read.numbers) < domain.MIN_UPLOAD:
        err.print(f"[yellow]! 少于 {domain.MIN_UPLOAD} 个号码时平台不计算重合度 / fewer than {domain.MIN_UPLOAD} "
                  "numbers: the platform will not compute an overlap[/]")
