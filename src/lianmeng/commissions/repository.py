from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from lianmeng.commissions.models import Rebate
from lianmeng.db import in_keys, insert_many
from lianmeng.kit.pagination import PageParams
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.tenancy import Principal, policy


def rebates_of_order(session: Session, order: Order) -> list[Rebate]:
    stmt = (select(Rebate).where(Rebate.alliance_id == order.alliance_id, Rebate.order_id == order.id)
            .order_by(Rebate.id).with_for_update())
    return list(session.scalars(stmt))


def rebates_paid_by(session: Session, order: Order) -> list[Rebate]:
    """The rebates the order's merchant pays on it (read only: the counter shows them)."""
    stmt = select(Rebate).where(Rebate.alliance_id == order.alliance_id, Rebate.order_id == order.id,
                                Rebate.payer_merchant_id == order.merchant_id)
    return list(session.scalars(stmt.order_by(Rebate.id)))


def month_paid_many(session: Session, member_ids: set[int], agreement_ids: set[int],
                    since: datetime) -> dict[tuple[int, int], int]:
    """(member, agreement) → referrer commission (merchant + staff, net of reversals) owed since `since`."""
    if not member_ids or not agreement_ids:
        return {}
    rows = session.execute(
        select(Rebate.member_id, Rebate.agreement_id, func.sum(Rebate.amount_fen - Rebate.reversed_fen)).where(
            in_keys(session, (Rebate.member_id,), ((m,) for m in member_ids)),
            in_keys(session, (Rebate.agreement_id,), ((a,) for a in agreement_ids)),
            Rebate.payee_type != "operator", Rebate.created_at >= since,
        ).group_by(Rebate.member_id, Rebate.agreement_id)
    )
    return {(member_id, agreement_id): int(total or 0) for member_id, agreement_id, total in rows
            if agreement_id is not None}


def orders_at_many(session: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(member, merchant) → orders the member has recorded at the merchant so far."""
    if not pairs:
        return {}
    rows = session.execute(
        select(Order.member_id, Order.merchant_id, func.count(Order.id))
        .where(in_keys(session, (Order.member_id, Order.merchant_id), pairs))
        .group_by(Order.member_id, Order.merchant_id)
    )
    return {(member_id, merchant_id): int(count) for member_id, merchant_id, count in rows}


def insert_rebates(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, Rebate, rows)


def matured(session: Session, at: datetime, limit: int, alliance_id: int | None = None) -> list[Rebate]:
    """Frozen rebates whose window has passed (of one alliance, or of all), locked; SKIP LOCKED lets concurrent job
    runs share the work."""
    stmt = (
        select(Rebate).where(Rebate.status == "frozen", Rebate.releases_at <= at).order_by(Rebate.id).limit(limit)
    )
    if alliance_id is not None:
        stmt = stmt.where(Rebate.alliance_id == alliance_id)
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


@dataclass(frozen=True)
class RebateLine:
    """One rebate as its payee reads it: the order (id, receipt number, time), the partner merchant that pays it,
    the amount (less what refunds reversed), when it unfreezes, and its status. Never the member."""

    rebate: Rebate
    receipt: str
    ordered_at: datetime
    partner: str

    @property
    def net_fen(self) -> int:
        return self.rebate.amount_fen - self.rebate.reversed_fen


def rebate_lines(session: Session, p: Principal, payees: Sequence[tuple[str, int]] | None, params: PageParams
                 ) -> tuple[list[RebateLine], int]:
    """The rebates owed to these payees ((type, id); None: every one the caller may see), newest first, a page
    at a time, with their orders and paying merchants."""
    stmt = select(Rebate, Order.external_id, Order.created_at, Merchant.name).join(
        Order, and_(Order.alliance_id == Rebate.alliance_id, Order.id == Rebate.order_id)).join(
        Merchant, and_(Merchant.alliance_id == Rebate.alliance_id, Merchant.id == Rebate.payer_merchant_id)).where(
        policy.rebates(p))
    if payees is not None:
        if not payees:
            return [], 0
        stmt = stmt.where(in_keys(session, (Rebate.payee_type, Rebate.payee_id), list(payees)))
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    rows = session.execute(stmt.order_by(Rebate.created_at.desc(), Rebate.id.desc())
                           .limit(params.page_size).offset(params.offset)).all()
    return [RebateLine(rebate, receipt, at, partner) for rebate, receipt, at, partner in rows], total


def alliances_with_matured(session: Session, at: datetime) -> list[int]:
    """The alliances with frozen rebates whose window has passed: where the release job has work."""
    stmt = (select(Rebate.alliance_id).where(Rebate.status == "frozen", Rebate.releases_at <= at).distinct()
            .order_by(Rebate.alliance_id))
    return [int(a) for a in session.scalars(stmt)]
