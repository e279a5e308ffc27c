"""Queries of merging, scoped by tenancy.policy.member_merges."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.ledger.models import Account
from lianmeng.members.models import Member, Membership
from lianmeng.merging.domain import Holding
from lianmeng.merging.models import MemberMerge, MergeEvent
from lianmeng.points.models import PointsGrant
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def member_for_merge(session: Session, p: Principal, member_id: int) -> Member:
    """A member the caller may merge, tombstones included (so a merge into one is refused in words, not 404)."""
    return get_scoped(session, Member, member_id, policy.members(p, with_tombstones=True), "member")


def lock_members(session: Session, ids: list[int]) -> dict[int, Member]:
    """Both members locked in id order (the lock order every writer follows), so two merges of the same pair
    serialise instead of deadlocking. Read as committed once locked (populate_existing), not as the session
    may already hold them from the access check: a merge that waited must see the other's tombstone."""
    rows = session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id).with_for_update()
                           .execution_options(populate_existing=True)).all()
    return {m.id: m for m in rows}


def kept_holdings(session: Session, alliance_id: int, member_id: int) -> list[Holding]:
    """Every non-zero kept balance the member owns (points, points debt, stored value per merchant, any rebate)."""
    rows = session.execute(
        select(Account.kind, Account.scope_id, Account.balance).where(
            Account.alliance_id == alliance_id, Account.owner_type == OwnerType.MEMBER.value,
            Account.owner_id == member_id, Account.derived.is_(False), Account.balance != 0,
        ).order_by(Account.id).with_for_update()
    ).all()
    return [Holding(AccountKind(kind), scope, balance) for kind, scope, balance in rows]


def memberships(session: Session, member_id: int) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.member_id == member_id)
                                .order_by(Membership.id)))


def live_grants(session: Session, member_id: int) -> list[PointsGrant]:
    return list(session.scalars(select(PointsGrant).where(PointsGrant.member_id == member_id,
                                                          PointsGrant.remaining > 0).order_by(PointsGrant.id)
                                .with_for_update()))


def held_coupons(session: Session, member_id: int) -> list[Coupon]:
    """Coupons the member still holds with uses left (expired ones move too: they are the member's history)."""
    return list(session.scalars(select(Coupon).where(Coupon.member_id == member_id, Coupon.uses_left > 0)
                                .order_by(Coupon.id).with_for_update()))


def reassign(session: Session, model: Any, ids: list[int], from_member: int, to_member: int) -> int:
    """Move rows by id from one member to the other; only rows still held by `from_member` move."""
    if not ids:
        return 0
    result = session.execute(update(model).where(model.id.in_(ids), model.member_id == from_member)
                             .values(member_id=to_member).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def get_merge(session: Session, p: Principal, merge_id: int, *, lock: bool = False) -> MemberMerge:
    return get_scoped(session, MemberMerge, merge_id, policy.member_merges(p), "member_merge", lock=lock)


def list_merges(p: Principal, *, member_id: int | None = None, status: str | None = None) -> Select[Any]:
    stmt = scoped_select(MemberMerge, policy.member_merges(p)).order_by(MemberMerge.id.desc())
    if member_id is not None:
        stmt = stmt.where((MemberMerge.survivor_id == member_id) | (MemberMerge.absorbed_id == member_id))
    if status:
        stmt = stmt.where(MemberMerge.status == status)
    return stmt


def events(session: Session, merge_id: int) -> list[MergeEvent]:
    return list(session.scalars(select(MergeEvent).where(MergeEvent.merge_id == merge_id).order_by(MergeEvent.id)))
