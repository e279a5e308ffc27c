"""`lianmeng tags …`: the taxonomy with its member counts, and applying the rule tags now (the scheduled jobs do it
daily; at a million members a run takes minutes, better started from a shell than from a page)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

tags_app = typer.Typer(help="Member tags (会员标签): the taxonomy, applying the rule tags.", no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")]
AllianceOpt = Annotated[int, typer.Option("--alliance-id", help="The alliance")]


@tags_app.command("list")
def list_tags(alliance_id: AllianceOpt, database_url: DatabaseOpt = None) -> None:
    """The alliance's tags (the default taxonomy until it first uses tags) and how many members carry each."""
    from lianmeng.db import unit_of_work
    from lianmeng.tags import repository, service

    table = Table("code", "group", "name", "declarable", "active", "rule", "members")
    with unit_of_work(database_url) as session:
        counts = repository.tag_counts(session, alliance_id)
        for tag in service.taxonomy(session, alliance_id):
            table.add_row(tag.code, tag.group, f"{tag.name_zh} {tag.name_en}", "yes" if tag.declarable else "",
                          "yes" if tag.active else "no", str(tag.rule or ""), f"{counts.get(tag.id, 0):,}")
    console.print(table)


@tags_app.command("apply")
def apply(alliance_id: AllianceOpt, database_url: DatabaseOpt = None) -> None:
    """Apply the alliance's rule tags now, in one transaction (creates the default taxonomy on first use)."""
    from lianmeng.db import unit_of_work
    from lianmeng.tags import service

    with unit_of_work(database_url) as session:
        applied = service.apply_rules(session, alliance_id)
    console.print(f"rule tags: {applied.added:,} added, {applied.removed:,} removed")
