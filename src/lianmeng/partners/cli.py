"""`lianmeng partners scores`: every candidate's scorecard from the command line, as its keeper sees it (read-only;
keeping candidates is done in the console or through the API)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

partners_app = typer.Typer(help="Partner discovery (伙伴发现): candidates scored on the seed's five standards.",
                           no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")]


@partners_app.command("scores")
def scores(
    alliance_id: Annotated[int, typer.Option("--alliance-id", help="The alliance")],
    merchant_id: Annotated[int | None, typer.Option(
        "--merchant-id", help="A merchant's own list (default: the operator's list)")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Candidates ranked by their weighted total, with each standard's score, the gates and the verdict."""
    from sqlalchemy import select

    from lianmeng.db import unit_of_work
    from lianmeng.partners.domain import STANDARD_LABELS, VERDICT_LABELS, Standard
    from lianmeng.partners.models import Candidate
    from lianmeng.partners.scorecard import score

    table = Table("id", "candidate", *(STANDARD_LABELS[s][0] for s in Standard), "total", "verdict")
    with unit_of_work(database_url) as session:
        owner = Candidate.owner_merchant_id.is_(None) if merchant_id is None else (
            Candidate.owner_merchant_id == merchant_id)
        candidates = list(session.scalars(
            select(Candidate).where(Candidate.alliance_id == alliance_id, owner).order_by(Candidate.id)))
        if not candidates:
            console.print("[yellow]no candidates on this list[/]")
            raise typer.Exit(1)
        cards = [(c, score(session, c)) for c in track(candidates, description="scoring", console=console,
                                                        transient=True)]
    for c, card in sorted(cards, key=lambda pair: -pair[1].total):
        table.add_row(str(c.id), c.name, *(str(card.of(s).score) for s in Standard), str(card.total),
                      VERDICT_LABELS[card.verdict][0])
    console.print(table)
