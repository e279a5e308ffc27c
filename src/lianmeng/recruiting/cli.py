"""`lianmeng recruits …`: the applications and the recruiter leaderboard from the command line (read-only; deciding
is a person's act, done in the console or through the API)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

recruits_app = typer.Typer(help="Recruiting (招募): applications through join links, the recruiter leaderboard.",
                           no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")]
AllianceOpt = Annotated[int | None, typer.Option("--alliance-id", help="One alliance (default: every alliance)")]


@recruits_app.command("list")
def list_recruits(
    alliance_id: AllianceOpt = None,
    status: Annotated[str | None, typer.Option(help="pending | approved | rejected")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Applications, newest first. Phones are shown masked, as everywhere."""
    from lianmeng.db import unit_of_work
    from lianmeng.kit.clock import format_local
    from lianmeng.recruiting import repository
    from lianmeng.recruiting.domain import ApplicationStatus
    from lianmeng.tenancy.principal import SYSTEM

    if status is not None and status not in {s.value for s in ApplicationStatus}:
        raise typer.BadParameter("status must be pending, approved or rejected")
    table = Table("id", "alliance", "kind", "applicant", "phone", "recruiter", "status", "applied")
    with unit_of_work(database_url) as session:
        stmt = repository.list_applications(SYSTEM, status=ApplicationStatus(status) if status else None,
                                            alliance_id=alliance_id)
        rows = list(session.scalars(stmt))
        names = repository.names(session, {(a.recruiter_type, a.recruiter_id) for a in rows})
        for a in rows:
            who = a.business_name or a.applicant_name
            recruiter = "operator" if a.recruiter_type == "operator" else names.get(
                (a.recruiter_type, a.recruiter_id), f"#{a.recruiter_id}")
            table.add_row(str(a.id), str(a.alliance_id), a.kind, who, a.phone_masked,
                          f"{recruiter} ({a.recruiter_type})", a.status, format_local(a.created_at))
    console.print(table)
    console.print(f"applications: {len(rows):,}")


@recruits_app.command("leaderboard")
def leaderboard(
    alliance_id: Annotated[int, typer.Option("--alliance-id", help="The alliance")],
    by: Annotated[str, typer.Option(help="recruiter | merchant")] = "recruiter",
    database_url: DatabaseOpt = None,
) -> None:
    """Recruiters (or inviting merchants) by approved recruits, as the alliance's operator sees them."""
    from lianmeng.auth.domain import Role
    from lianmeng.db import unit_of_work
    from lianmeng.kit.money import format_yuan
    from lianmeng.recruiting import service
    from lianmeng.tenancy.principal import Principal

    if by not in ("recruiter", "merchant"):
        raise typer.BadParameter("by must be recruiter or merchant")
    operator = Principal(kind="system", id=0, role=Role.OPERATOR_ADMIN, alliance_id=alliance_id, label="cli")
    table = Table("rank", "name", "type", "applications", "approved", "bounties")
    with unit_of_work(database_url) as session:
        for row in service.leaderboard(session, operator, by):
            table.add_row(str(row.rank), row.tally.name, row.type, f"{row.tally.applications:,}",
                          f"{row.tally.approved:,}", format_yuan(row.tally.bounty_fen))
    console.print(table)
