from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from lianmeng.db import add_many, in_keys, insert_many
from lianmeng.ledger.domain import AccountKind
from lianmeng.ledger.models import Account
from lianmeng.points.models import PointsDraw, PointsGrant, PointsRule


def rule_of(session: Session, alliance_id: int, merchant_id: int) -> PointsRule | None:
    return session.scalars(select(PointsRule).where(PointsRule.alliance_id == alliance_id,
                                                    PointsRule.merchant_id == merchant_id)).first()


def grants_for_update(session: Session, alliance_id: int, member_id: int) -> list[PointsGrant]:
    """The member's grants, locked in id order (one fixed lock order: concurrent spends never deadlock)."""
    return list(session.scalars(
        select(PointsGrant).where(PointsGrant.alliance_id == alliance_id, PointsGrant.member_id == member_id)
        .order_by(PointsGrant.id).with_for_update()))


def live_grants_for_update(session: Session, member_ids: list[int], at: datetime) -> list[Any]:
    if not member_ids:
        return []
    g = PointsGrant
    stmt = (select(g.id, g.member_id, g.issuer_merchant_id, g.remaining, g.expires_at, g.granted_at)
            .where(in_keys(session, (g.member_id,), ((m,) for m in member_ids)), g.remaining > 0, g.expires_at > at)
            .order_by(g.id).with_for_update())
    return list(session.execute(stmt))


def take_from_locked_grants(session: Session, taken: dict[int, int]) -> None:
    """Grants the caller locked and checked; the CHECK constraint still refuses going below zero."""
    add_many(session, PointsGrant, "remaining", {grant_id: -points for grant_id, points in taken.items()})


def insert_draws(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, PointsDraw, rows)


def insert_grants(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, PointsGrant, rows)


def take_from_grant(session: Session, alliance_id: int, grant_id: int, points: int) -> bool:
    """Guarded: never below zero, never above the grant (the CHECK constraint agrees)."""
    result = session.execute(
        update(PointsGrant)
        .where(PointsGrant.alliance_id == alliance_id, PointsGrant.id == grant_id, PointsGrant.remaining - points >= 0,
               PointsGrant.remaining - points <= PointsGrant.points)
        .values(remaining=PointsGrant.remaining - points)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def draws_of_order(session: Session, order_id: int) -> list[PointsDraw]:
    return list(session.scalars(select(PointsDraw).where(PointsDraw.order_id == order_id).order_by(PointsDraw.id)))


def expiring_for_update(session: Session, at: datetime, limit: int,
                        alliance_id: int | None = None) -> list[PointsGrant]:
    stmt = (
        select(PointsGrant).where(PointsGrant.expires_at <= at, PointsGrant.remaining > 0)
        .order_by(PointsGrant.id).limit(limit)
    )
    if alliance_id is not None:
        stmt = stmt.where(PointsGrant.alliance_id == alliance_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def expired_so_far(session: Session, grant_id: int) -> int:
    return int(session.scalar(
        select(func.coalesce(func.sum(PointsDraw.points), 0)).where(
            PointsDraw.grant_id == grant_id, PointsDraw.reason == "expiry")
    ) or 0)


def history(member_id: int) -> Select[PointsDraw, PointsGrant]:
    return (
        select(PointsDraw, PointsGrant).join(PointsGrant, PointsGrant.id == PointsDraw.grant_id)
        .where(PointsGrant.member_id == member_id).order_by(PointsDraw.id.desc())
    )


def soonest_expiring(session: Session, alliance_id: int, member_id: int, at: datetime
                     ) -> tuple[int, datetime] | None:
    """The points of the member's live grants that expire first, and when."""
    rows = session.execute(
        select(PointsGrant.expires_at, PointsGrant.remaining).where(
            PointsGrant.alliance_id == alliance_id, PointsGrant.member_id == member_id, PointsGrant.remaining > 0,
            PointsGrant.expires_at > at)
        .order_by(PointsGrant.expires_at)).all()
    if not rows:
        return None
    first = rows[0].expires_at
    return sum(r.remaining for r in rows if r.expires_at == first), first


def issuers_of_grants(session: Session, grant_ids: set[int]) -> dict[int, int]:
    """Grant id → the merchant that issued its points."""
    if not grant_ids:
        return {}
    return {i: m for i, m in session.execute(
        select(PointsGrant.id, PointsGrant.issuer_merchant_id).where(PointsGrant.id.in_(sorted(grant_ids))))}


def grants_of(member_id: int) -> Select[Any]:
    return select(PointsGrant).where(PointsGrant.member_id == member_id).order_by(PointsGrant.id.desc())


def grant_problems(session: Session, alliance_id: int | None = None) -> list[str]:
    """Members whose points balance differs from what their grants have left (the grants are how points expire
    first-in first-out, so the two must agree), in words; empty when they all agree."""
    left = (select(func.coalesce(func.sum(PointsGrant.remaining), 0))
            .where(PointsGrant.alliance_id == Account.alliance_id, PointsGrant.member_id == Account.owner_id)
            .scalar_subquery())
    query = select(Account.owner_id).where(Account.kind == AccountKind.POINTS.value, Account.balance != left)
    if alliance_id is not None:
        query = query.where(Account.alliance_id == alliance_id)
    return [f"member {m}: points differ from the remaining of their grants" for m in session.scalars(query)]


def expiring_soon(session: Session, start: datetime, end: datetime,
                  alliance_id: int | None = None) -> list[tuple[int, int, datetime, int]]:
    """(alliance id, member id, expires_at, points left) of every grant (of one alliance, or of all) with points
    left that expires in [start, end): what the expiry notice announces (notifications.service.warn_expiring_points)."""
    stmt = (select(PointsGrant.alliance_id, PointsGrant.member_id, PointsGrant.expires_at, PointsGrant.remaining)
            .where(PointsGrant.expires_at >= start, PointsGrant.expires_at < end, PointsGrant.remaining > 0)
            .order_by(PointsGrant.member_id, PointsGrant.expires_at))
    if alliance_id is not None:
        stmt = stmt.where(PointsGrant.alliance_id == alliance_id)
    rows = session.execute(stmt)
    return [(a, m, e, int(r)) for a, m, e, r in rows]


def alliances_with_grants_expiring(session: Session, start: datetime, end: datetime) -> list[int]:
    """The alliances with grants that have points left and expire in [start, end)."""
    stmt = select(PointsGrant.alliance_id).where(PointsGrant.expires_at >= start, PointsGrant.expires_at < end,
                                                 PointsGrant.remaining > 0)
    return [int(a) for a in session.scalars(stmt.distinct().order_by(PointsGrant.alliance_id))]


def alliances_with_grants_expired(session: Session, at: datetime) -> list[int]:
    """The alliances with grants past their expiry (at or before `at`) that still have points left."""
    stmt = select(PointsGrant.alliance_id).where(PointsGrant.expires_at <= at, PointsGrant.remaining > 0)
    return [int(a) for a in session.scalars(stmt.distinct().order_by(PointsGrant.alliance_id))]
