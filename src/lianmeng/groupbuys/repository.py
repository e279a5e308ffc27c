"""All group-buy queries; reads are scoped by tenancy.policy. The counters (`seats_taken` of an offer: stock; of
a group: its seats) change only by guarded single statements or under the group's row lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from lianmeng.groupbuys.domain import HOLDING, GroupStatus, SeatStatus
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuyOffer, GroupBuySeat
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_offer(session: Session, p: Principal, offer_id: int) -> GroupBuyOffer:
    return get_scoped(session, GroupBuyOffer, offer_id, policy.group_buy_offers(p), "group_buy")


def list_offers(p: Principal, *, status: str | None = None) -> Select[Any]:
    stmt = scoped_select(GroupBuyOffer, policy.group_buy_offers(p))
    if status:
        stmt = stmt.where(GroupBuyOffer.status == status)
    return stmt.order_by(GroupBuyOffer.id.desc())


def offers_in_scope(session: Session, p: Principal, *, limit: int | None = None, **filters: Any) -> list[GroupBuyOffer]:
    stmt = list_offers(p, **filters)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def get_group(session: Session, p: Principal, group_id: int) -> GroupBuyGroup:
    return get_scoped(session, GroupBuyGroup, group_id, policy.group_buy_groups(p), "group_buy_group")


def group_by_token(session: Session, token: str, *, lock: bool = False) -> GroupBuyGroup | None:
    """The group a share link names (public: the token is the secret). `lock`: FOR UPDATE, read as committed once
    granted, so the seat count and status decided on are the latest."""
    stmt = select(GroupBuyGroup).where(GroupBuyGroup.token == token)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def lock_group(session: Session, group_id: int) -> GroupBuyGroup:
    """The group row FOR UPDATE (every seat change of a group runs under it), as committed once granted."""
    stmt = (select(GroupBuyGroup).where(GroupBuyGroup.id == group_id).with_for_update()
            .execution_options(populate_existing=True))
    return session.scalars(stmt).one()


def get_seat(session: Session, p: Principal, seat_id: int) -> GroupBuySeat:
    return get_scoped(session, GroupBuySeat, seat_id, policy.group_buy_seats(p), "group_buy_seat")


def seats_of(session: Session, alliance_id: int, group_id: int, status: SeatStatus | None = None) -> list[GroupBuySeat]:
    stmt = select(GroupBuySeat).where(GroupBuySeat.alliance_id == alliance_id, GroupBuySeat.group_id == group_id)
    if status is not None:
        stmt = stmt.where(GroupBuySeat.status == status.value)
    return list(session.scalars(stmt.order_by(GroupBuySeat.id).execution_options(populate_existing=True)))


def seat_of_member(session: Session, group_id: int, member_id: int) -> GroupBuySeat | None:
    return session.scalars(select(GroupBuySeat).where(GroupBuySeat.group_id == group_id,
                                                      GroupBuySeat.member_id == member_id)).first()


def seats_held(session: Session, offer_id: int, member_id: int) -> int:
    """Seats the member holds (paid or issued) in the offer's groups; read after the offer's stock row is updated,
    so a concurrent join of the same member (waiting on that row) counts this one."""
    stmt = select(func.count()).select_from(GroupBuySeat).where(
        GroupBuySeat.offer_id == offer_id, GroupBuySeat.member_id == member_id,
        GroupBuySeat.status.in_([s.value for s in HOLDING]))
    return int(session.scalar(stmt) or 0)


def take_stock(session: Session, offer_id: int, seats: int = 1) -> bool:
    """Take seats from the offer's stock unless it would run out (one guarded statement: concurrent joins queue on
    the row, each re-checks the limit)."""
    result = session.execute(
        update(GroupBuyOffer).where(GroupBuyOffer.id == offer_id,
                                    (GroupBuyOffer.max_seats.is_(None))
                                    | (GroupBuyOffer.seats_taken + seats <= GroupBuyOffer.max_seats))
        .values(seats_taken=GroupBuyOffer.seats_taken + seats).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release_stock(session: Session, alliance_id: int, offer_id: int, seats: int) -> None:
    if seats:
        session.execute(update(GroupBuyOffer)
                        .where(GroupBuyOffer.alliance_id == alliance_id, GroupBuyOffer.id == offer_id)
                        .values(seats_taken=GroupBuyOffer.seats_taken - seats)
                        .execution_options(synchronize_session=False))


def groups_of_member(session: Session, member_id: int, limit: int = 100) -> list[GroupBuyGroup]:
    stmt = (select(GroupBuyGroup).join(GroupBuySeat, GroupBuySeat.group_id == GroupBuyGroup.id)
            .where(GroupBuySeat.member_id == member_id).order_by(GroupBuyGroup.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def groups_of_offer(session: Session, p: Principal, offer_id: int, limit: int = 200) -> list[GroupBuyGroup]:
    stmt = (scoped_select(GroupBuyGroup, policy.group_buy_groups(p)).where(GroupBuyGroup.offer_id == offer_id)
            .order_by(GroupBuyGroup.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def group_counts(session: Session, p: Principal, offer_id: int) -> dict[str, int]:
    stmt = (select(GroupBuyGroup.status, func.count()).where(GroupBuyGroup.offer_id == offer_id,
                                                             policy.group_buy_groups(p))
            .group_by(GroupBuyGroup.status))
    return {status: int(count) for status, count in session.execute(stmt)}


def seat_counts(session: Session, p: Principal, offer_id: int) -> dict[str, int]:
    stmt = (select(GroupBuySeat.status, func.count()).where(GroupBuySeat.offer_id == offer_id,
                                                            policy.group_buy_seats(p))
            .group_by(GroupBuySeat.status))
    return {status: int(count) for status, count in session.execute(stmt)}


def seat_statuses(session: Session, group_ids: Sequence[int]) -> dict[int, list[str]]:
    if not group_ids:
        return {}
    rows = session.execute(select(GroupBuySeat.group_id, GroupBuySeat.status)
                           .where(GroupBuySeat.group_id.in_(list(group_ids))).order_by(GroupBuySeat.id))
    out: dict[int, list[str]] = {g: [] for g in group_ids}
    for group_id, status in rows:
        out[group_id].append(status)
    return out


def groups_due(session: Session, at: datetime, limit: int, alliance_id: int | None = None) -> list[GroupBuyGroup]:
    """Open groups past their deadline, locked; a concurrent run skips the rows this one holds (and, once this one
    commits, finds them expired: the lock re-reads the row)."""
    stmt = (select(GroupBuyGroup).where(GroupBuyGroup.status == GroupStatus.OPEN.value,
                                        GroupBuyGroup.deadline_at <= at)
            .order_by(GroupBuyGroup.id).limit(limit).with_for_update(skip_locked=True)
            .execution_options(populate_existing=True))
    if alliance_id is not None:
        stmt = stmt.where(GroupBuyGroup.alliance_id == alliance_id)
    return list(session.scalars(stmt))


def alliances_with_groups_due(session: Session, at: datetime) -> list[int]:
    stmt = (select(GroupBuyGroup.alliance_id).where(GroupBuyGroup.status == GroupStatus.OPEN.value,
                                                    GroupBuyGroup.deadline_at <= at)
            .distinct().order_by(GroupBuyGroup.alliance_id))
    return [int(a) for a in session.scalars(stmt)]


# --- sharing (groupbuys.sharing) ----------------------------------------------------------------------------------


def friend_rewarded(session: Session, alliance_id: int, offer_id: int, friend_id: int) -> bool:
    """Whether a seat of this friend in this offer already earned its sharer something (only the first does)."""
    return session.scalar(select(GroupBuySeat.id).where(
        GroupBuySeat.alliance_id == alliance_id, GroupBuySeat.offer_id == offer_id,
        GroupBuySeat.member_id == friend_id, GroupBuySeat.share_reward > 0).limit(1)) is not None


def share_month_earned(session: Session, alliance_id: int, offer_id: int, sharer_id: int, since: datetime) -> int:
    """What the sharer earned under this offer's terms since `since`, net of reversals (the monthly cap)."""
    return int(session.scalar(select(func.coalesce(func.sum(GroupBuySeat.share_reward - GroupBuySeat.share_reversed),
                                                   0)).where(
        GroupBuySeat.alliance_id == alliance_id, GroupBuySeat.offer_id == offer_id,
        GroupBuySeat.shared_by_member_id == sharer_id, GroupBuySeat.share_earned_at >= since)) or 0)


def matured_shares(session: Session, at: datetime, limit: int, alliance_id: int | None) -> list[GroupBuySeat]:
    """Frozen sharers' rewards past their return window, locked (SKIP LOCKED: concurrent runs share the work)."""
    stmt = (select(GroupBuySeat).where(GroupBuySeat.share_status == "frozen", GroupBuySeat.share_releases_at <= at)
            .order_by(GroupBuySeat.id).limit(limit))
    if alliance_id is not None:
        stmt = stmt.where(GroupBuySeat.alliance_id == alliance_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def alliances_with_matured_shares(session: Session, at: datetime) -> list[int]:
    stmt = (select(GroupBuySeat.alliance_id).where(GroupBuySeat.share_status == "frozen",
                                                   GroupBuySeat.share_releases_at <= at)
            .distinct().order_by(GroupBuySeat.alliance_id))
    return [int(a) for a in session.scalars(stmt)]
