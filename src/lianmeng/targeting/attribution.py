"""The attribution window of a targeted offer, as pure rules (no session, no clock).

A recipient's window opens when the offer was sent to it; for everyone not sent anything (the holdout, and treated
members who were skipped: opted out, capped, failed), when the offer's sending started, i.e. its first sent_at, or
its schedule if nothing was sent yet. It stays open `attribution_days` days: [start, start + days).

Within its window a recipient has
* claimed   — the first claim of a coupon of the offer's template,
* arrived   — the first redemption of any coupon at the partner, or the first order there,
* converted — the first order at the partner that was not refunded in full,
* revenue   — the net amount (amount − refunded) of its orders at the partner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Outcome:
    claimed_at: datetime | None = None
    arrived_at: datetime | None = None
    converted_at: datetime | None = None
    revenue_fen: int = 0


def window(sent_at: datetime | None, send_start: datetime, days: int) -> tuple[datetime, datetime]:
    start = sent_at or send_start
    return start, start + timedelta(days=days)


def send_window(first_sent: datetime | None, last_sent: datetime | None, scheduled_at: datetime,
                days: int) -> tuple[datetime, datetime]:
    """The offer's whole window: from its send start to the end of the last recipient's window."""
    start = first_sent or scheduled_at
    return start, max(last_sent or start, start) + timedelta(days=days)


def _first(times: Iterable[datetime]) -> datetime | None:
    return min(times, default=None)


def outcome(start: datetime, end: datetime, claims: Iterable[datetime], arrivals: Iterable[datetime],
            orders: Iterable[tuple[datetime, int]]) -> Outcome:
    """One recipient's outcome from its events (times, and orders' net fen) at the partner."""
    inside = [(at, net) for at, net in orders if start <= at < end]
    return Outcome(
        claimed_at=_first(at for at in claims if start <= at < end),
        arrived_at=_first([*(at for at in arrivals if start <= at < end), *(at for at, _ in inside)]),
        converted_at=_first(at for at, net in inside if net > 0),
        revenue_fen=sum(net for _, net in inside),
    )
