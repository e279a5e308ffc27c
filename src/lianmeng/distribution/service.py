"""Use cases of member distribution (分销): set an offer's sharing terms, hand a member their share link, reward the
sharer on a friend's first qualifying order, reverse it on refunds, release points after the return window, and
read results. The door commits; these only flush.

How it reuses what exists (docs/distribution.md):
  * the share link is a claim link (`coupon_claim_links`) with `sharer_member_id`: a friend claims through the same
    /c/{token} page, and the coupon records the sharer (`coupons.referrer_member_id`, coupons.service.claim);
  * the reward is computed by the commission rules (distribution.domain → commissions.domain);
  * a rebate is a `rebates` row with payee_type "member": posted payer's commission_payable → the sharer's
    rebate_frozen, released by the rebate release job, reversed by the order refund's commission reversal;
  * points are credited when the return window has passed (the points ledger has no frozen state), by the
    distribution release job; a refund before then reduces or cancels them.

Postings: order:<id>:distribution:<template>  (rebates; reversal and release as for every rebate)
          distribution:<reward>:release         (points: operator float → the sharer, the payer issues them)
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth.domain import Role
from lianmeng.commissions.models import Rebate
from lianmeng.coupons import repository as coupons_repo
from lianmeng.coupons.models import ClaimLink, CouponTemplate
from lianmeng.distribution import domain, repository
from lianmeng.distribution.domain import RewardKind, RewardStatus
from lianmeng.distribution.errors import Problem
from lianmeng.distribution.models import DistributionReward, DistributionTerms
from lianmeng.distribution.schemas import ConversionOut, TermsIn
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden, Invalid, NotFound
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, Party, PostingCause
from lianmeng.members.domain import MemberStatus
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.points import domain as points_domain
from lianmeng.points import repository as points_repo
from lianmeng.points import service as points
from lianmeng.tenancy import Principal, policy

MEMBERS = Party(OwnerType.MEMBER, 0)  # the payer's counterparty: members (分销), aggregated, never one member


# --- terms -----------------------------------------------------------------------------------------------------


def _offer(session: Session, actor: Principal, template_id: int) -> CouponTemplate:
    template = coupons_repo.get_template(session, actor, template_id)
    if template.owner_merchant_id is None:
        raise Invalid(Problem.DISTRIBUTION_OPERATOR_VOUCHER)
    if template.agreement_id is not None or template.audience_merchant_id is not None:
        raise Invalid(Problem.DISTRIBUTION_BENEFIT)
    return template


def set_terms(session: Session, actor: Principal, template_id: int, data: TermsIn) -> DistributionTerms:
    """The offer's owner (its admin) or the operator sets what sharing it earns; the change is audited. Terms apply
    to orders recorded from now on; rewards already earned keep theirs."""
    policy.require_staff_login(actor)
    template = _offer(session, actor, template_id)
    policy.require_manages(actor, template.owner_merchant_id or 0)
    assert template.owner_merchant_id is not None
    terms = repository.terms_of(session, template.id, lock=True)
    before = _snapshot(terms) if terms is not None else {}
    if terms is None:
        terms = DistributionTerms(alliance_id=template.alliance_id, template_id=template.id,
                                  merchant_id=template.owner_merchant_id)
        session.add(terms)
    terms.enabled = data.enabled
    terms.reward_kind = data.reward_kind.value
    terms.amount = data.amount
    terms.rate_bp = data.rate_bp
    terms.min_order_fen = data.min_order_fen
    terms.window_days = data.window_days
    terms.cap_per_month = data.cap_per_month
    terms.return_window_days = data.return_window_days
    session.flush()
    audit.record(session, actor, AuditAction.DISTRIBUTION_TERMS, terms.id, alliance_id=terms.alliance_id,
                 before=before, after=_snapshot(terms), only_changes=True)
    return terms


def _snapshot(terms: DistributionTerms) -> dict[str, object]:
    return {"template_id": terms.template_id, "enabled": terms.enabled, "reward_kind": terms.reward_kind,
            "amount": terms.amount, "rate_bp": terms.rate_bp, "min_order_fen": terms.min_order_fen,
            "window_days": terms.window_days, "cap_per_month": terms.cap_per_month,
            "return_window_days": terms.return_window_days}


def get_terms(session: Session, actor: Principal, template_id: int) -> DistributionTerms:
    template = coupons_repo.get_template(session, actor, template_id)
    terms = repository.terms_of(session, template.id)
    if terms is None:
        raise NotFound("distribution_terms")
    return terms


def as_rules(terms: DistributionTerms) -> domain.Terms:
    return domain.Terms(RewardKind(terms.reward_kind), terms.amount, terms.rate_bp, terms.min_order_fen,
                        terms.window_days, terms.cap_per_month)


# --- the member's share link -------------------------------------------------------------------------------


def share(session: Session, actor: Principal, template_id: int) -> ClaimLink:
    """The member's own link for an offer open for sharing (the same one every time)."""
    if actor.role is not Role.MEMBER or actor.member_id is None:
        raise Forbidden()
    template = coupons_repo.get_template(session, actor, template_id)
    terms = repository.terms_of(session, template.id)
    owner = session.get(Merchant, template.owner_merchant_id) if template.owner_merchant_id else None
    if terms is None or not terms.enabled or template.status != "active" or owner is None or owner.status != "active":
        raise Invalid(Problem.DISTRIBUTION_NOT_SHAREABLE)
    member = session.get(Member, actor.member_id)
    if member is None or member.status != MemberStatus.ACTIVE:
        raise Invalid("invalid_card")
    link = repository.share_link(session, template.id, member.id)
    if link is None:
        link = ClaimLink(alliance_id=template.alliance_id, template_id=template.id, token=secrets.token_urlsafe(18),
                         merchant_id=owner.id, sharer_member_id=member.id, active=True, created_at=clock.now())
        session.add(link)
        session.flush()
    return link


# --- rewarding orders --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewOrder:
    """An order just recorded, as distribution needs it."""

    order_id: int
    alliance_id: int
    merchant_id: int
    member_id: int
    amount_fen: int
    at: datetime


def reward_orders(session: Session, orders: Sequence[NewOrder]) -> int:
    """Reward the sharers of the friends whose first qualifying orders these are (in the orders' transaction). One
    statement finds the candidates for the whole batch; each reward then locks its sharer's row, so the monthly cap
    holds under concurrent orders. Returns the rewards made."""
    by_pair: dict[tuple[int, int], list[NewOrder]] = defaultdict(list)
    for order in orders:
        by_pair[(order.member_id, order.merchant_id)].append(order)
    candidates = repository.shared_coupons(session, set(by_pair))
    if not candidates:
        return 0
    made = 0
    seen: set[tuple[int, int]] = set()  # (friend, template): the newest claim through a share link counts
    chosen = []
    for found in candidates:
        key = (found.coupon.member_id, found.coupon.template_id)
        if key not in seen:
            seen.add(key)
            chosen.append(found)
    for found in sorted(chosen, key=lambda f: (f.coupon.referrer_member_id or 0, f.coupon.id)):
        for order in sorted(by_pair[(found.coupon.member_id, found.terms.merchant_id)], key=lambda o: o.order_id):
            if _reward(session, found, order):
                made += 1
                break
    return made


def _reward(session: Session, found: repository.SharedCoupon, order: NewOrder) -> bool:
    coupon, terms = found.coupon, found.terms
    sharer_id = coupon.referrer_member_id
    assert sharer_id is not None and coupon.claimed_at is not None and coupon.claim_link_id is not None
    sharer = repository.lock_member(session, sharer_id)
    friend = session.get(Member, coupon.member_id)
    if sharer is None or friend is None or sharer.status != MemberStatus.ACTIVE:
        return False
    if domain.is_self_referral(domain.Person(sharer.id, sharer.phone_hash, sharer.merged_into_id),
                               domain.Person(friend.id, friend.phone_hash, friend.merged_into_id)):
        return False
    if repository.already_rewarded(session, friend.id, coupon.template_id):
        return False
    facts = domain.FriendOrder(
        claimed_at=coupon.claimed_at, amount_fen=order.amount_fen, ordered_at=order.at,
        is_first_order=repository.earlier_orders(session, friend.id, order.merchant_id, coupon.claimed_at,
                                                 order.order_id) == 0,
        sharer_month_earned=repository.month_earned(session, sharer.id, terms.id, domain.month_start(order.at)))
    amount = domain.reward_for(as_rules(terms), facts, sharer.id)
    if amount <= 0:
        return False
    releases_at = order.at + timedelta(days=terms.return_window_days)
    reward = DistributionReward(
        alliance_id=order.alliance_id, terms_id=terms.id, template_id=coupon.template_id, link_id=coupon.claim_link_id,
        coupon_id=coupon.id, sharer_member_id=sharer.id, friend_member_id=friend.id, order_id=order.order_id,
        payer_merchant_id=order.merchant_id, reward_kind=terms.reward_kind, amount=amount, reversed=0,
        status=RewardStatus.FROZEN.value, releases_at=releases_at, created_at=order.at)
    if terms.reward_kind == RewardKind.REBATE.value:
        rebate = Rebate(alliance_id=order.alliance_id, order_id=order.order_id, agreement_id=None,
                        member_id=friend.id, payer_merchant_id=order.merchant_id, payee_type=OwnerType.MEMBER.value,
                        payee_id=sharer.id, amount_fen=amount, reversed_fen=0,
                        reason=f"distribution {coupon.template_id}", status="frozen", releases_at=releases_at,
                        released_at=None, created_at=order.at)
        session.add(rebate)
        session.flush()
        reward.rebate_id = rebate.id
        payer = Party(OwnerType.MERCHANT, order.merchant_id)
        ledger.post(session, order.alliance_id, f"order:{order.order_id}:distribution:{coupon.template_id}",
                    PostingCause.COMMISSION, [
                        Leg(AccountRef(OwnerType.MEMBER, sharer.id, AccountKind.REBATE_FROZEN), amount, payer),
                        Leg(AccountRef(OwnerType.MERCHANT, order.merchant_id, AccountKind.COMMISSION_PAYABLE),
                            -amount, MEMBERS),
                    ], cause_id=order.order_id)
    session.add(reward)
    session.flush()
    return True


# --- refunds and release ---------------------------------------------------------------------------------------


def reverse_for_refund(session: Session, order: Order, refunded_total_fen: int) -> None:
    """After the order's commission reversal (which reverses a rebate reward's money like any rebate): record what
    the refund took back. Points not yet credited shrink in proportion; points already credited stay (the return
    window is over: docs/distribution.md)."""
    for reward in repository.rewards_of_order(session, order.alliance_id, order.id):
        if reward.rebate_id is not None:
            rebate = session.get(Rebate, reward.rebate_id)
            assert rebate is not None
            reward.reversed = rebate.reversed_fen
        elif reward.status == RewardStatus.FROZEN.value:
            reward.reversed += domain.reversal(reward.amount, order.amount_fen, refunded_total_fen, reward.reversed)
        if reward.reversed >= reward.amount:
            reward.status = RewardStatus.REVERSED.value
    session.flush()


def release_points(session: Session, at: datetime | None = None, limit: int = 500,
                   alliance_id: int | None = None) -> int:
    """Credit the points rewards whose return window has passed: the payer issues them to the sharer, as if earned
    at its till (a points debt is repaid first). Idempotent: each posts under the reward's own key and flips its
    status in the same transaction; concurrent runs skip each other's rows."""
    now = at or clock.now()
    done = 0
    for reward in repository.matured_points(session, now, limit, alliance_id):
        remaining = reward.amount - reward.reversed
        reward.status = RewardStatus.AVAILABLE.value if remaining > 0 else RewardStatus.REVERSED.value
        reward.released_at = now
        done += 1
        if remaining <= 0:
            continue
        alliance = session.get(Alliance, reward.alliance_id)
        assert alliance is not None
        debt = -ledger.balance(session, reward.alliance_id, points.member_debt(reward.sharer_member_id))
        repaid = min(remaining, max(debt, 0))
        ledger.post(session, reward.alliance_id, f"distribution:{reward.id}:release", PostingCause.ORDER,
                    points.earn_legs(reward.sharer_member_id, reward.payer_merchant_id, remaining, repaid,
                                     alliance.points_per_yuan_value), cause_id=reward.order_id)
        if remaining - repaid:
            points_repo.insert_grants(session, [{
                "alliance_id": reward.alliance_id, "member_id": reward.sharer_member_id,
                "issuer_merchant_id": reward.payer_merchant_id, "order_id": None, "points": remaining - repaid,
                "remaining": remaining - repaid, "granted_at": now,
                "expires_at": points_domain.expiry_for(clock.shanghai(now), alliance.points_expiry_months)}])
    session.flush()
    return done


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    """The job's choice: alliances with points rewards to credit now."""
    return repository.alliances_with_matured_points(session, at or clock.now())


# --- reading ------------------------------------------------------------------------------------------------------


def status_of(reward: DistributionReward, rebate: Rebate | None) -> RewardStatus:
    """A rebate reward's state is its rebate's (frozen → released by the rebate job); a points reward's is its own."""
    if reward.reversed >= reward.amount:
        return RewardStatus.REVERSED
    if rebate is not None:
        return RewardStatus.AVAILABLE if rebate.status == "available" else RewardStatus.FROZEN
    return RewardStatus(reward.status)


@dataclass(frozen=True)
class Shareable:
    template: CouponTemplate
    terms: DistributionTerms
    merchant: str
    link: ClaimLink | None


@dataclass(frozen=True)
class MyShares:
    offers: list[Shareable]
    conversions: list[ConversionOut]
    totals: dict[RewardStatus, dict[RewardKind, int]]


def my_shares(session: Session, actor: Principal) -> MyShares:
    """What a member sees under 我的分享: offers they can share (with their link when they have one), their friends'
    first orders (friends masked, never a phone) and their rewards frozen / available / reversed."""
    if actor.role is not Role.MEMBER or actor.member_id is None:
        raise Forbidden()
    links = repository.links_of_member(session, actor.member_id)
    offers = [Shareable(t, d, name, links.get(t.id)) for t, d, name in repository.shareable(session, actor)]
    conversions = []
    totals: dict[RewardStatus, dict[RewardKind, int]] = {s: dict.fromkeys(RewardKind, 0) for s in RewardStatus}
    for row in repository.rewards(session, actor, sharer_id=actor.member_id):
        reward = row.reward
        status = status_of(reward, row.rebate)
        kind = RewardKind(reward.reward_kind)
        net = reward.amount - reward.reversed
        totals[RewardStatus.REVERSED][kind] += reward.reversed
        if status is not RewardStatus.REVERSED:
            totals[status][kind] += net
        conversions.append(ConversionOut(
            template_id=reward.template_id, offer=row.offer, friend=domain.mask_name(row.friend_name),
            ordered_at=row.ordered_at, reward_kind=kind, amount=reward.amount, reversed=reward.reversed,
            status=status, releases_at=reward.releases_at))
    return MyShares(offers, conversions, totals)


@dataclass(frozen=True)
class Leader:
    rank: int
    sharer: str
    friends: int
    conversions: int
    reward: int


@dataclass(frozen=True)
class Results:
    """One offer's results: totals (None: suppressed under k for a viewer who is not the owner) and, for the owner
    and the operator only, the leaderboard of masked sharers."""

    template: CouponTemplate
    terms: DistributionTerms | None
    sharers: int | None
    claims: int | None
    conversions: int | None
    frozen: int | None
    available: int | None
    reversed: int | None
    leaderboard: list[Leader]


def results(session: Session, actor: Principal, template_id: int, k: int = domain.DEFAULT_K) -> Results:
    policy.require_staff_login(actor)
    template = coupons_repo.get_template(session, actor, template_id)
    terms = repository.terms_of(session, template.id)
    claims = repository.claims_by_sharer(session, template.id)
    earned = repository.rewards_by_sharer(session, template.id)
    frozen = available = reversed_ = 0
    for reward, rebate in repository.all_rewards_of_template(session, template.id):
        status = status_of(reward, rebate)
        reversed_ += reward.reversed
        if status is RewardStatus.FROZEN:
            frozen += reward.amount - reward.reversed
        elif status is RewardStatus.AVAILABLE:
            available += reward.amount - reward.reversed
    sharers = set(claims) | set(earned)
    conversions = sum(c for c, _ in earned.values())
    owner = actor.is_operator or (actor.is_merchant_side and actor.merchant_id == template.owner_merchant_id)
    if not owner:  # another merchant: totals only, and none at all under k sharers
        shown = domain.suppress(len(sharers), k) is not None
        return Results(template, terms, len(sharers) if shown else None, sum(claims.values()) if shown else None,
                       conversions if shown else None, frozen if shown else None, available if shown else None,
                       reversed_ if shown else None, [])
    names = repository.names_of(session, sharers)
    ranked = sorted(sharers, key=lambda s: (-earned.get(s, (0, 0))[1], -earned.get(s, (0, 0))[0],
                                            -claims.get(s, 0), s))
    board = [Leader(i + 1, domain.mask_name(names.get(s)), claims.get(s, 0), earned.get(s, (0, 0))[0],
                    earned.get(s, (0, 0))[1]) for i, s in enumerate(ranked[:50])]
    return Results(template, terms, len(sharers), sum(claims.values()), conversions, frozen, available, reversed_,
                   board)
