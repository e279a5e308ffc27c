"""`lianmeng values …`: the member value model from the command line (the same refresh the jobs run)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

values_app = typer.Typer(help="Member value (会员价值): RFM scores, classes and alliance stars.", no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")]


@values_app.command("refresh")
def refresh(
    alliance: Annotated[str | None, typer.Option("--alliance", help="One alliance's code (default: every alliance)")
                        ] = None,
    full: Annotated[bool, typer.Option("--full", help="Recompute every member, not only those whose orders changed")
                    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Recompute member values: incrementally (members whose orders or refunds changed, or aged out of the window),
    or everything with --full. Each alliance in a transaction of its own."""
    from lianmeng.db import unit_of_work
    from lianmeng.kit.errors import NotFound
    from lianmeng.values import service

    try:
        with unit_of_work(database_url) as session:
            ids = service.alliance_ids(session, alliance)
    except NotFound:
        console.print(f"[red]✗ no alliance with code {alliance!r}[/]")
        raise typer.Exit(2) from None
    table = Table("alliance", "mode", "members recomputed", "rows rewritten", "rows added", "history", "seconds")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("会员价值 values", total=len(ids))
        for alliance_id in ids:
            with unit_of_work(database_url) as session:
                report = service.refresh(session, alliance_id, full=full)
            table.add_row(str(alliance_id), "full" if report.full else "incremental", f"{report.members:,}",
                          f"{report.rows_rewritten:,}", f"{report.rows_inserted:,}", f"{report.history_rows:,}",
                          f"{report.seconds:.2f}")
            progress.advance(task)
    console.print(table)
