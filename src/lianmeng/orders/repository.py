from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianmeng.db import in_keys, insert_many
from lianmeng.orders.models import Order, Refund, TopUp
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_order(session: Session, p: Principal, order_id: int, *, lock: bool = False) -> Order:
    return get_scoped(session, Order, order_id, policy.orders(p), "order", lock=lock)


def order_by_external_id(session: Session, merchant_id: int, external_id: str) -> Order | None:
    return session.scalars(
        select(Order).where(Order.merchant_id == merchant_id, Order.external_id == external_id)
    ).first()


def orders_by_external_ids(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Order]:
    """Orders already recorded under any of these (merchant id, external id) pairs: one statement."""
    if not keys:
        return {}
    rows = session.scalars(select(Order).where(in_keys(session, (Order.merchant_id, Order.external_id), keys)))
    return {(o.merchant_id, o.external_id): o for o in rows}


def orders_by_ids(session: Session, ids: list[int]) -> dict[int, Order]:
    """Orders the caller has just recorded or replayed (their ids came from the write path, already scoped)."""
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Order).where(in_keys(session, (Order.id,), ((i,) for i in ids))))}


def merchants_of_orders(session: Session, order_ids: set[int]) -> dict[int, int]:
    """Order id → the merchant it was recorded at."""
    if not order_ids:
        return {}
    return {i: m for i, m in session.execute(
        select(Order.id, Order.merchant_id).where(Order.id.in_(sorted(order_ids))))}


def merchants_of_refunds(session: Session, refund_ids: set[int]) -> dict[int, int]:
    """Refund id → the merchant of the refunded order."""
    if not refund_ids:
        return {}
    return {i: m for i, m in session.execute(
        select(Refund.id, Order.merchant_id).join(Order, Order.id == Refund.order_id).where(
            Refund.id.in_(sorted(refund_ids))))}


def insert_orders(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """One statement for a batch of orders. An external id a concurrent request recorded first is skipped (its
    unique index makes us wait for that request, then do nothing): it is missing from the returned ids."""
    rows = [row if "occurred_at" in row else {**row, "occurred_at": row["created_at"]} for row in rows]
    inserted = insert_many(session, Order, rows, returning=("id", "merchant_id", "external_id"),
                           skip_conflicts_on=("merchant_id", "external_id", "alliance_id"))
    return {(merchant_id, external_id): id_ for id_, merchant_id, external_id in inserted}


def refund_by_external_id(session: Session, order: Order, external_id: str) -> Refund | None:
    return session.scalars(select(Refund).where(
        Refund.alliance_id == order.alliance_id, Refund.order_id == order.id, Refund.external_id == external_id)
    ).first()


def top_up_by_external_id(session: Session, merchant_id: int, external_id: str) -> TopUp | None:
    return session.scalars(
        select(TopUp).where(TopUp.merchant_id == merchant_id, TopUp.external_id == external_id)
    ).first()


def refunds_of(session: Session, order: Order) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.alliance_id == order.alliance_id,
                                                     Refund.order_id == order.id).order_by(Refund.id)))


def refunded_totals(session: Session, order: Order) -> tuple[int, int, int, int]:
    """(cash, stored value, points restored, points reversed) refunded so far."""
    row = session.execute(
        select(
            func.coalesce(func.sum(Refund.cash_fen), 0), func.coalesce(func.sum(Refund.stored_value_fen), 0),
            func.coalesce(func.sum(Refund.points_restored), 0), func.coalesce(func.sum(Refund.points_reversed), 0),
        ).where(Refund.alliance_id == order.alliance_id, Refund.order_id == order.id)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def list_orders(
    p: Principal, *, merchant_id: int | None = None, member_id: int | None = None, store_id: int | None = None,
    since: datetime | None = None,
) -> Select[Any]:
    stmt = scoped_select(Order, policy.orders(p))
    if merchant_id is not None:
        stmt = stmt.where(Order.merchant_id == merchant_id)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    if store_id is not None:
        stmt = stmt.where(Order.store_id == store_id)
    if since is not None:
        stmt = stmt.where(Order.created_at >= since)
    return stmt.order_by(Order.id.desc())
