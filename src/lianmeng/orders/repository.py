from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianmeng.orders.models import Order, Refund, TopUp
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_order(session: Session, p: Principal, order_id: int, *, lock: bool = False) -> Order:
    return get_scoped(session, Order, order_id, policy.orders(p), "order", lock=lock)


def order_by_external_id(session: Session, merchant_id: int, external_id: str) -> Order | None:
    return session.scalars(
        select(Order).where(Order.merchant_id == merchant_id, Order.external_id == external_id)
    ).first()


def refund_by_external_id(session: Session, order_id: int, external_id: str) -> Refund | None:
    return session.scalars(
        select(Refund).where(Refund.order_id == order_id, Refund.external_id == external_id)
    ).first()


def top_up_by_external_id(session: Session, merchant_id: int, external_id: str) -> TopUp | None:
    return session.scalars(
        select(TopUp).where(TopUp.merchant_id == merchant_id, TopUp.external_id == external_id)
    ).first()


def refunds_of(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)))


def refunded_totals(session: Session, order_id: int) -> tuple[int, int, int, int]:
    """(cash, stored value, points restored, points reversed) refunded so far."""
    row = session.execute(
        select(
            func.coalesce(func.sum(Refund.cash_fen), 0), func.coalesce(func.sum(Refund.stored_value_fen), 0),
            func.coalesce(func.sum(Refund.points_restored), 0), func.coalesce(func.sum(Refund.points_reversed), 0),
        ).where(Refund.order_id == order_id)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def list_orders(
    p: Principal, *, merchant_id: int | None = None, member_id: int | None = None, store_id: int | None = None,
) -> Select[Any]:
    stmt = scoped_select(Order, policy.orders(p))
    if merchant_id is not None:
        stmt = stmt.where(Order.merchant_id == merchant_id)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    if store_id is not None:
        stmt = stmt.where(Order.store_id == store_id)
    return stmt.order_by(Order.id.desc())
