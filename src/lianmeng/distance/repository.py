"""Distance decay queries: the alliance's arrivals grouped by the pair of stores they went between.

One grouped statement: per (referring merchant, referring store, receiving merchant, receiving store), the
referral coupons used for the first time (use 1) at a merchant other than the referrer before `before`, and how
many of them have an order attached to a use at that receiving merchant (distance/domain.py says why these are
the arrivals and conversions). `visible` narrows it to what a merchant took part in (tenancy.policy.redemptions
of the first use); the alliance-wide aggregate is read without it and shared under the k rule (domain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.merchants.models import Merchant, Store


@dataclass(frozen=True)
class StorePair:
    referrer_merchant_id: int
    referrer_store_id: int | None
    receiver_merchant_id: int
    receiver_store_id: int | None
    arrivals: int
    conversions: int


def store_pairs(session: Session, alliance_id: int, before: datetime,
                visible: ColumnElement[bool] | None = None) -> list[StorePair]:
    use = aliased(Redemption, name="use")
    converted = exists().where(use.coupon_id == Coupon.id, use.merchant_id == Redemption.merchant_id,
                               use.order_id.is_not(None))
    keys = (Coupon.referrer_merchant_id, Coupon.referrer_store_id, Redemption.merchant_id, Redemption.store_id)
    stmt = (select(*keys, func.count(), func.sum(case((converted, 1), else_=0)))
            .join(Redemption, and_(Redemption.coupon_id == Coupon.id, Redemption.use_no == 1))
            .where(Coupon.alliance_id == alliance_id, Coupon.referrer_merchant_id.is_not(None),
                   Coupon.referrer_merchant_id != Redemption.merchant_id, Redemption.at < before,
                   true() if visible is None else visible)
            .group_by(*keys))
    return [StorePair(int(referrer), referrer_store, int(receiver), receiver_store, int(n), int(c or 0))
            for referrer, referrer_store, receiver, receiver_store, n, c in session.execute(stmt)]


@dataclass(frozen=True)
class StoreSpot:
    merchant_id: int
    latitude: float
    longitude: float


def store_spots(session: Session, alliance_id: int) -> dict[int, StoreSpot]:
    """Every store of the alliance's merchants, by id (closed ones too: past referrals went there)."""
    stmt = (select(Store.id, Store.merchant_id, Store.latitude, Store.longitude)
            .join(Merchant, Merchant.id == Store.merchant_id).where(Merchant.alliance_id == alliance_id))
    return {int(i): StoreSpot(int(m), float(lat), float(lng)) for i, m, lat, lng in session.execute(stmt)}
