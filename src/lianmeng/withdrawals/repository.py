from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped
from lianmeng.withdrawals.models import Withdrawal


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
