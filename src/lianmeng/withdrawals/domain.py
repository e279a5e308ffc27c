"""The withdrawal status flow, pure: requested → approved → paid, or requested/approved → rejected."""

from __future__ import annotations

from enum import StrEnum


class WithdrawalStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"


FLOW: dict[tuple[WithdrawalStatus, Decision], WithdrawalStatus] = {
    (WithdrawalStatus.REQUESTED, Decision.APPROVE): WithdrawalStatus.APPROVED,
    (WithdrawalStatus.REQUESTED, Decision.REJECT): WithdrawalStatus.REJECTED,
    (WithdrawalStatus.APPROVED, Decision.REJECT): WithdrawalStatus.REJECTED,
    (WithdrawalStatus.APPROVED, Decision.PAY): WithdrawalStatus.PAID,
}


def next_status(status: WithdrawalStatus, decision: Decision) -> WithdrawalStatus | None:
    return FLOW.get((status, decision))


def check_request(amount_fen: int, minimum_fen: int, fee_fen: int) -> str | None:
    """The refusal code for a request, or None when it may be made."""
    if amount_fen <= 0:
        return "amount_not_positive"
    if amount_fen < minimum_fen:
        return "withdrawal_below_minimum"
    if fee_fen >= amount_fen:
        return "withdrawal_below_fee"
    return None
