from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from lianmeng.commissions.models import Rebate
from lianmeng.orders.models import Order
from lianmeng.tenancy import Principal, policy


def rebates_of_order(session: Session, order_id: int) -> list[Rebate]:
    stmt = select(Rebate).where(Rebate.order_id == order_id).order_by(Rebate.id).with_for_update()
    return list(session.scalars(stmt))


def month_paid(session: Session, member_id: int, agreement_id: int, since: datetime) -> int:
    """Commission (merchant + staff, net of reversals) already owed for this member under this agreement
    since the start of the month."""
    total = session.scalar(
        select(func.coalesce(func.sum(Rebate.amount_fen - Rebate.reversed_fen), 0)).where(
            Rebate.member_id == member_id, Rebate.agreement_id == agreement_id, Rebate.payee_type != "operator",
            Rebate.created_at >= since,
        )
    )
    return int(total or 0)


def orders_at(session: Session, member_id: int, merchant_id: int) -> int:
    """Orders the member has recorded at the merchant so far."""
    return int(session.scalar(select(func.count(Order.id)).where(
        Order.member_id == member_id, Order.merchant_id == merchant_id)) or 0)


def insert_rebates(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Rebate), rows)


def matured(session: Session, at: datetime, limit: int) -> list[Rebate]:
    """Frozen rebates whose window has passed, locked; SKIP LOCKED lets concurrent job runs share the work."""
    stmt = (
        select(Rebate).where(Rebate.status == "frozen", Rebate.releases_at <= at).order_by(Rebate.id).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def list_rebates(p: Principal, *, payee_type: str | None = None, payee_id: int | None = None,
                 status: str | None = None) -> Select[Any]:
    stmt = select(Rebate).where(policy.rebates(p))
    if payee_type:
        stmt = stmt.where(Rebate.payee_type == payee_type)
    if payee_id is not None:
        stmt = stmt.where(Rebate.payee_id == payee_id)
    if status:
        stmt = stmt.where(Rebate.status == status)
    return stmt.order_by(Rebate.id.desc())
