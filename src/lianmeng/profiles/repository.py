"""Queries of profile completeness. The score is computed in SQL from `domain.WEIGHTS` (one CASE per field), so a
queue of thousands of members sorts and pages in the database; `tests/integration/profiles` checks that it agrees
with `domain.score` member by member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, union
from sqlalchemy.orm import Session

from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merging.domain import TOMBSTONE
from lianmeng.ownership.models import MemberOwner
from lianmeng.profiles.domain import UNDISCLOSED, WEIGHTS, ProfileField
from lianmeng.profiles.models import ProfileEdit
from lianmeng.tags.domain import TagSource
from lianmeng.tags.models import MemberTag
from lianmeng.tenancy import Principal, policy


def responsible_staff(merchant_id: int) -> Any:
    """The staff member responsible for a member's profile at a merchant: its owner there (归属, ownership/), or,
    for a member nobody owns yet, the staff member who enrolled it at this merchant."""
    owner = select(MemberOwner.staff_id).where(MemberOwner.member_id == Member.id,
                                               MemberOwner.merchant_id == merchant_id).scalar_subquery()
    enrolled = case((Member.origin_merchant_id == merchant_id, Member.origin_staff_id), else_=None)
    return func.coalesce(owner, enrolled)


def tagged(viewer_merchant: Any) -> ColumnElement[bool]:
    """The member carries a tag this merchant may see: its own (rule or staff) or one the member declared."""
    return exists().where(MemberTag.member_id == Member.id,
                          or_(MemberTag.merchant_id == viewer_merchant, MemberTag.source == TagSource.DECLARED.value))


def consents_answered() -> ColumnElement[bool]:
    return or_(Member.consents_answered_at.is_not(None),
               and_(Member.consent_marketing_at.is_not(None), Member.consent_data_sharing_at.is_not(None)))


def present(field: ProfileField, viewer_merchant: Any) -> ColumnElement[bool]:
    """The SQL twin of `domain.present` for one field."""
    conditions: dict[ProfileField, ColumnElement[bool]] = {
        ProfileField.NAME: and_(Member.name.is_not(None), func.trim(Member.name) != ""),
        ProfileField.GENDER: Member.gender != UNDISCLOSED,
        ProfileField.BIRTH_YEAR: Member.birth_year.is_not(None),
        ProfileField.CONSENTS: consents_answered(),
        ProfileField.STORE: Member.origin_store_id.is_not(None),
        ProfileField.TAG: tagged(viewer_merchant),
    }
    return conditions[field]


def score_expr(viewer_merchant: Any) -> ColumnElement[int]:
    parts = [case((present(field, viewer_merchant), weight), else_=0) for field, weight in WEIGHTS.items()]
    total: ColumnElement[int] = parts[0]
    for part in parts[1:]:
        total = total + part
    return total.label("score")


@dataclass(frozen=True)
class QueueFilter:
    """A staff member's filters on the queue: only my members, one store, one missing field."""

    mine: int | None = None  # a staff id
    store_id: int | None = None
    missing: ProfileField | None = None


def _queue_base(p: Principal, merchant_id: int, filters: QueueFilter) -> tuple[Select[Member, int], ColumnElement[int]]:
    score = score_expr(merchant_id)
    stmt = select(Member, score).where(policy.members(p))
    if filters.mine is not None:
        stmt = stmt.where(responsible_staff(merchant_id) == filters.mine)
    if filters.store_id is not None:
        stmt = stmt.where(Member.origin_store_id == filters.store_id)
    if filters.missing is not None:
        stmt = stmt.where(~present(filters.missing, merchant_id))
    return stmt, score


def queue(p: Principal, merchant_id: int, filters: QueueFilter) -> Select[Member, int]:
    """(Member, score) of the caller's members, least complete first; ties by id."""
    stmt, score = _queue_base(p, merchant_id, filters)
    return stmt.order_by(score, Member.id)


def count_queue(session: Session, p: Principal, merchant_id: int, filters: QueueFilter) -> int:
    stmt, _ = _queue_base(p, merchant_id, filters)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def neighbours(session: Session, p: Principal, merchant_id: int, filters: QueueFilter, key: tuple[int, int]
               ) -> tuple[int | None, int | None]:
    """The members before and after position `key` = (score, member id) in the queue's order (keyset paging: no
    offset, so a queue of any length answers at once, and a member edited meanwhile does not shift the others)."""
    stmt, score = _queue_base(p, merchant_id, filters)
    after = stmt.where(or_(score > key[0], and_(score == key[0], Member.id > key[1])))
    before = stmt.where(or_(score < key[0], and_(score == key[0], Member.id < key[1])))
    next_row = session.execute(after.order_by(score, Member.id).limit(1)).first()
    prev_row = session.execute(before.order_by(score.desc(), Member.id.desc()).limit(1)).first()
    return (prev_row[0].id if prev_row else None), (next_row[0].id if next_row else None)


def score_of(session: Session, member_id: int, merchant_id: int) -> int:
    return int(session.scalar(select(score_expr(merchant_id)).where(Member.id == member_id)) or 0)


def is_tagged(session: Session, member_id: int, merchant_id: int) -> bool:
    return bool(session.scalar(select(tagged(merchant_id)).where(Member.id == member_id)))


def tagged_among(session: Session, member_ids: list[int], merchant_id: int) -> set[int]:
    """Which of these members carry a tag this merchant may see (one query for a page of the queue)."""
    if not member_ids:
        return set()
    return set(session.scalars(select(Member.id).where(Member.id.in_(member_ids), tagged(merchant_id))))


def stores_of(session: Session, alliance_id: int | None, merchant_id: int) -> list[Store]:
    return list(session.scalars(select(Store).where(Store.alliance_id == alliance_id, Store.merchant_id == merchant_id)
                                .order_by(Store.id)))


def staff_of(session: Session, alliance_id: int | None, merchant_id: int) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.alliance_id == alliance_id, Staff.merchant_id == merchant_id)
                                .order_by(Staff.id)))


# --- the leaderboard ------------------------------------------------------------------------------------------


def by_staff(session: Session, p: Principal, merchant_id: int) -> dict[int | None, tuple[int, int]]:
    """Responsible staff id → (members, sum of scores) over the merchant's members."""
    score = score_expr(merchant_id)
    inner = select(responsible_staff(merchant_id).label("staff_id"), score).where(policy.members(p)).subquery()
    rows = session.execute(select(inner.c.staff_id, func.count(), func.sum(inner.c.score))
                           .group_by(inner.c.staff_id)).all()
    return {staff_id: (int(n), int(total or 0)) for staff_id, n, total in rows}


def edits_since(session: Session, alliance_id: int | None, merchant_id: int, since: datetime
                ) -> list[tuple[int | None, int, datetime]]:
    """(staff id, member id, at) of the merchant's profile edits since a moment."""
    rows = session.execute(select(ProfileEdit.staff_id, ProfileEdit.member_id, ProfileEdit.at)
                           .where(ProfileEdit.alliance_id == alliance_id, ProfileEdit.merchant_id == merchant_id,
                                  ProfileEdit.at >= since)
                           .order_by(ProfileEdit.at)).all()
    return [(staff_id, member_id, at) for staff_id, member_id, at in rows]


def by_merchant(session: Session, alliance_id: int) -> dict[int, tuple[int, int]]:
    """Merchant id → (members, sum of scores) for every merchant of an alliance, each member scored as that
    merchant sees it (its own members: those it brought and those enrolled at it; a merged member's tombstone is
    nobody's member, as in tenancy.policy.members)."""
    pairs = union(
        select(Membership.member_id.label("member_id"), Membership.merchant_id.label("merchant_id")),
        select(Member.id.label("member_id"), Member.origin_merchant_id.label("merchant_id"))
        .where(Member.origin_merchant_id.is_not(None)),
    ).subquery()
    score = score_expr(pairs.c.merchant_id)
    inner = (select(pairs.c.merchant_id, score).join(Member, Member.id == pairs.c.member_id)
             .join(Merchant, Merchant.id == pairs.c.merchant_id)
             .where(Member.alliance_id == alliance_id, Merchant.alliance_id == alliance_id,
                    Member.status.notin_((PENDING, TOMBSTONE))).subquery())
    rows = session.execute(select(inner.c.merchant_id, func.count(), func.sum(inner.c.score))
                           .group_by(inner.c.merchant_id)).all()
    return {int(merchant_id): (int(n), int(total or 0)) for merchant_id, n, total in rows}


def improved_by_merchant(session: Session, alliance_id: int, since: datetime) -> dict[int, int]:
    """Merchant id → distinct members whose profile its staff changed since a moment."""
    rows = session.execute(select(ProfileEdit.merchant_id, func.count(ProfileEdit.member_id.distinct()))
                           .where(ProfileEdit.alliance_id == alliance_id, ProfileEdit.at >= since)
                           .group_by(ProfileEdit.merchant_id)).all()
    return {int(m): int(n) for m, n in rows}


def merchants_of(session: Session, alliance_id: int) -> list[Merchant]:
    return list(session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id).order_by(Merchant.id)))


def edits_of_member(session: Session, p: Principal, member_id: int) -> list[ProfileEdit]:
    return list(session.scalars(select(ProfileEdit).where(ProfileEdit.member_id == member_id,
                                                          policy.profile_edits(p)).order_by(ProfileEdit.id)))
