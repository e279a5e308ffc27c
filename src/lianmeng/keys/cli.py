"""`lianmeng keys …`: how many stored values each encryption key holds, and moving them to the current key
(docs/operations-keys.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

keys_app = typer.Typer(help="Encryption keys (密钥): status per key id, rotation to the current key.",
                       no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")]


@keys_app.command("status")
def status(database_url: DatabaseOpt = None) -> None:
    """Stored values per table, column and key id: 'current', 'retired' (still configured in
    LIANMENG_RETIRED_SECRET_KEYS), 'legacy' (written before key ids) or 'UNKNOWN' (no key on hand opens it)."""
    from lianmeng.db import unit_of_work
    from lianmeng.keys import service

    with unit_of_work(database_url) as session:
        counts = service.key_counts(session)
    table = Table("table 表", "column 列", "key id 密钥", "state 状态", "values 条数")
    for count in counts:
        state = "current 当前" if count.current else ("retired 旧" if count.on_hand else "[red]UNKNOWN 未知[/]")
        if count.key_id == "legacy" and not count.current:
            state = "legacy 无密钥号"
        table.add_row(count.table, count.column, count.key_id, state, f"{count.rows:,}")
    console.print(table)
    left = sum(c.rows for c in counts if not c.current)
    if left:
        console.print(f"{left:,} values not under the current key yet: run `lianmeng keys rotate`.")
    else:
        console.print("[green]✓[/] every stored value is under the current key; retired secrets may be removed "
                      "once no invitation link made before the switch is still needed (docs/operations-keys.md).")


@keys_app.command("rotate")
def rotate(
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=100_000,
                                            help="Rows per transaction")] = 500,
    alliance: Annotated[str | None, typer.Option("--alliance", help="One alliance's code (default: every "
                                                                    "alliance, then the platform tables)")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Re-encrypt and re-hash every stored value not under the current key, a batch per transaction, while the
    app keeps serving. Safe to stop and run again: it continues with what is left."""
    from lianmeng.jobs.rotate_keys import rotate_keys
    from lianmeng.kit.errors import NotFound

    try:
        with console.status("rotating keys…"):
            report = rotate_keys(database_url, batch_size, alliance)
    except NotFound:
        console.print(f"[red]✗ no alliance with code {alliance!r}[/]")
        raise typer.Exit(2) from None
    table = Table("table 表", "rows re-sealed 已轮换行数")
    for name, rows in report.rotated.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"[green]✓[/] {report.total:,} rows moved to the current keys in {report.batches:,} batches; "
                  f"{report.skipped_changed:,} rewritten by the app meanwhile; {report.unreadable:,} unreadable")
    if report.unreadable:
        console.print("[red]✗ some values open with no key on hand: see `lianmeng keys status` (UNKNOWN)[/]")
        raise typer.Exit(1)
