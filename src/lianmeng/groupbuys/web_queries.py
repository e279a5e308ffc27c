"""What the group-buy pages read beyond the service's views: the offers a member may start a group of, the people
of a group as its participants see them (masked), and an offer's results for its seller and the operator (money
held, recognised and refunded; what each merchant's components were used for).

Reads only, scoped like the service: the offer and group are fetched through tenancy.policy before anything of
them is read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.distribution.domain import RewardStatus
from lianmeng.groupbuys import domain, repository
from lianmeng.groupbuys.domain import GroupBuyStatus, SeatStatus
from lianmeng.groupbuys.models import GroupBuyOffer, GroupBuySeat
from lianmeng.jointcards.models import JointCard, JointCardUse, JointComponent
from lianmeng.members.models import Member
from lianmeng.tenancy import Principal


def offers_open_to(session: Session, member: Principal, now: datetime) -> list[GroupBuyOffer]:
    """The offers a member may start a group of right now: active, inside their sale window, stock left."""
    offers = repository.offers_in_scope(session, member, limit=100, status=GroupBuyStatus.ACTIVE.value)
    return [o for o in offers
            if (o.sale_starts_at is None or o.sale_starts_at <= now)
            and (o.sale_ends_at is None or now < o.sale_ends_at)
            and (o.max_seats is None or o.seats_taken < o.max_seats)]


def stock_left(offer: GroupBuyOffer) -> int | None:
    """Seats still to sell; None when the offer has no stock limit."""
    return None if offer.max_seats is None else max(0, offer.max_seats - offer.seats_taken)


@dataclass(frozen=True)
class Person:
    """A seat as the group's participants see it: a masked name and the seat's state, the viewer's own marked."""

    name: str
    status: str
    mine: bool


def people_of(session: Session, alliance_id: int, group_id: int, viewer_member_id: int | None) -> list[Person]:
    """The seats of a group (the caller is one of its participants: checked before), names masked ("张**")."""
    seats = repository.seats_of(session, alliance_id, group_id)
    names = dict(session.execute(select(Member.id, Member.name)
                                 .where(Member.alliance_id == alliance_id,
                                        Member.id.in_([s.member_id for s in seats]))).all()) if seats else {}
    return [Person(domain.mask_name(names.get(s.member_id) or "会员"), s.status, s.member_id == viewer_member_id)
            for s in seats]


@dataclass(frozen=True)
class Consumption:
    """What one component was used for: units and the value recognised for its merchant."""

    component_id: int
    merchant_id: int
    name: str
    unit_name: str
    units_issued: int
    units_used: int
    value_fen: int


@dataclass(frozen=True)
class Results:
    """An offer's money: seats paid in, refunded, held for open groups, recognised by the merchants' uses and
    still owed as unused package value (the seller's joint-card liability of the offer's cards)."""

    seats: int
    paid_fen: int
    refunded_fen: int
    held_fen: int
    recognised_fen: int
    outstanding_fen: int
    consumption: list[Consumption]


def results_of(session: Session, offer: GroupBuyOffer) -> Results:
    """The offer's figures (the caller may see the offer: fetched through the policy before)."""
    seat_rows = session.execute(
        select(GroupBuySeat.status, func.count(), func.coalesce(func.sum(GroupBuySeat.price_fen), 0),
               func.coalesce(func.sum(GroupBuySeat.refunded_fen), 0))
        .where(GroupBuySeat.offer_id == offer.id).group_by(GroupBuySeat.status)).all()
    seats = sum(int(n) for _, n, _, _ in seat_rows)
    paid = sum(int(p) for _, _, p, _ in seat_rows)
    refunded = sum(int(r) for _, _, _, r in seat_rows)
    held = sum(int(p) for status, _, p, _ in seat_rows if status == SeatStatus.PAID.value)
    cards = select(JointCard.id).where(JointCard.product_id == offer.joint_product_id)
    uses = dict(((c, (int(u), int(v))) for c, u, v in session.execute(
        select(JointCardUse.component_id, func.sum(JointCardUse.units), func.sum(JointCardUse.value_fen))
        .where(JointCardUse.card_id.in_(cards)).group_by(JointCardUse.component_id))))
    issued = int(session.scalar(select(func.count()).select_from(JointCard)
                                .where(JointCard.product_id == offer.joint_product_id)) or 0)
    card_money = session.execute(
        select(func.coalesce(func.sum(JointCard.price_fen - JointCard.refunded_fen - JointCard.expired_fen), 0))
        .where(JointCard.product_id == offer.joint_product_id)).scalar_one()
    recognised = sum(v for _, v in uses.values())
    components = session.scalars(select(JointComponent).where(JointComponent.tier_id == offer.joint_tier_id)
                                 .order_by(JointComponent.position, JointComponent.id)).all()
    consumption = [Consumption(c.id, c.merchant_id, c.name, c.unit_name, c.units * issued,
                               uses.get(c.id, (0, 0))[0], uses.get(c.id, (0, 0))[1]) for c in components]
    return Results(seats, paid, refunded, held, recognised, max(0, int(card_money) - recognised), consumption)


@dataclass(frozen=True)
class PackageShare:
    """A friend's seat that earned its sharer points, as the sharer sees it under 我的分享: masked, never a phone."""

    friend: str
    offer: str
    points: int
    status: RewardStatus
    releases_at: datetime | None


def package_shares_of(session: Session, alliance_id: int, sharer_id: int, limit: int = 100) -> list[PackageShare]:
    """The seats a member's share links brought that earned them something, newest first (net of reversals)."""
    rows = session.execute(
        select(GroupBuySeat, GroupBuyOffer.name, Member.name)
        .join(GroupBuyOffer, (GroupBuyOffer.id == GroupBuySeat.offer_id)
              & (GroupBuyOffer.alliance_id == GroupBuySeat.alliance_id))
        .join(Member, (Member.id == GroupBuySeat.member_id) & (Member.alliance_id == GroupBuySeat.alliance_id))
        .where(GroupBuySeat.alliance_id == alliance_id, GroupBuySeat.shared_by_member_id == sharer_id,
               GroupBuySeat.share_reward > 0)
        .order_by(GroupBuySeat.share_earned_at.desc(), GroupBuySeat.id.desc()).limit(limit)).all()
    return [PackageShare(domain.mask_name(friend or "会员"), offer, seat.share_reward - seat.share_reversed,
                         RewardStatus(seat.share_status or RewardStatus.FROZEN.value), seat.share_releases_at)
            for seat, offer, friend in rows]
