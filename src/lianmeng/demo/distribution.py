"""The demo's member distribution (分销): the gym Lift opens a trial-class offer for sharing (¥30 back to the sharer
on a friend's first order of ¥200 or more, at most ¥300 a month, frozen 7 days). Three of the service centre's
members share it, six of the gym's members claim it through their links and four of them buy, so the gym's console
has results and a leaderboard and the sharers' 我的分享 pages have frozen rewards. Everything goes through the
services, as on the pages.

Adds and flushes only."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.coupons import service as coupons
from lianmeng.coupons.domain import CouponKind
from lianmeng.coupons.schemas import ClaimIn, TemplateCreate
from lianmeng.demo.campaigns import _user
from lianmeng.demo.data import CENTRE_KEY
from lianmeng.distribution import service as distribution
from lianmeng.distribution.domain import RewardKind
from lianmeng.distribution.schemas import TermsIn
from lianmeng.members.domain import MemberStatus
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.orders import service as orders
from lianmeng.orders.schemas import OrderCreate
from lianmeng.tenancy import Principal

GYM = "lift"
SHARERS, FRIENDS, BUYERS = 3, 6, 4


def add_distribution(session: Session, alliance_id: int, merchants: dict[str, Merchant], users: dict[str, User],
                     rng: random.Random) -> dict[str, int]:
    """{} when the demo lacks the gym, the centre or their logins, or has too few members."""
    if GYM not in merchants or CENTRE_KEY not in merchants or f"{GYM}-admin" not in users \
            or f"{GYM}-sa" not in users:
        return {}
    sharers = _members(session, alliance_id, merchants[CENTRE_KEY].id, SHARERS, rng)
    friends = _members(session, alliance_id, merchants[GYM].id, FRIENDS, rng)
    if len(sharers) < SHARERS or len(friends) < FRIENDS:
        return {}
    admin = _user(users[f"{GYM}-admin"], alliance_id, Role.MERCHANT_ADMIN, session)
    till = _user(users[f"{GYM}-sa"], alliance_id, Role.STORE_STAFF, session)
    offer = coupons.create_template(session, admin, TemplateCreate(
        name="私教体验课 · 好友专享", description="朋友分享的链接领取,首次私教课立减 ¥50",
        kind=CouponKind.AMOUNT_OFF, amount_fen=5_000, valid_days=30))
    distribution.set_terms(session, admin, offer.id, TermsIn(
        reward_kind=RewardKind.REBATE, amount=3_000, min_order_fen=20_000, window_days=30, cap_per_month=30_000,
        return_window_days=7))
    links = [distribution.share(session, _member(m), offer.id) for m in sharers]
    for i, friend in enumerate(friends):
        claimant = coupons.Claimant(friend, None)
        coupons.claim(session, links[i % len(links)].token, claimant, ClaimIn())
    for i, friend in enumerate(friends[:BUYERS]):
        orders.record_order(session, till, OrderCreate(external_id=f"DEMO-SHARE-{i + 1}", member_id=friend.id,
                                                       amount_fen=rng.choice((26_800, 39_800, 59_800))))
    return {"distribution_offers": 1, "conversions": BUYERS, "distribution_shares": len(links),
            "distribution_claims": len(friends)}


def _members(session: Session, alliance_id: int, origin_id: int, count: int, rng: random.Random) -> list[Member]:
    found = list(session.scalars(select(Member).where(
        Member.alliance_id == alliance_id, Member.origin_merchant_id == origin_id,
        Member.status == MemberStatus.ACTIVE.value).order_by(Member.id).limit(200)))
    return rng.sample(found, min(count, len(found)))


def _member(member: Member) -> Principal:
    return Principal(kind="member", id=member.id, role=Role.MEMBER, alliance_id=member.alliance_id,
                     member_id=member.id, label=f"member:{member.id}")
