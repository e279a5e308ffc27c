from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped
from lianmeng.withdrawals.models import PayoutAccount, Withdrawal


def get_withdrawal(session: Session, p: Principal, withdrawal_id: int, *, lock: bool = False) -> Withdrawal:
    return get_scoped(session, Withdrawal, withdrawal_id, policy.withdrawals(p), "withdrawal", lock=lock)


def list_withdrawals(p: Principal, *, status: str | None = None, payee_type: str | None = None,
                     payee_id: int | None = None) -> Select[Any]:
    stmt = select(Withdrawal).where(policy.withdrawals(p))
    if status:
        stmt = stmt.where(Withdrawal.status == status)
    if payee_type:
        stmt = stmt.where(Withdrawal.payee_type == payee_type)
    if payee_id is not None:
        stmt = stmt.where(Withdrawal.payee_id == payee_id)
    return stmt.order_by(Withdrawal.id.desc())


def get_payout_account(session: Session, p: Principal, account_id: int, *, lock: bool = False) -> PayoutAccount:
    return get_scoped(session, PayoutAccount, account_id, policy.payout_accounts(p), "payout_account", lock=lock)


def list_payout_accounts(p: Principal, *, owner_type: str | None = None, owner_id: int | None = None,
                         include_removed: bool = False) -> Select[Any]:
    stmt = select(PayoutAccount).where(policy.payout_accounts(p))
    if owner_type:
        stmt = stmt.where(PayoutAccount.owner_type == owner_type)
    if owner_id is not None:
        stmt = stmt.where(PayoutAccount.owner_id == owner_id)
    if not include_removed:
        stmt = stmt.where(PayoutAccount.removed_at.is_(None))
    return stmt.order_by(PayoutAccount.id.desc())


def payout_accounts_of(session: Session, owner_type: str, owner_id: int) -> list[PayoutAccount]:
    """A payee's usable accounts, newest first (not scoped: the service has checked who asks)."""
    return list(session.scalars(select(PayoutAccount).where(
        PayoutAccount.owner_type == owner_type, PayoutAccount.owner_id == owner_id,
        PayoutAccount.removed_at.is_(None)).order_by(PayoutAccount.id.desc())))


def payout_accounts_by_id(session: Session, ids: set[int]) -> dict[int, PayoutAccount]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(PayoutAccount).where(PayoutAccount.id.in_(sorted(ids))))}


def payout_accounts_in_scope(session: Session, p: Principal, **filters: Any) -> list[PayoutAccount]:
    """The payout accounts `p` may see (`list_payout_accounts` run)."""
    return list(session.scalars(list_payout_accounts(p, **filters)))
