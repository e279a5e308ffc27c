"""Every query of distribution, scoped by tenant where a caller reads (tenancy.policy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import ClaimLink, Coupon, CouponTemplate
from lianmeng.db import in_keys
from lianmeng.distribution.models import DistributionReward, DistributionTerms
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.tenancy import Principal, policy


def terms_of(session: Session, template_id: int, *, lock: bool = False) -> DistributionTerms | None:
    stmt = select(DistributionTerms).where(DistributionTerms.template_id == template_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def shareable(session: Session, p: Principal) -> list[tuple[CouponTemplate, DistributionTerms, str]]:
    """The alliance's offers open for sharing (enabled terms, active offer of an active merchant), with the
    merchant's name, newest first."""
    rows = session.execute(
        select(CouponTemplate, DistributionTerms, Merchant.name)
        .join(DistributionTerms, DistributionTerms.template_id == CouponTemplate.id)
        .join(Merchant, Merchant.id == DistributionTerms.merchant_id)
        .where(policy.coupon_templates(p), policy.distribution_terms(p), DistributionTerms.enabled.is_(True),
               CouponTemplate.status == "active", Merchant.status == "active")
        .order_by(CouponTemplate.id.desc()))
    return [(t, d, name) for t, d, name in rows]


def terms_listed(session: Session, p: Principal, owner_merchant_id: int | None
                 ) -> list[tuple[CouponTemplate, DistributionTerms | None]]:
    """The offers a console lists for setting terms: the merchant's own (all of them for the operator), with
    their terms when set. Operator vouchers and partner benefits are not shareable and not listed."""
    stmt = (select(CouponTemplate, DistributionTerms)
            .outerjoin(DistributionTerms, DistributionTerms.template_id == CouponTemplate.id)
            .where(policy.coupon_templates(p), CouponTemplate.owner_merchant_id.is_not(None),
                   CouponTemplate.agreement_id.is_(None)))
    if owner_merchant_id is not None:
        stmt = stmt.where(CouponTemplate.owner_merchant_id == owner_merchant_id)
    return [(t, d) for t, d in session.execute(stmt.order_by(CouponTemplate.id.desc()).limit(200))]


def share_link(session: Session, template_id: int, member_id: int) -> ClaimLink | None:
    return session.scalars(select(ClaimLink).where(ClaimLink.template_id == template_id,
                                                   ClaimLink.sharer_member_id == member_id)
                           .order_by(ClaimLink.id).limit(1)).first()


def links_of_member(session: Session, member_id: int) -> dict[int, ClaimLink]:
    """template → the member's share link."""
    rows = session.scalars(select(ClaimLink).where(ClaimLink.sharer_member_id == member_id).order_by(ClaimLink.id))
    out: dict[int, ClaimLink] = {}
    for link in rows:
        out.setdefault(link.template_id, link)
    return out


@dataclass(frozen=True)
class SharedCoupon:
    """A coupon a friend claimed through a member's share link, of an offer whose terms are on."""

    coupon: Coupon
    terms: DistributionTerms


def shared_coupons(session: Session, pairs: set[tuple[int, int]]) -> list[SharedCoupon]:
    """(friend, merchant) → the friend's coupons claimed through share links of that merchant's offers with terms
    on, and not rewarded yet (one statement for a batch of orders)."""
    if not pairs:
        return []
    rewarded = select(DistributionReward.id).where(DistributionReward.friend_member_id == Coupon.member_id,
                                                   DistributionReward.template_id == Coupon.template_id)
    rows = session.execute(
        select(Coupon, DistributionTerms)
        .join(DistributionTerms, DistributionTerms.template_id == Coupon.template_id)
        .where(in_keys(session, (Coupon.member_id, DistributionTerms.merchant_id), pairs),
               Coupon.referrer_member_id.is_not(None), Coupon.claimed_at.is_not(None),
               DistributionTerms.enabled.is_(True), ~rewarded.exists())
        .order_by(Coupon.claimed_at.desc(), Coupon.id.desc()))
    return [SharedCoupon(c, t) for c, t in rows]


def lock_member(session: Session, member_id: int) -> Member | None:
    """The sharer's row, locked: rewards of one sharer are decided one at a time (the monthly cap)."""
    return session.get(Member, member_id, with_for_update=True, populate_existing=True)


def already_rewarded(session: Session, friend_id: int, template_id: int) -> bool:
    return session.scalar(select(DistributionReward.id).where(
        DistributionReward.friend_member_id == friend_id, DistributionReward.template_id == template_id)) is not None


def earlier_orders(session: Session, member_id: int, merchant_id: int, since: datetime, before_order_id: int) -> int:
    """The member's orders at the merchant since `since` recorded before this one."""
    return int(session.scalar(select(func.count(Order.id)).where(
        Order.member_id == member_id, Order.merchant_id == merchant_id, Order.created_at >= since,
        Order.id < before_order_id)) or 0)


def month_earned(session: Session, sharer_id: int, terms_id: int, since: datetime) -> int:
    """What the sharer earned under these terms since `since`, net of reversals."""
    return int(session.scalar(select(func.sum(DistributionReward.amount - DistributionReward.reversed)).where(
        DistributionReward.sharer_member_id == sharer_id, DistributionReward.terms_id == terms_id,
        DistributionReward.created_at >= since)) or 0)


def rewards_of_order(session: Session, alliance_id: int, order_id: int) -> list[DistributionReward]:
    return list(session.scalars(select(DistributionReward).where(DistributionReward.alliance_id == alliance_id,
                                                                 DistributionReward.order_id == order_id)
                                .order_by(DistributionReward.id).with_for_update()))


def matured_points(session: Session, at: datetime, limit: int, alliance_id: int | None) -> list[DistributionReward]:
    """Frozen points rewards whose window has passed, locked (SKIP LOCKED: concurrent runs share the work)."""
    stmt = (select(DistributionReward).where(DistributionReward.reward_kind == "points",
                                             DistributionReward.status == "frozen",
                                             DistributionReward.releases_at <= at)
            .order_by(DistributionReward.id).limit(limit))
    if alliance_id is not None:
        stmt = stmt.where(DistributionReward.alliance_id == alliance_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def alliances_with_matured_points(session: Session, at: datetime) -> list[int]:
    stmt = (select(DistributionReward.alliance_id).where(
        DistributionReward.reward_kind == "points", DistributionReward.status == "frozen",
        DistributionReward.releases_at <= at).distinct().order_by(DistributionReward.alliance_id))
    return [int(a) for a in session.scalars(stmt)]


@dataclass(frozen=True)
class RewardRow:
    """A reward with what the reader needs beside it: the offer's name, the friend's stored name (masked by the
    caller), the order's time and the rebate behind it (its status and reversal are the money's truth)."""

    reward: DistributionReward
    offer: str
    friend_name: str | None
    ordered_at: datetime
    rebate: Rebate | None


def rewards(session: Session, p: Principal, *, sharer_id: int | None = None,
            template_ids: Iterable[int] | None = None, limit: int = 200) -> list[RewardRow]:
    stmt = (select(DistributionReward, CouponTemplate.name, Member.name, Order.created_at, Rebate)
            .join(CouponTemplate, CouponTemplate.id == DistributionReward.template_id)
            .join(Member, Member.id == DistributionReward.friend_member_id)
            .join(Order, Order.id == DistributionReward.order_id)
            .outerjoin(Rebate, Rebate.id == DistributionReward.rebate_id)
            .where(policy.distribution_rewards(p)))
    if sharer_id is not None:
        stmt = stmt.where(DistributionReward.sharer_member_id == sharer_id)
    if template_ids is not None:
        stmt = stmt.where(DistributionReward.template_id.in_(list(template_ids)))
    rows = session.execute(stmt.order_by(DistributionReward.id.desc()).limit(limit))
    return [RewardRow(r, offer, name, at, rebate) for r, offer, name, at, rebate in rows]


@dataclass(frozen=True)
class SharerTotals:
    sharer_id: int
    name: str | None
    friends: int
    conversions: int
    reward: int


def claims_by_sharer(session: Session, template_id: int) -> dict[int, int]:
    """sharer → friends who claimed the offer through their link."""
    rows = session.execute(select(Coupon.referrer_member_id, func.count(Coupon.id)).where(
        Coupon.template_id == template_id, Coupon.referrer_member_id.is_not(None))
        .group_by(Coupon.referrer_member_id))
    return {int(sharer): int(count) for sharer, count in rows if sharer is not None}


def rewards_by_sharer(session: Session, template_id: int) -> dict[int, tuple[int, int]]:
    """sharer → (conversions, net reward)."""
    rows = session.execute(select(DistributionReward.sharer_member_id, func.count(DistributionReward.id),
                                  func.sum(DistributionReward.amount - DistributionReward.reversed))
                           .where(DistributionReward.template_id == template_id)
                           .group_by(DistributionReward.sharer_member_id))
    return {int(s): (int(c), int(total or 0)) for s, c, total in rows}


def names_of(session: Session, member_ids: set[int]) -> dict[int, str | None]:
    if not member_ids:
        return {}
    return {int(i): n for i, n in session.execute(select(Member.id, Member.name).where(Member.id.in_(member_ids)))}


def all_rewards_of_template(session: Session, template_id: int) -> list[tuple[DistributionReward, Rebate | None]]:
    rows = session.execute(select(DistributionReward, Rebate)
                           .outerjoin(Rebate, Rebate.id == DistributionReward.rebate_id)
                           .where(DistributionReward.template_id == template_id))
    return [(r, rebate) for r, rebate in rows]
