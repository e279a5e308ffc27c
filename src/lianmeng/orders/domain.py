"""Pure rules for orders: the payment split and how a refund is shared between payment methods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
