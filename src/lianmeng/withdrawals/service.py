"""Withdrawals move available rebates out: the request holds the money (guarded debit, so never more than is
available and never twice), a rejection gives it back, payment sends it out net of the alliance's fee.

  withdrawal:<id>:hold     rebate_available → withdrawal_pending
  withdrawal:<id>:return   withdrawal_pending → rebate_available   (rejected)
  withdrawal:<id>:paid     withdrawal_pending → paid_out (+ operator fees)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.auth.domain import Role
from lianmeng.commissions.service import FEES, payee_ref
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Forbidden, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal, policy
from lianmeng.withdrawals import domain, repository
from lianmeng.withdrawals.models import Withdrawal
from lianmeng.withdrawals.schemas import WithdrawalCreate, WithdrawalDecision

PAID_OUT = AccountRef(OwnerType.OPERATOR, 0, AccountKind.PAID_OUT)


def _payee_merchant(session: Session, actor: Principal, payee_type: str, payee_id: int) -> int:
    """Who may ask: staff for themselves (or their merchant admin for them); a merchant admin for the merchant."""
    if payee_type == "staff":
        staff = merchants_repo.get_staff(session, actor, payee_id)
        if actor.role is Role.STORE_STAFF and actor.staff_id != staff.id:
            raise Forbidden()
        if actor.role is Role.MEMBER:
            raise Forbidden()
        return staff.merchant_id
    merchant = merchants_repo.get_merchant(session, actor, payee_id)
    policy.require_manages(actor, merchant.id)
    return merchant.id


def request(session: Session, actor: Principal, data: WithdrawalCreate) -> Withdrawal:
    merchant_id = _payee_merchant(session, actor, data.payee_type, data.payee_id)
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    alliance = session.get(Alliance, merchant.alliance_id)
    assert alliance is not None
    refused = domain.check_request(data.amount_fen, alliance.withdrawal_min_fen, alliance.withdrawal_fee_fen)
    if refused:
        raise Invalid(refused, minimum=alliance.withdrawal_min_fen)
    withdrawal = Withdrawal(
        alliance_id=alliance.id, payee_type=data.payee_type, payee_id=data.payee_id, merchant_id=merchant_id,
        amount_fen=data.amount_fen, fee_fen=alliance.withdrawal_fee_fen, status="requested",
        requested_by=actor.label, created_at=clock.now(),
    )
    session.add(withdrawal)
    session.flush()
    legs = [Leg(payee_ref(data.payee_type, data.payee_id, AccountKind.REBATE_AVAILABLE), -data.amount_fen),
            Leg(payee_ref(data.payee_type, data.payee_id, AccountKind.WITHDRAWAL_PENDING), data.amount_fen)]
    ledger.post(session, alliance.id, f"withdrawal:{withdrawal.id}:hold", "withdrawal", legs, cause_id=withdrawal.id)
    return withdrawal


def decide(session: Session, actor: Principal, withdrawal_id: int, data: WithdrawalDecision) -> Withdrawal:
    """Staff withdrawals are decided by their merchant's admin or the operator; merchants' by the operator."""
    withdrawal = repository.get_withdrawal(session, actor, withdrawal_id, lock=True)
    if withdrawal.payee_type == "staff":
        policy.require_manages(actor, withdrawal.merchant_id)
    else:
        policy.require_operator(actor)
    if actor.role is Role.INTEGRATION:
        raise Forbidden()
    current = domain.WithdrawalStatus(withdrawal.status)
    target = domain.next_status(current, data.decision)
    if target is None:
        raise AppError("withdrawal_transition", status_code=409, status=current.value, action=data.decision.value)
    now = clock.now()
    pending = payee_ref(withdrawal.payee_type, withdrawal.payee_id, AccountKind.WITHDRAWAL_PENDING)
    if target is domain.WithdrawalStatus.REJECTED:
        legs = [Leg(pending, -withdrawal.amount_fen),
                Leg(payee_ref(withdrawal.payee_type, withdrawal.payee_id, AccountKind.REBATE_AVAILABLE),
                    withdrawal.amount_fen)]
        ledger.post(session, withdrawal.alliance_id, f"withdrawal:{withdrawal.id}:return", "withdrawal", legs,
                    cause_id=withdrawal.id)
        withdrawal.reason = data.reason
    elif target is domain.WithdrawalStatus.PAID:
        if not data.payout_reference:
            raise Invalid("validation_error", details={"payout_reference": "required"})
        legs = [Leg(pending, -withdrawal.amount_fen), Leg(PAID_OUT, withdrawal.amount_fen - withdrawal.fee_fen)]
        if withdrawal.fee_fen:
            legs.append(Leg(FEES, withdrawal.fee_fen))
        ledger.post(session, withdrawal.alliance_id, f"withdrawal:{withdrawal.id}:paid", "withdrawal", legs,
                    cause_id=withdrawal.id)
        withdrawal.payout_reference = data.payout_reference
        withdrawal.paid_at = now
    withdrawal.status = target.value
    withdrawal.decided_by = actor.label
    withdrawal.decided_at = withdrawal.decided_at or now
    session.flush()
    return withdrawal
