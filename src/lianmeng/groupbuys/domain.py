"""Pure group-buy (拼团) rules: the group's state machine, the seat's, the offer's checks and what a public view
may show. No session, clock or I/O: callers pass `now`.

* A group is `open` from its start until its N-th seat is paid (`formed`) or its deadline (start + H hours) passes
  unfilled (`expired`). `transition` is the one place that decides; it refuses what may not happen (joining a
  full, formed or expired group, leaving a formed one, expiring one before its deadline). Expiring an expired group
  is a no-op (the job and a lazy look may both try).
* A seat is `paid` while its group is open, `issued` once the group formed (a joint card carries the package),
  `left` when its member left an open group (full refund, the seat is freed), `expired` when the group expired
  (full refund) and `refunded` when the card's unconsumed rest was refunded after forming.
* A group is shown complete to a member only when it formed AND the member's own seat is still `issued`: a refunded
  member never sees a completed group (CRMEB #27); the view counts "x of N, k refunded".
* Offer checks: price > 0, 2 ≤ N ≤ 50, 1 ≤ H ≤ 168, the sale window's end after its start, stock ≥ N when set;
  every component merchant other than the seller must be covered (`uncovered`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from lianmeng.groupbuys.errors import Problem
from lianmeng.kit.vocab import LabelledEnum

MIN_GROUP_SIZE, MAX_GROUP_SIZE = 2, 50
MIN_HOURS, MAX_HOURS = 1, 168


class Refused(ValueError):
    """A rule said no; `code` is the stable error code shown to users, `params` fill its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class GroupBuyStatus(LabelledEnum):
    ACTIVE = "active", "进行中", "Active"
    PAUSED = "paused", "已暂停", "Paused"


class GroupStatus(LabelledEnum):
    OPEN = "open", "拼团中", "Open"
    FORMED = "formed", "已成团", "Formed"
    EXPIRED = "expired", "未成团已失效", "Expired"


class SeatStatus(LabelledEnum):
    PAID = "paid", "已付款待成团", "Paid, waiting"
    ISSUED = "issued", "已成团已发放", "Issued"
    LEFT = "left", "已退出退款", "Left, refunded"
    EXPIRED = "expired", "未成团已退款", "Expired, refunded"
    REFUNDED = "refunded", "已退卡", "Refunded"


class GroupEvent(StrEnum):
    """What happens to a group (never stored, never shown): a seat paid, a seat left, the deadline checked."""

    JOIN = "join"
    LEAVE = "leave"
    EXPIRE = "expire"


@dataclass(frozen=True)
class GroupState:
    status: GroupStatus
    seats_taken: int
    group_size: int
    deadline_at: datetime


def transition(state: GroupState, event: GroupEvent, now: datetime) -> GroupState:
    """The group after `event` at `now`; Refused when the event may not happen in this state."""
    if state.status is GroupStatus.EXPIRED:
        if event is GroupEvent.EXPIRE:
            return state
        raise Refused(Problem.GROUP_BUY_EXPIRED)
    if state.status is GroupStatus.FORMED:
        if event is GroupEvent.JOIN:
            raise Refused(Problem.GROUP_BUY_FULL)
        raise Refused(Problem.GROUP_BUY_FORMED)
    past_deadline = now >= state.deadline_at
    if event is GroupEvent.EXPIRE:
        if not past_deadline:
            raise Refused(Problem.GROUP_BUY_NOT_DUE)
        return GroupState(GroupStatus.EXPIRED, state.seats_taken, state.group_size, state.deadline_at)
    if past_deadline:
        raise Refused(Problem.GROUP_BUY_EXPIRED)
    if event is GroupEvent.JOIN:
        if state.seats_taken >= state.group_size:
            raise Refused(Problem.GROUP_BUY_FULL)
        seats = state.seats_taken + 1
        status = GroupStatus.FORMED if seats == state.group_size else GroupStatus.OPEN
        return GroupState(status, seats, state.group_size, state.deadline_at)
    if state.seats_taken <= 0:
        raise ValueError("no seat to leave")
    return GroupState(GroupStatus.OPEN, state.seats_taken - 1, state.group_size, state.deadline_at)


def deadline(started_at: datetime, hours_to_form: int) -> datetime:
    return started_at + timedelta(hours=hours_to_form)


# --- seats ------------------------------------------------------------------------------------------------------

HOLDING = frozenset({SeatStatus.PAID, SeatStatus.ISSUED})  # seats that count against stock and per-member limits


def check_leave(group_status: GroupStatus, seat_status: SeatStatus) -> None:
    """A member leaves an open group with a full refund; after forming, the card's rest is refunded instead."""
    if seat_status is not SeatStatus.PAID:
        if seat_status is SeatStatus.ISSUED:
            raise Refused(Problem.GROUP_BUY_FORMED)
        raise Refused(Problem.GROUP_BUY_SEAT_CLOSED)
    if group_status is GroupStatus.FORMED:
        raise Refused(Problem.GROUP_BUY_FORMED)


def check_card_refund(group_status: GroupStatus, seat_status: SeatStatus) -> None:
    """After forming, the seller or the operator refunds a seat's card (its unconsumed rest)."""
    if group_status is not GroupStatus.FORMED:
        raise Refused(Problem.GROUP_BUY_NOT_FORMED)
    if seat_status is not SeatStatus.ISSUED:
        raise Refused(Problem.GROUP_BUY_SEAT_CLOSED)


@dataclass(frozen=True)
class Progress:
    """What a group view says: "x of N, k refunded"; `complete` only for a formed group and an issued seat."""

    filled: int
    group_size: int
    refunded: int
    complete: bool


def progress(group_status: GroupStatus, group_size: int, seat_statuses: Iterable[SeatStatus],
             own_seat: SeatStatus | None = None) -> Progress:
    """Seats filled (paid or issued, or refunded after forming: they did fill the group), those refunded after
    forming, and whether the group is complete for the viewer (never when the viewer's own seat was refunded)."""
    statuses = list(seat_statuses)
    refunded = sum(1 for s in statuses if s is SeatStatus.REFUNDED)
    filled = sum(1 for s in statuses if s in HOLDING) + refunded
    complete = group_status is GroupStatus.FORMED and refunded == 0 if own_seat is None else (
        group_status is GroupStatus.FORMED and own_seat is SeatStatus.ISSUED)
    return Progress(filled, group_size, refunded, complete)


# --- offers -----------------------------------------------------------------------------------------------------


def check_offer(*, price_fen: int, group_size: int, hours_to_form: int, max_seats: int | None,
                per_member_limit: int, sale_starts_at: datetime | None, sale_ends_at: datetime | None) -> None:
    if price_fen <= 0:
        raise Refused(Problem.INVALID_GROUP_BUY)
    if not MIN_GROUP_SIZE <= group_size <= MAX_GROUP_SIZE:
        raise Refused(Problem.INVALID_GROUP_BUY)
    if not MIN_HOURS <= hours_to_form <= MAX_HOURS:
        raise Refused(Problem.INVALID_GROUP_BUY)
    if max_seats is not None and max_seats < group_size:
        raise Refused(Problem.INVALID_GROUP_BUY)
    if per_member_limit < 1:
        raise Refused(Problem.INVALID_GROUP_BUY)
    if sale_starts_at is not None and sale_ends_at is not None and sale_ends_at <= sale_starts_at:
        raise Refused(Problem.INVALID_GROUP_BUY)


def uncovered(seller_id: int, component_merchants: Sequence[int], covered: set[int]) -> list[int]:
    """Component merchants other than the seller not covered by an active joint-card agreement with the seller
    (`covered`: the merchants that have one), in the order named, each once."""
    seen: list[int] = []
    for merchant_id in component_merchants:
        if merchant_id != seller_id and merchant_id not in covered and merchant_id not in seen:
            seen.append(merchant_id)
    return seen


def check_on_sale(status: GroupBuyStatus, now: datetime, starts: datetime | None, ends: datetime | None) -> None:
    """Groups start and seats sell only while the offer is active and inside its sale window."""
    if status is not GroupBuyStatus.ACTIVE:
        raise Refused(Problem.GROUP_BUY_PAUSED)
    if starts is not None and now < starts:
        raise Refused(Problem.GROUP_BUY_NOT_STARTED)
    if ends is not None and now >= ends:
        raise Refused(Problem.GROUP_BUY_ENDED)


def check_member_limit(held: int, limit: int) -> None:
    """`held`: seats the member holds in the offer's groups (paid or issued) before this one."""
    if held >= limit:
        raise Refused(Problem.GROUP_BUY_MEMBER_LIMIT, limit=limit)


def may_manage(*, is_operator: bool, manages_merchant: bool, actor_alliance_id: int | None,
               actor_merchant_id: int | None, offer_alliance_id: int, created_by_merchant_id: int | None) -> bool:
    """The alliance's operator, or an admin of the merchant that made the offer."""
    if actor_alliance_id is None or actor_alliance_id != offer_alliance_id:
        return False
    if is_operator:
        return True
    return manages_merchant and actor_merchant_id is not None and actor_merchant_id == created_by_merchant_id


def mask_name(name: str) -> str:
    """A leader as a public page may show them: the first character and two stars ("张三丰" → "张**")."""
    name = name.strip()
    return f"{name[0]}**" if name else "**"
