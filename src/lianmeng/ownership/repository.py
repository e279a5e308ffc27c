"""Queries of ownership, scoped by the caller through tenancy.policy (the jobs and the merge seam excepted: they
act for the system on ids they were given)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from lianmeng.auth.models import User
from lianmeng.coupons.models import Redemption
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Staff
from lianmeng.merging.domain import TOMBSTONE
from lianmeng.orders.models import Order
from lianmeng.ownership.domain import AssignBasis, OwnershipChange
from lianmeng.ownership.models import MemberOwner, OwnershipPeriod, OwnershipSettings
from lianmeng.tenancy import Principal, policy
from lianmeng.values.models import MemberValue


def of_merchant(merchant_id: int) -> Any:
    """The merchant's members: those it brought in and those enrolled at it (as tenancy.policy.members), proved;
    a merged member's tombstone is nobody's member (its survivor is)."""
    enrolled = exists().where(and_(Membership.member_id == Member.id, Membership.merchant_id == merchant_id))
    return and_(Member.status.notin_((PENDING, TOMBSTONE)), or_(Member.origin_merchant_id == merchant_id, enrolled))


def unowned_at(merchant_id: int) -> Any:
    return ~exists().where(and_(MemberOwner.member_id == Member.id, MemberOwner.merchant_id == merchant_id))


def pool(merchant_id: int) -> Select[Any]:
    """The merchant's pool: its members without an owner there, newest first."""
    return select(Member).where(of_merchant(merchant_id), unowned_at(merchant_id)).order_by(Member.id.desc())


def pool_count(session: Session, merchant_id: int) -> int:
    return int(session.scalar(select(func.count(Member.id)).where(of_merchant(merchant_id), unowned_at(merchant_id)))
               or 0)


def is_member_of(session: Session, merchant_id: int, member_id: int) -> Member | None:
    return session.scalars(select(Member).where(Member.id == member_id, of_merchant(merchant_id))).first()


def members_by_basis(session: Session, merchant_id: int, basis: AssignBasis, *, store_id: int | None,
                     rfm_classes: Sequence[str], only_unowned: bool) -> list[int]:
    """The merchant's member ids a bulk assignment takes, oldest first."""
    stmt = select(Member.id).where(of_merchant(merchant_id))
    if basis is AssignBasis.ORIGIN_STORE:
        stmt = stmt.where(Member.origin_store_id == store_id)
    elif basis is AssignBasis.STORE_ORDERS:
        stmt = stmt.where(exists().where(and_(Order.member_id == Member.id, Order.merchant_id == merchant_id,
                                              Order.store_id == store_id)))
    elif basis is AssignBasis.VALUE_CLASS:
        stmt = stmt.where(exists().where(and_(MemberValue.member_id == Member.id,
                                              MemberValue.merchant_id == merchant_id,
                                              MemberValue.rfm_class.in_(list(rfm_classes)))))
    if only_unowned:
        stmt = stmt.where(unowned_at(merchant_id))
    return list(session.scalars(stmt.order_by(Member.id)))


def owner_rows(session: Session, merchant_id: int, member_ids: Iterable[int], *, lock: bool = False,
               ) -> dict[int, MemberOwner]:
    ids = sorted(set(member_ids))
    out: dict[int, MemberOwner] = {}
    for start in range(0, len(ids), 1_000):
        stmt = select(MemberOwner).where(MemberOwner.merchant_id == merchant_id,
                                         MemberOwner.member_id.in_(ids[start:start + 1_000]))
        if lock:
            stmt = stmt.order_by(MemberOwner.id).with_for_update()
        out.update({row.member_id: row for row in session.scalars(stmt)})
    return out


def owner_row(session: Session, merchant_id: int, member_id: int, *, lock: bool = False) -> MemberOwner | None:
    return owner_rows(session, merchant_id, [member_id], lock=lock).get(member_id)


def rows_of_member(session: Session, alliance_id: int, member_id: int, *, lock: bool = False) -> list[MemberOwner]:
    stmt = select(MemberOwner).where(MemberOwner.alliance_id == alliance_id, MemberOwner.member_id == member_id
                                     ).order_by(MemberOwner.id)
    if lock:
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def rows_of_staff(session: Session, staff_id: int) -> list[MemberOwner]:
    return list(session.scalars(select(MemberOwner).where(MemberOwner.staff_id == staff_id)
                                .order_by(MemberOwner.id).with_for_update()))


def owners_of(session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(member, merchant) → the owning staff member, for the pairs that have one."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = session.execute(select(MemberOwner.member_id, MemberOwner.merchant_id, MemberOwner.staff_id).where(
        MemberOwner.member_id.in_(sorted({m for m, _ in wanted}))))
    return {(m, x): s for m, x, s in rows if (m, x) in wanted}


def loads(session: Session, merchant_id: int) -> dict[int, int]:
    """Staff member → how many members it owns at the merchant."""
    rows = session.execute(select(MemberOwner.staff_id, func.count(MemberOwner.id))
                           .where(MemberOwner.merchant_id == merchant_id).group_by(MemberOwner.staff_id))
    return {int(s): int(n) for s, n in rows}


def active_staff(session: Session, merchant_id: int, staff_ids: Iterable[int]) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.id.in_(list(staff_ids)), Staff.merchant_id == merchant_id,
                                                    Staff.active.is_(True), Staff.role != "promoter")))


def lock_staff(session: Session, staff_id: int) -> Staff | None:
    """The claiming staff member's row, locked: one staff member's claims are counted one at a time."""
    return session.scalars(select(Staff).where(Staff.id == staff_id).with_for_update()).first()


def claims_since(session: Session, merchant_id: int, staff_id: int, since: datetime) -> int:
    return int(session.scalar(select(func.count(OwnershipPeriod.id)).where(
        OwnershipPeriod.staff_id == staff_id, OwnershipPeriod.merchant_id == merchant_id,
        OwnershipPeriod.start_change == OwnershipChange.POOL_CLAIMED.value,
        OwnershipPeriod.started_at >= since)) or 0)


def settings_of(session: Session, merchant_id: int, *, lock: bool = False) -> OwnershipSettings | None:
    stmt = select(OwnershipSettings).where(OwnershipSettings.merchant_id == merchant_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def idle_rows(session: Session, merchant_id: int, cutoff: datetime) -> list[MemberOwner]:
    """The merchant's owners who took their member before `cutoff` and have not served it since: no coupon
    redemption with it by that staff member at the merchant, and no order for it at the merchant recorded by one of
    that staff member's logins (Order.recorded_by is the login's username). Locked, skipping rows another run holds."""
    redeemed = exists().where(and_(Redemption.member_id == MemberOwner.member_id,
                                   Redemption.merchant_id == MemberOwner.merchant_id,
                                   Redemption.staff_id == MemberOwner.staff_id, Redemption.at > cutoff))
    logins = select(User.username).where(User.staff_id == MemberOwner.staff_id).scalar_subquery()
    ordered = exists().where(and_(Order.member_id == MemberOwner.member_id,
                                  Order.merchant_id == MemberOwner.merchant_id, Order.recorded_by.in_(logins),
                                  Order.occurred_at > cutoff))
    stmt = (select(MemberOwner).where(MemberOwner.merchant_id == merchant_id, MemberOwner.since <= cutoff,
                                      ~redeemed, ~ordered)
            .order_by(MemberOwner.id).with_for_update(skip_locked=True))
    return list(session.scalars(stmt))


def merchants_with_owners(session: Session, alliance_id: int | None = None) -> list[int]:
    stmt = select(MemberOwner.merchant_id).distinct().order_by(MemberOwner.merchant_id)
    if alliance_id is not None:
        stmt = stmt.where(MemberOwner.alliance_id == alliance_id)
    return [int(m) for m in session.scalars(stmt)]


def remove(session: Session, rows: Sequence[MemberOwner]) -> None:
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 1_000):
        session.execute(delete(MemberOwner).where(MemberOwner.id.in_(ids[start:start + 1_000])))
    for row in rows:
        if row in session:
            session.expunge(row)


def periods(session: Session, ids: Iterable[int]) -> dict[int, OwnershipPeriod]:
    wanted = sorted(set(ids))
    out: dict[int, OwnershipPeriod] = {}
    for start in range(0, len(wanted), 1_000):
        out.update({p.id: p for p in session.scalars(select(OwnershipPeriod).where(
            OwnershipPeriod.id.in_(wanted[start:start + 1_000])))})
    return out


def merge_periods(session: Session, alliance_id: int, absorbed_id: int, survivor_id: int
                  ) -> list[OwnershipPeriod]:
    """The absorbed member's periods a merge into the survivor ended (newest merge first)."""
    return list(session.scalars(select(OwnershipPeriod).where(
        OwnershipPeriod.alliance_id == alliance_id, OwnershipPeriod.member_id == absorbed_id,
        OwnershipPeriod.other_member_id == survivor_id,
        OwnershipPeriod.end_change == OwnershipChange.MERGE_MOVED.value).order_by(OwnershipPeriod.id.desc())))


# --- scoped reads ------------------------------------------------------------------------------------------------


def list_owners(p: Principal, *, staff_id: int | None = None, member_id: int | None = None) -> Select[Any]:
    stmt = select(MemberOwner).where(policy.member_owners(p))
    if staff_id is not None:
        stmt = stmt.where(MemberOwner.staff_id == staff_id)
    if member_id is not None:
        stmt = stmt.where(MemberOwner.member_id == member_id)
    return stmt.order_by(MemberOwner.since.desc(), MemberOwner.id.desc())


def list_history(p: Principal, *, member_id: int | None = None, staff_id: int | None = None) -> Select[Any]:
    stmt = select(OwnershipPeriod).where(policy.ownership_history(p))
    if member_id is not None:
        stmt = stmt.where(OwnershipPeriod.member_id == member_id)
    if staff_id is not None:
        stmt = stmt.where(OwnershipPeriod.staff_id == staff_id)
    return stmt.order_by(OwnershipPeriod.id.desc())


def members_of_owner(session: Session, merchant_id: int, staff_id: int) -> list[Member]:
    return list(session.scalars(select(Member).join(MemberOwner, MemberOwner.member_id == Member.id).where(
        MemberOwner.merchant_id == merchant_id, MemberOwner.staff_id == staff_id).order_by(MemberOwner.since.desc())))


def staff_counts(session: Session, merchant_id: int) -> list[tuple[Staff, int]]:
    """Each staff member of the merchant (promoters aside) with how many members it owns there."""
    owned = (select(MemberOwner.staff_id, func.count(MemberOwner.id).label("n"))
             .where(MemberOwner.merchant_id == merchant_id).group_by(MemberOwner.staff_id).subquery())
    rows = session.execute(select(Staff, func.coalesce(owned.c.n, 0)).outerjoin(owned, owned.c.staff_id == Staff.id)
                           .where(Staff.merchant_id == merchant_id, Staff.role != "promoter").order_by(Staff.id))
    return [(staff, int(n)) for staff, n in rows]


def alliances_with_owners(session: Session) -> list[int]:
    stmt = select(MemberOwner.alliance_id).distinct().order_by(MemberOwner.alliance_id)
    return [int(a) for a in session.scalars(stmt)]
