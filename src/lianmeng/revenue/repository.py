"""All revenue queries, each scoped by alliance (or by the tenancy policy for what a caller may read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.ledger.models import Account, Entry
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order, Refund
from lianmeng.revenue.domain import CommissionBase
from lianmeng.revenue.models import FeeCharge, FeeSettings, FeeWaiver
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import scoped_select


def settings_of(session: Session, alliance_id: int, *, lock: bool = False) -> FeeSettings | None:
    """The alliance's fee settings; `lock` holds the row until the transaction ends (the fees job takes it so two
    runs of one alliance go one after the other)."""
    stmt = select(FeeSettings).where(FeeSettings.alliance_id == alliance_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def alliances_with_settings(session: Session) -> list[int]:
    return list(session.scalars(select(FeeSettings.alliance_id).order_by(FeeSettings.alliance_id)))


def alliance_exists(session: Session, alliance_id: int) -> bool:
    return session.get(Alliance, alliance_id) is not None


@dataclass(frozen=True)
class MerchantRow:
    id: int
    name: str
    status: str
    joined_at: datetime


def merchants_of(session: Session, alliance_id: int) -> list[MerchantRow]:
    """The alliance's merchants (absorbed ones left out) with the time they joined, oldest first."""
    rows = session.execute(select(Merchant.id, Merchant.name, Merchant.status, Merchant.created_at).where(
        Merchant.alliance_id == alliance_id, Merchant.merged_into_id.is_(None)).order_by(Merchant.created_at,
                                                                                         Merchant.id))
    return [MerchantRow(id_, name, status, joined) for id_, name, status, joined in rows]


def merchant_in_alliance(session: Session, alliance_id: int, merchant_id: int) -> Merchant | None:
    merchant = session.get(Merchant, merchant_id)
    return merchant if merchant is not None and merchant.alliance_id == alliance_id else None


def charged_keys(session: Session, alliance_id: int) -> set[tuple[int, str, str]]:
    """(merchant, kind, period) of every charge recorded so far, charged or waived."""
    rows = session.execute(select(FeeCharge.merchant_id, FeeCharge.kind, FeeCharge.period).where(
        FeeCharge.alliance_id == alliance_id))
    return {(m, k, p) for m, k, p in rows}


def waivers_of(session: Session, alliance_id: int) -> list[FeeWaiver]:
    return list(session.scalars(select(FeeWaiver).where(FeeWaiver.alliance_id == alliance_id)
                                .order_by(FeeWaiver.id)))


def _in_base(base: CommissionBase) -> ColumnElement[bool]:
    """Referred orders are those attributed to another merchant's referral (commissions.domain: is_referred)."""
    if base is CommissionBase.ALL:
        return literal(True)
    return and_(Order.referrer_merchant_id.is_not(None), Order.referrer_merchant_id != Order.merchant_id)


def net_gmv(session: Session, alliance_id: int, base: CommissionBase, starts_at: datetime, ends_at: datetime,
            since: datetime) -> dict[int, int]:
    """Per merchant: orders recorded in [starts_at, ends_at) minus refunds recorded in it, counting only orders
    in the base recorded at or after `since` (when the alliance's fees started)."""
    lower = max(starts_at, since)
    net: dict[int, int] = {}
    sold = session.execute(select(Order.merchant_id, func.sum(Order.amount_fen)).where(
        Order.alliance_id == alliance_id, Order.created_at >= lower, Order.created_at < ends_at, _in_base(base))
        .group_by(Order.merchant_id))
    for merchant_id, fen in sold:
        net[merchant_id] = int(fen or 0)
    refunded = session.execute(select(Order.merchant_id, func.sum(Refund.amount_fen)).join(
        Order, and_(Order.alliance_id == Refund.alliance_id, Order.id == Refund.order_id)).where(
        Refund.alliance_id == alliance_id, Refund.created_at >= starts_at, Refund.created_at < ends_at,
        Order.created_at >= since, _in_base(base)).group_by(Order.merchant_id))
    for merchant_id, fen in refunded:
        net[merchant_id] = net.get(merchant_id, 0) - int(fen or 0)
    return net


def revenue_by_month(session: Session, alliance_id: int, bounds: Sequence[tuple[str, datetime, datetime]]
                     ) -> list[tuple[str, str, int]]:
    """(month, posting cause, fen) of the operator's FEES account: what each cause credited it, month by month,
    in one grouped query (months as a CASE over their bounds, portable to SQLite and PostgreSQL)."""
    if not bounds:
        return []
    month = case(*((and_(Entry.occurred_at >= lo, Entry.occurred_at < hi), label) for label, lo, hi in bounds),
                 else_=None)
    rows = session.execute(
        select(month.label("month"), Entry.cause, func.sum(Entry.amount))
        .join(Account, Account.id == Entry.account_id)
        .where(Entry.alliance_id == alliance_id, Account.alliance_id == alliance_id,
               Account.owner_type == OwnerType.OPERATOR.value, Account.kind == AccountKind.FEES.value,
               Entry.occurred_at >= bounds[0][1], Entry.occurred_at < bounds[-1][2])
        .group_by(month, Entry.cause))
    return [(m, cause, int(fen or 0)) for m, cause, fen in rows if m is not None]


def list_charges(p: Principal, *, merchant_id: int | None = None, month: str | None = None,
                 kind: str | None = None) -> Select[Any]:
    stmt = scoped_select(FeeCharge, policy.fee_charges(p))
    if merchant_id is not None:
        stmt = stmt.where(FeeCharge.merchant_id == merchant_id)
    if month:
        stmt = stmt.where(FeeCharge.month == month)
    if kind:
        stmt = stmt.where(FeeCharge.kind == kind)
    return stmt.order_by(FeeCharge.month.desc(), FeeCharge.merchant_id, FeeCharge.id)


def all_charges(session: Session, p: Principal) -> list[FeeCharge]:
    """Every charge the caller may read (the export)."""
    return list(session.scalars(list_charges(p)))


def list_waivers(p: Principal, *, merchant_id: int | None = None) -> Select[Any]:
    stmt = scoped_select(FeeWaiver, policy.fee_waivers(p))
    if merchant_id is not None:
        stmt = stmt.where(FeeWaiver.merchant_id == merchant_id)
    return stmt.order_by(FeeWaiver.id.desc())


def charge_totals(session: Session, p: Principal) -> list[tuple[int, str, str, int]]:
    """(merchant, kind, status, fen) summed over the charges the caller may read."""
    rows = session.execute(select(FeeCharge.merchant_id, FeeCharge.kind, FeeCharge.status,
                                  func.sum(FeeCharge.amount_fen)).where(policy.fee_charges(p))
                           .group_by(FeeCharge.merchant_id, FeeCharge.kind, FeeCharge.status))
    return [(m, k, s, int(fen or 0)) for m, k, s, fen in rows]
