"""Pure rules for orders: the payment split and how a refund is shared between payment methods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lianmeng.commissions.domain import split_proportionally
from lianmeng.orders.errors import Problem


@dataclass(frozen=True)
class PaymentSplit:
    cash_fen: int
    stored_value_fen: int
    points_value_fen: int


class SplitRefused(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def payment_split(amount_fen: int, stored_value_fen: int, points_value_fen: int) -> PaymentSplit:
    """Cash/card pays what stored value and points do not; they may not pay more than the order."""
    if amount_fen <= 0:
        raise SplitRefused(Problem.AMOUNT_NOT_POSITIVE)
    if stored_value_fen < 0 or points_value_fen < 0:
        raise SplitRefused(Problem.AMOUNT_NOT_POSITIVE)
    cash = amount_fen - stored_value_fen - points_value_fen
    if cash < 0:
        raise SplitRefused(Problem.OVERPAID)
    return PaymentSplit(cash, stored_value_fen, points_value_fen)


def refund_parts(parts: Sequence[int], refunded_parts: Sequence[int], refund_fen: int) -> list[int]:
    """How much of `refund_fen` goes back to each payment method.

    Split in proportion to what each method has NOT yet had back (largest remainder). Every step is between
    zero and what remains of that method, the steps add up to the refund, and the last refund returns exactly
    what remains — so any sequence of partial refunds of the whole order returns every method in full."""
    remaining = [part - done for part, done in zip(parts, refunded_parts, strict=True)]
    if any(r < 0 for r in remaining):
        raise ValueError("refunded more than paid")
    if refund_fen <= 0 or refund_fen > sum(remaining):
        raise SplitRefused(Problem.REFUND_EXCEEDS)
    return split_proportionally(refund_fen, remaining)


# An offline till's backlog: an order may say when the sale happened (`occurred_at`), within these bounds.
CLOCK_SKEW = timedelta(minutes=5)  # a till's clock a little ahead of ours is not "the future"
MAX_BACKLOG = timedelta(days=366)  # alliances keep no founding date: older than this is before any of them


@dataclass(frozen=True)
class SettledSpan:
    """A settled period the merchant's movements were placed in: [starts_at, ends_at)."""

    period: str
    starts_at: datetime
    ends_at: datetime


def occurred_refusal(occurred_at: datetime, now: datetime, settled: Sequence[SettledSpan]
                     ) -> tuple[str, dict[str, Any]] | None:
    """Why a sale said to have happened at `occurred_at` cannot be recorded now (code, message params), or None.
    In the future (beyond CLOCK_SKEW), older than MAX_BACKLOG, or inside a period already settled for the
    merchant: its statement is drawn, the sale would slip past it."""
    if occurred_at > now + CLOCK_SKEW:
        return "occurred_in_future", {}
    if occurred_at < now - MAX_BACKLOG:
        return "occurred_too_old", {"days": str(MAX_BACKLOG.days)}
    for span in settled:
        if span.starts_at <= occurred_at < span.ends_at:
            return "occurred_in_settled_period", {"period": span.period}
    return None
