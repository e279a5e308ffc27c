"""Withdrawals move available rebates out: the request holds the money (guarded debit, so never more than is
available and never twice), a rejection gives it back, payment sends it out net of the alliance's fee.

  withdrawal:<id>:hold     rebate_available → withdrawal_pending
  withdrawal:<id>:return   withdrawal_pending → rebate_available   (rejected)
  withdrawal:<id>:paid     withdrawal_pending → paid_out (+ operator fees)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth.domain import Role
from lianmeng.commissions.service import FEES, payee_ref
from lianmeng.kit import clock, crypto
from lianmeng.kit.errors import AppError, Forbidden, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, PostingCause
from lianmeng.merchants import repository as merchants_repo
from lianmeng.notifications import service as notifications
from lianmeng.notifications.domain import StaffKind
from lianmeng.tenancy import Principal, policy
from lianmeng.withdrawals import domain, repository
from lianmeng.withdrawals.errors import Problem
from lianmeng.withdrawals.models import PayoutAccount, Withdrawal
from lianmeng.withdrawals.schemas import PayoutAccountCreate, WithdrawalCreate, WithdrawalDecision

PAID_OUT = AccountRef(OwnerType.OPERATOR, 0, AccountKind.PAID_OUT)
PAYOUT_PURPOSE = "pii"  # payout account numbers are personal data, sealed like phones


def _payee_merchant(session: Session, actor: Principal, payee_type: str, payee_id: int) -> int:
    """Only the payee asks, for itself: store staff for themselves, a merchant's admin for the merchant. Someone
    the caller cannot see is not found; one it can see but is not is forbidden."""
    if payee_type == "staff":
        staff = merchants_repo.get_staff(session, actor, payee_id)
        if actor.role is not Role.STORE_STAFF or actor.staff_id != staff.id:
            raise Forbidden(Problem.WITHDRAWAL_NOT_PAYEE)
        return staff.merchant_id
    merchant = merchants_repo.get_merchant(session, actor, payee_id)
    if actor.role is not Role.MERCHANT_ADMIN or actor.merchant_id != merchant.id:
        raise Forbidden(Problem.WITHDRAWAL_NOT_PAYEE)
    return merchant.id


def _owner(session: Session, actor: Principal) -> tuple[str, int, int]:
    """Whose payout account the caller adds: store staff their own, a merchant admin the merchant's."""
    if actor.role is Role.STORE_STAFF and actor.staff_id is not None:
        staff = merchants_repo.get_staff(session, actor, actor.staff_id)
        return "staff", staff.id, staff.merchant_id
    if actor.role is Role.MERCHANT_ADMIN and actor.merchant_id is not None:
        return "merchant", actor.merchant_id, actor.merchant_id
    raise Forbidden(Problem.WITHDRAWAL_NOT_PAYEE)


def add_payout_account(session: Session, actor: Principal, data: PayoutAccountCreate) -> PayoutAccount:
    """The caller's own payout account: the number checked for its method, stored encrypted with a masked copy."""
    owner_type, owner_id, merchant_id = _owner(session, actor)
    method = domain.PayoutMethod(data.method)
    account = domain.normalise_account(method, data.account)
    if account is None:
        raise Invalid(Problem.PAYOUT_ACCOUNT_INVALID)
    if method is domain.PayoutMethod.BANK_CARD and not data.bank_name.strip():
        raise Invalid(Problem.PAYOUT_BANK_REQUIRED)
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    row = PayoutAccount(
        alliance_id=merchant.alliance_id, owner_type=owner_type, owner_id=owner_id, merchant_id=merchant_id,
        method=method.value, holder_name=data.holder_name.strip(),
        bank_name=data.bank_name.strip() if method is domain.PayoutMethod.BANK_CARD else "",
        account_enc=crypto.encrypt(account, PAYOUT_PURPOSE), account_masked=domain.mask_account(method, account),
        created_by=actor.label, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def remove_payout_account(session: Session, actor: Principal, account_id: int) -> PayoutAccount:
    """Only its owner removes it; withdrawals already paid to it keep naming it."""
    row = repository.get_payout_account(session, actor, account_id, lock=True)
    owner_type, owner_id, _ = _owner(session, actor)
    if (row.owner_type, row.owner_id) != (owner_type, owner_id):
        raise Forbidden(Problem.WITHDRAWAL_NOT_PAYEE)
    if row.removed_at is None:
        row.removed_at = clock.now()
        session.flush()
    return row


def _payout_account(session: Session, payee_type: str, payee_id: int, chosen: int | None) -> PayoutAccount:
    accounts = repository.payout_accounts_of(session, payee_type, payee_id)
    if not accounts:
        raise Invalid(Problem.PAYOUT_ACCOUNT_REQUIRED)
    if chosen is None:
        return accounts[0]
    found = next((a for a in accounts if a.id == chosen), None)
    if found is None:
        raise Invalid(Problem.PAYOUT_ACCOUNT_UNKNOWN, payout_account_id=chosen)
    return found


def request(session: Session, actor: Principal, data: WithdrawalCreate) -> Withdrawal:
    merchant_id = _payee_merchant(session, actor, data.payee_type, data.payee_id)
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    alliance = session.get(Alliance, merchant.alliance_id)
    assert alliance is not None
    refused = domain.check_request(data.amount_fen, alliance.withdrawal_min_fen, alliance.withdrawal_fee_fen)
    if refused:
        raise Invalid(refused, minimum=alliance.withdrawal_min_fen)
    account = _payout_account(session, data.payee_type, data.payee_id, data.payout_account_id)
    withdrawal = Withdrawal(
        alliance_id=alliance.id, payee_type=data.payee_type, payee_id=data.payee_id, merchant_id=merchant_id,
        payout_account_id=account.id, amount_fen=data.amount_fen, fee_fen=alliance.withdrawal_fee_fen,
        status="requested", requested_by=actor.label, created_at=clock.now(),
    )
    session.add(withdrawal)
    session.flush()
    legs = [Leg(payee_ref(data.payee_type, data.payee_id, AccountKind.REBATE_AVAILABLE), -data.amount_fen),
            Leg(payee_ref(data.payee_type, data.payee_id, AccountKind.WITHDRAWAL_PENDING), data.amount_fen)]
    ledger.post(session, alliance.id, f"withdrawal:{withdrawal.id}:hold", PostingCause.WITHDRAWAL, legs,
                cause_id=withdrawal.id)
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
        raise AppError(Problem.WITHDRAWAL_TRANSITION, status_code=409, status=current.value, action=data.decision.value)
    now = clock.now()
    pending = payee_ref(withdrawal.payee_type, withdrawal.payee_id, AccountKind.WITHDRAWAL_PENDING)
    if target is domain.WithdrawalStatus.REJECTED:
        legs = [Leg(pending, -withdrawal.amount_fen),
                Leg(payee_ref(withdrawal.payee_type, withdrawal.payee_id, AccountKind.REBATE_AVAILABLE),
                    withdrawal.amount_fen)]
        ledger.post(session, withdrawal.alliance_id, f"withdrawal:{withdrawal.id}:return", PostingCause.WITHDRAWAL,
                    legs,
                    cause_id=withdrawal.id)
        withdrawal.reason = data.reason
    elif target is domain.WithdrawalStatus.PAID:
        if not data.payout_reference:
            raise Invalid("validation_error", details={"payout_reference": "required"})
        legs = [Leg(pending, -withdrawal.amount_fen), Leg(PAID_OUT, withdrawal.amount_fen - withdrawal.fee_fen)]
        if withdrawal.fee_fen:
            legs.append(Leg(FEES, withdrawal.fee_fen))
        ledger.post(session, withdrawal.alliance_id, f"withdrawal:{withdrawal.id}:paid", PostingCause.WITHDRAWAL, legs,
                    cause_id=withdrawal.id)
        withdrawal.payout_reference = data.payout_reference
        withdrawal.paid_at = now
    withdrawal.status = target.value
    withdrawal.decided_by = actor.label
    withdrawal.decided_at = withdrawal.decided_at or now
    session.flush()
    audit.record(session, actor, AuditAction(f"withdrawal.{data.decision.value}"), withdrawal.id,
                 alliance_id=withdrawal.alliance_id, before={"status": current.value},
                 after={"status": target.value, "amount_fen": withdrawal.amount_fen, "fee_fen": withdrawal.fee_fen,
                        "payee": f"{withdrawal.payee_type}:{withdrawal.payee_id}",
                        "reason": withdrawal.reason or None, "payout_reference": withdrawal.payout_reference})
    notifications.notify_staff(  # the payee hears of the decision in this transaction
        session, StaffKind.WITHDRAWAL_DECIDED, alliance_id=withdrawal.alliance_id, merchant_id=withdrawal.merchant_id,
        staff_id=withdrawal.payee_id if withdrawal.payee_type == "staff" else None,
        params={"variant": target.value, "amount_fen": withdrawal.amount_fen, "reason": withdrawal.reason},
        link="/console/withdrawals")
    return withdrawal
