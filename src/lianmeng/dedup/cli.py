"""`lianmeng dedup …`: find duplicate candidates from the command line (the same run the jobs make daily)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

dedup_app = typer.Typer(help="Duplicate candidates (重复候选): members, merchants and stores.", no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")]


@dedup_app.command("run")
def run(
    alliance_id: Annotated[int | None, typer.Option("--alliance-id", help="One alliance (default: every alliance "
                                                    "with members)")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Find candidates now: members scored by splink, merchants and stores compared pairwise. Each alliance in a
    transaction of its own; pairs a reviewer already decided are left as they are."""
    from lianmeng.db import unit_of_work
    from lianmeng.dedup import repository, service

    if alliance_id is None:
        with unit_of_work(database_url) as session:
            ids = repository.alliances_with_members(session)
    else:
        ids = [alliance_id]
    table = Table("alliance", "members", "member pairs", "store/merchant pairs", "merged automatically", "seconds")
    for one in ids:
        with unit_of_work(database_url) as session:
            report = service.run(session, one)
        table.add_row(str(one), f"{report.members:,}", f"{report.member_pairs:,}", f"{report.place_pairs:,}",
                      f"{report.auto_merged:,}", f"{report.seconds:.2f}")
    console.print(table)
