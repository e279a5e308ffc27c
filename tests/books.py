"""The books hold: the one check every money-safety test reads (the product's own, `ledger.repository`
and `points.repository`), asserted with what broke in words."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.ledger import repository as ledger_repository
from lianmeng.points import repository as points_repository


def assert_ledger_invariants(session: Session, alliance_id: int | None = None) -> None:
    """Every posting sums to zero per unit, kept balances equal their entries, points equal what the member's
    grants have left."""
    problems = (ledger_repository.invariant_problems(session, alliance_id)
                + points_repository.grant_problems(session, alliance_id))
    assert problems == [], problems[:20]
