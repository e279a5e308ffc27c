"""Segment report queries: the facts of a segment's consenting members at the sharing merchant (one query per
kind of fact, each filtered by the audience's select), and the shares."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.models import User
from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.segments.domain import MemberFacts
from lianmeng.segments.models import SegmentShare


def _top_items(session: Session, merchant_id: int, ids: Select[Any], since: datetime) -> dict[int, str]:
    """Each member's most bought item (by quantity; ties: the first name) at the merchant since `since`."""
    bought: dict[int, Counter[str]] = {}
    rows = session.execute(select(Order.member_id, Order.items).where(
        Order.merchant_id == merchant_id, Order.occurred_at >= since, Order.member_id.in_(ids)))
    for member_id, items in rows:
        for item in items or []:
            name = str(item.get("name", "")).strip()
            if name:
                bought.setdefault(member_id, Counter())[name] += int(item.get("quantity", 1) or 1)
    return {m: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for m, c in bought.items()}


def facts(session: Session, merchant_id: int, ids: Select[Any], since: datetime) -> list[MemberFacts]:
    """The facts of every member whose id `ids` selects (the caller has already kept consenting members only)."""
    people = session.execute(select(Member.id, Member.birth_year, Member.gender).where(Member.id.in_(ids))).all()
    tiers = dict(session.execute(select(Membership.member_id, Membership.tier).where(
        Membership.merchant_id == merchant_id, Membership.member_id.in_(ids))).all())
    in_window = Order.occurred_at >= since
    orders = {row[0]: row[1:] for row in session.execute(
        select(Order.member_id, func.sum(case((in_window, 1), else_=0)),
               func.sum(case((in_window, Order.amount_fen - Order.refunded_fen), else_=0)),
               func.max(Order.occurred_at))
        .where(Order.merchant_id == merchant_id, Order.member_id.in_(ids)).group_by(Order.member_id))}
    redeemed = exists().where(Redemption.coupon_id == Coupon.id)
    coupons: dict[int, tuple[bool, bool]] = {}
    for member_id, claimed, used in session.execute(
            select(Coupon.member_id, func.max(case((Coupon.claimed_at.isnot(None), 1), else_=0)),
                   func.max(case((redeemed, 1), else_=0)))
            .where(Coupon.referrer_merchant_id == merchant_id, Coupon.member_id.in_(ids))
            .group_by(Coupon.member_id)):
        coupons[member_id] = (bool(claimed), bool(used))
    items = _top_items(session, merchant_id, ids, since)
    out = []
    for member_id, birth_year, gender in people:
        count, spend, last = orders.get(member_id, (0, 0, None))
        claimed, used = coupons.get(member_id, (False, False))
        out.append(MemberFacts(birth_year=birth_year, gender=gender or "", spend_fen=int(spend or 0),
                               orders=int(count or 0), last_order_at=last, top_item=items.get(member_id),
                               tier=tiers.get(member_id), coupons_handed=member_id in coupons,
                               coupon_claimed=claimed, coupon_redeemed=used))
    return out


def list_shares(session: Session, scope: ColumnElement[bool], *conditions: ColumnElement[bool]
                ) -> list[SegmentShare]:
    return list(session.scalars(select(SegmentShare).where(scope, *conditions)
                                .order_by(SegmentShare.shared_at.desc(), SegmentShare.id.desc())))


def merchant_names(session: Session, alliance_id: int | None, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(Merchant.id, Merchant.name).where(
        Merchant.alliance_id == alliance_id, Merchant.id.in_(sorted(ids))))}


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(User.id, User.username).where(User.id.in_(sorted(ids))))}


def partner_merchants(session: Session, alliance_id: int, merchant_id: int) -> list[Merchant]:
    return list(session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id,
                                                       Merchant.id != merchant_id).order_by(Merchant.name)))
