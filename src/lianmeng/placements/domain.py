"""Pure rules of featured placement (推广位): the slot's terms and their bounds, a booking's days in Asia/Shanghai,
its price, how full a slot is day by day, who is featured today and in which order, and what a cancellation
gives back. No session, no clock: callers pass `today` (a Shanghai date).

A slot is one place on the member pages where merchants pay the operator to be listed first: the member's partner
list (/m/partners) or the "more from our partners" block of the claim pages (/c/{token}). It holds at most
`capacity` merchants on any one day. A booking takes `days` consecutive days from `first_day`; its price is the
slot's price per day at the moment of booking times the days, integer fen, charged at once.

Cancellation: before the first day the whole charge is reversed; from the first day on a booking can no longer be
cancelled and nothing is refunded (the merchant has been shown; pro-rating would invite booking long and cancelling
early, which blocks the slot for others).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.placements.errors import Problem

MAX_PRICE_PER_DAY_FEN = 10_000_000  # ¥100,000.00 a day
MAX_CAPACITY = 20  # merchants featured at once in one slot
MAX_DAYS_LIMIT = 366  # the longest booking a slot may allow
MAX_LEAD_DAYS = 366  # how far ahead a booking may start
CALENDAR_DAYS = 28  # the occupancy grid of the console

T = TypeVar("T")


class PlacementSurface(LabelledEnum):
    """Where a slot shows its merchants."""

    PARTNER_LIST = "partner_list", "会员页·联盟伙伴列表", "Member page: partner list"
    CLAIM_PAGES = "claim_pages", "领券页·更多伙伴", "Claim pages: more partners"


class BookingStatus(LabelledEnum):
    BOOKED = "booked", "已预订", "Booked"
    CANCELLED = "cancelled", "已取消", "Cancelled"


SURFACE_LABELS = pairs(PlacementSurface)
BOOKING_STATUS_LABELS = pairs(BookingStatus)


class Refused(ValueError):
    """A rule said no: the code (placements.errors.Problem) and its message parameters."""

    def __init__(self, code: Problem, **params: str) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params


# --- the slot's terms ------------------------------------------------------------------------------------------


def check_terms(price_per_day_fen: int, capacity: int, max_days: int) -> None:
    """Price 1 fen … ¥100,000.00 a day, 1–20 merchants at once, bookings of 1–366 days."""
    if not 0 < price_per_day_fen <= MAX_PRICE_PER_DAY_FEN:
        raise Refused(Problem.PLACEMENT_PRICE_RANGE)
    if not 0 < capacity <= MAX_CAPACITY:
        raise Refused(Problem.PLACEMENT_CAPACITY_RANGE, most=str(MAX_CAPACITY))
    if not 0 < max_days <= MAX_DAYS_LIMIT:
        raise Refused(Problem.PLACEMENT_MAX_DAYS_RANGE, most=str(MAX_DAYS_LIMIT))


# --- a booking's days and price ----------------------------------------------------------------------------------


def last_day(first_day: date, days: int) -> date:
    return first_day + timedelta(days=days - 1)


def each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def check_dates(today: date, first_day: date, days: int, max_days: int) -> None:
    """A booking starts today or later (Shanghai), at most a year ahead, and lasts 1 … the slot's maximum days."""
    if not 0 < days <= max_days:
        raise Refused(Problem.PLACEMENT_DAYS_RANGE, most=str(max_days))
    if first_day < today:
        raise Refused(Problem.PLACEMENT_START_PAST, today=today.isoformat())
    if first_day > today + timedelta(days=MAX_LEAD_DAYS):
        raise Refused(Problem.PLACEMENT_START_TOO_FAR, most=str(MAX_LEAD_DAYS))


def price(price_per_day_fen: int, days: int) -> int:
    """What a booking costs: the price per day times the days, integer fen (nothing to round)."""
    return price_per_day_fen * days


# --- occupancy ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A booking still in force, as occupancy reads it."""

    booking_id: int
    merchant_id: int
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def overlaps(self, first: date, last: date) -> bool:
        return self.first_day <= last and first <= self.last_day


def occupancy(held: Iterable[Held], first: date, last: date) -> dict[date, int]:
    """Merchants featured on each day of [first, last]."""
    counts: Counter[date] = Counter()
    for booking in held:
        for day in each_day(max(first, booking.first_day), min(last, booking.last_day)):
            counts[day] += 1
    return {day: counts[day] for day in each_day(first, last)}


def check_room(held: list[Held], merchant_id: int, first: date, last: date, capacity: int) -> None:
    """A merchant holds one seat at a time in a slot (409 already booked), and no day of the period may be full
    (409 full, naming the first full day)."""
    if any(h.merchant_id == merchant_id and h.overlaps(first, last) for h in held):
        raise Refused(Problem.PLACEMENT_ALREADY_BOOKED)
    for day, count in occupancy(held, first, last).items():
        if count >= capacity:
            raise Refused(Problem.PLACEMENT_FULL, day=day.isoformat())


def featured_today(held: Iterable[Held], today: date) -> list[int]:
    """The merchants featured today, in booking order (the earlier booking first), each once."""
    order: list[int] = []
    for booking in sorted(held, key=lambda h: h.booking_id):
        if booking.covers(today) and booking.merchant_id not in order:
            order.append(booking.merchant_id)
    return order


def featured_first(items: list[T], merchant_of: Callable[[T], int], featured: list[int]) -> list[tuple[T, bool]]:
    """Featured merchants' items first (in `featured` order, each merchant's items in their given order), then
    everything else in its given order (nearest first, say); each item with whether it is featured."""
    rank = {merchant_id: n for n, merchant_id in enumerate(featured)}
    unranked = len(rank)
    keyed = sorted(((rank.get(merchant_of(item), unranked), n) for n, item in enumerate(items)))
    return [(items[n], r < unranked) for r, n in keyed]


# --- cancellation ------------------------------------------------------------------------------------------------


def check_cancel(status: BookingStatus, first_day: date, today: date) -> None:
    """Only a booking not yet begun: before its first day (Shanghai) it is reversed in full; from then on no."""
    if status is BookingStatus.CANCELLED:
        raise Refused(Problem.PLACEMENT_CANCELLED)
    if today >= first_day:
        raise Refused(Problem.PLACEMENT_STARTED, first_day=first_day.isoformat())


# --- revenue -----------------------------------------------------------------------------------------------------


def revenue_by_month(charges: Iterable[tuple[date, int]]) -> list[tuple[str, int, int]]:
    """(month "YYYY-MM", bookings, fen) for each month a charge was booked in (Shanghai dates), oldest first."""
    counts: Counter[str] = Counter()
    amounts: Counter[str] = Counter()
    for day, amount in charges:
        month = f"{day.year:04d}-{day.month:02d}"
        counts[month] += 1
        amounts[month] += amount
    return [(month, counts[month], amounts[month]) for month in sorted(counts)]
