"""Sharing a package (分销 of a group buy, issue 18 item 2): the offer's distribution terms, a member's share token,
and the sharer's reward when the friend's seat is issued. No second engine: the amount and the monthly cap are
distribution's rules (`distribution.domain.reward_for` → the commission rules), the self-referral check is
distribution's, and points are credited after the return window by distribution's job (JobKind.DISTRIBUTION_POINTS
calls `release_points` here too). Single level: only the member whose token the friend came with is paid.

The share token is the sharer's member id and the offer sealed with AES-GCM (kit.crypto, purpose
"group-buy-share"): it names nobody to the friend, cannot be forged or moved to another offer, and needs no table.

Postings: group-buy-seat:<id>:share-release  (the seller issues the points to the sharer, as at its till)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth.domain import Role
from lianmeng.distribution import domain as rules
from lianmeng.distribution import repository as distribution_repo
from lianmeng.distribution.domain import RewardKind, RewardStatus
from lianmeng.distribution.errors import Problem as DistributionProblem
from lianmeng.groupbuys import repository
from lianmeng.groupbuys.domain import GroupBuyStatus
from lianmeng.groupbuys.models import GroupBuyOffer, GroupBuySeat
from lianmeng.groupbuys.schemas import ShareLinkOut, ShareTermsIn
from lianmeng.kit import clock, crypto
from lianmeng.kit.errors import Forbidden, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import PostingCause
from lianmeng.members.domain import MemberStatus
from lianmeng.members.models import Member
from lianmeng.points import domain as points_domain
from lianmeng.points import repository as points_repo
from lianmeng.points import service as points
from lianmeng.tenancy import Principal

PURPOSE = "group-buy-share"


def set_terms(session: Session, actor: Principal, offer: GroupBuyOffer, data: ShareTermsIn) -> None:
    """Whoever manages the offer (the caller checked) sets what sharing it earns; audited. Seats issued from now on
    are rewarded under the new terms; rewards made keep theirs."""
    before = {"share_points": offer.share_points, "share_cap_per_month": offer.share_cap_per_month,
              "share_return_window_days": offer.share_return_window_days}
    offer.share_points = data.points if data.enabled else None
    offer.share_cap_per_month = data.cap_per_month
    offer.share_return_window_days = data.return_window_days
    session.flush()
    audit.record(session, actor, AuditAction.GROUP_BUY_UPDATE, offer.id, alliance_id=offer.alliance_id,
                 before=before, after={k: getattr(offer, k) for k in before}, only_changes=True)


def share_link(session: Session, actor: Principal, offer_id: int) -> ShareLinkOut:
    """A member's own token for an offer open for sharing: friends start or join groups with it."""
    if actor.role is not Role.MEMBER or actor.member_id is None:
        raise Forbidden()
    offer = repository.get_offer(session, actor, offer_id)
    if offer.share_points is None or offer.status != GroupBuyStatus.ACTIVE.value:
        raise Invalid(DistributionProblem.DISTRIBUTION_NOT_SHAREABLE)
    token = crypto.encrypt(f"{offer.id}:{actor.member_id}", PURPOSE)
    return ShareLinkOut(offer_id=offer.id, token=token, path=f"/m/group-buys/{offer.id}?s={token}")


def sharer_of(session: Session, offer: GroupBuyOffer, token: str | None) -> int | None:
    """The sharer a token names for this offer, or None (no token, a forged or another offer's token, a sharer
    not an active member of the alliance): a bad token never stops a purchase, it just earns nobody anything."""
    if not token or offer.share_points is None:
        return None
    try:
        offer_id, member_id = (int(part) for part in crypto.decrypt(token, PURPOSE).split(":"))
    except (ValueError, crypto.UnreadableCiphertext):
        return None
    sharer = session.get(Member, member_id)
    if offer_id != offer.id or sharer is None or sharer.alliance_id != offer.alliance_id:
        return None
    return sharer.id


def reward_issued(session: Session, offer: GroupBuyOffer, seat: GroupBuySeat, now: datetime) -> None:
    """The seat just became the friend's package: its sharer earns the offer's points (frozen for the return
    window), unless it is themselves, the friend was already rewarded for this offer, or the cap is reached."""
    if seat.shared_by_member_id is None or offer.share_points is None:
        return
    sharer = distribution_repo.lock_member(session, seat.shared_by_member_id)  # one sharer at a time: the cap
    friend = session.get(Member, seat.member_id)
    if sharer is None or friend is None or sharer.status != MemberStatus.ACTIVE:
        return
    if rules.is_self_referral(rules.Person(sharer.id, sharer.phone_hash, sharer.merged_into_id),
                              rules.Person(friend.id, friend.phone_hash, friend.merged_into_id)):
        return
    month = rules.month_start(now)
    first = not repository.friend_rewarded(session, offer.alliance_id, offer.id, friend.id)
    facts = rules.FriendOrder(claimed_at=seat.joined_at, amount_fen=seat.price_fen, ordered_at=now,
                              is_first_order=first,
                              sharer_month_earned=repository.share_month_earned(session, offer.alliance_id, offer.id,
                                                                                 sharer.id, month))
    terms = rules.Terms(RewardKind.POINTS, offer.share_points, None, 0, rules.MAX_WINDOW_DAYS,
                        offer.share_cap_per_month)
    amount = rules.reward_for(terms, facts, sharer.id)
    if amount <= 0:
        return
    seat.share_reward, seat.share_reversed = amount, 0
    seat.share_status, seat.share_earned_at = RewardStatus.FROZEN.value, now
    seat.share_releases_at = now + timedelta(days=offer.share_return_window_days)


def reverse_for_refund(seat: GroupBuySeat) -> None:
    """The friend's seat was refunded: points not yet credited shrink in proportion to the refund (all of them for
    a full one); credited points stay, the return window being over (as for coupons, docs/distribution.md)."""
    if seat.share_status != RewardStatus.FROZEN.value:
        return
    seat.share_reversed += rules.reversal(seat.share_reward, seat.price_fen, seat.refunded_fen, seat.share_reversed)
    if seat.share_reversed >= seat.share_reward:
        seat.share_status = RewardStatus.REVERSED.value


def release_points(session: Session, at: datetime | None = None, limit: int = 500,
                   alliance_id: int | None = None) -> int:
    """Credit the sharers' points whose return window has passed: the seller issues them (a points debt repaid
    first). Idempotent: one posting key per seat, the status flipped in the same transaction, rows locked."""
    now = at or clock.now()
    done = 0
    for seat in repository.matured_shares(session, now, limit, alliance_id):
        remaining = seat.share_reward - seat.share_reversed
        seat.share_status = (RewardStatus.AVAILABLE if remaining > 0 else RewardStatus.REVERSED).value
        done += 1
        if remaining <= 0 or seat.shared_by_member_id is None:
            continue
        offer = session.get(GroupBuyOffer, seat.offer_id)
        alliance = session.get(Alliance, seat.alliance_id)
        assert offer is not None and alliance is not None
        sharer = seat.shared_by_member_id
        debt = -ledger.balance(session, seat.alliance_id, points.member_debt(sharer))
        repaid = min(remaining, max(debt, 0))
        ledger.post(session, seat.alliance_id, f"group-buy-seat:{seat.id}:share-release",
                    PostingCause.GROUP_BUY_FORMED,
                    points.earn_legs(sharer, offer.seller_merchant_id, remaining, repaid,
                                     alliance.points_per_yuan_value), cause_id=seat.id)
        if remaining - repaid:
            points_repo.insert_grants(session, [{
                "alliance_id": seat.alliance_id, "member_id": sharer, "issuer_merchant_id": offer.seller_merchant_id,
                "order_id": None, "points": remaining - repaid, "remaining": remaining - repaid, "granted_at": now,
                "expires_at": points_domain.expiry_for(clock.shanghai(now), alliance.points_expiry_months)}])
    session.flush()
    return done


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    return repository.alliances_with_matured_shares(session, at or clock.now())
