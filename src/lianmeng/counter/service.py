"""What the counter reads, so its pages run no queries of their own. Every read goes through the owning
capability's repository or service with the caller's principal, so tenancy is theirs."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.commissions import repository as commissions_repo
from lianmeng.commissions.models import Rebate
from lianmeng.coupons import repository as coupons_repo
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.jointcards import repository as jointcards_repo
from lianmeng.jointcards import service as jointcards_service
from lianmeng.jointcards.schemas import CardOut
from lianmeng.kit import clock
from lianmeng.kit.errors import NotFound
from lianmeng.ledger import service as ledger
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member, Membership
from lianmeng.orders import repository as orders_repo
from lianmeng.orders import service as orders_service
from lianmeng.orders.models import Order, Refund
from lianmeng.points import domain as points_domain
from lianmeng.points import service as points_service
from lianmeng.tenancy import Principal

TODAY_LIMIT = 100


@dataclass
class DeskFacts:
    """What the desk shows about a member: usable benefits and coupons, whether this merchant serves them, their
    membership here, their active joint cards (with what is left of each component)."""

    benefits: list[CouponTemplate]
    coupons: list[tuple[Coupon, CouponTemplate]]
    served_here: bool
    membership: Membership | None
    joint_cards: list[CardOut]


def desk_facts(session: Session, me: Principal, member: Member) -> DeskFacts:
    benefits, coupons = coupons_service.counter_view(session, me, member)
    served = bool(members_repo.member_facts(session, me, {member.id}))
    membership = members_repo.membership_of(session, member.alliance_id, member.id, me.merchant_id or 0)
    cards = session.scalars(jointcards_repo.list_cards(me, member_id=member.id, status="active").limit(20))
    return DeskFacts(benefits, coupons, served, membership, [jointcards_service.card_out(session, c) for c in cards])


def member_by_phone(session: Session, me: Principal, lookup: Sequence[str]) -> Member | None:
    """A member this merchant may see (its own, or enrolled here) with one of these phone hashes."""
    return session.scalars(members_repo.list_members(me, phone_lookup=lookup).limit(1)).first()


def rebates_paid_on(session: Session, order: Order) -> list[Rebate]:
    """The rebates this order pays, only those its own merchant pays (what the till's staff may know)."""
    return commissions_repo.rebates_paid_by(session, order)


def start_of_today() -> datetime:
    """Midnight in Shanghai, as an aware datetime: the counter's "today"."""
    return datetime.combine(clock.today_in_shanghai(), time(0), tzinfo=clock.SHANGHAI)


def todays_orders(session: Session, me: Principal) -> list[Order]:
    """Today's orders at the caller's store (at the merchant, for a login without a store), newest first."""
    stmt = orders_repo.list_orders(me, merchant_id=me.merchant_id, store_id=me.store_id, since=start_of_today())
    return list(session.scalars(stmt.limit(TODAY_LIMIT)))


def order_at_till(session: Session, me: Principal, order_id: int) -> Order:
    """One order of the caller's merchant (404 otherwise, as the API answers)."""
    return orders_repo.get_order(session, me, order_id)


def redemption_at_till(session: Session, me: Principal, redemption_id: int) -> Redemption:
    """A coupon use at the caller's merchant (404 otherwise, also for one the caller only referred): what the desk
    shows after the redirect that follows a redemption."""
    redemption = coupons_repo.get_redemption(session, me, redemption_id)
    if redemption.merchant_id != me.merchant_id:
        raise NotFound("redemption")
    return redemption


def joint_card_holder(session: Session, me: Principal, card_id: int) -> int:
    """The member holding a joint card the caller's merchant sells or serves (404 otherwise)."""
    return jointcards_repo.get_card(session, me, card_id).member_id


def member_served(session: Session, me: Principal, member_id: int) -> Member:
    """A member the caller's merchant may see (its own or enrolled here; 404 otherwise)."""
    return members_repo.get_member(session, me, member_id)


def customer_of(session: Session, member_id: int) -> Member:
    """The member of an order or coupon use the caller's merchant has just read through its scope (order_at_till,
    redemption_at_till): they showed their card at this till, so the desk may show them again, as after a lookup
    by card (a partner's member: the masked name only)."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("member")
    return members_repo.survivor_of(session, member)


def refunds_of(session: Session, order: Order) -> list[Refund]:
    return orders_repo.refunds_of(session, order)


def new_reference(prefix: str) -> str:
    """A receipt or refund number made up at the counter when none is typed: the prefix, the day and a random
    part, short enough for the 64-character external ids. Put in the form when it is shown, so a double submit
    sends the same number and the service's idempotency returns the first write."""
    return f"{prefix}-{clock.today_in_shanghai():%Y%m%d}-{secrets.token_hex(4).upper()}"


@dataclass(frozen=True)
class Wallet:
    """What the member can pay with here besides cash: alliance points (spendable at every merchant) and the stored
    value bought at this merchant, as the ledger holds them; the alliance's rate turns points into fen."""

    points: int
    points_per_yuan_value: int
    stored_value_fen: int

    @property
    def points_value_fen(self) -> int:
        return points_domain.points_value_fen(self.points, self.points_per_yuan_value)

    def value_of(self, points: int) -> int:
        return points_domain.points_value_fen(points, self.points_per_yuan_value)


def wallet(session: Session, me: Principal, member: Member) -> Wallet:
    """The member's points and stored value at the caller's merchant. Only for a member the merchant serves (the
    desk asks only then): the same balances GET /balances shows a merchant (ledger.access)."""
    alliance = session.get(Alliance, member.alliance_id)
    assert alliance is not None
    points = ledger.balance(session, member.alliance_id, points_service.member_points(member.id))
    stored = ledger.balance(session, member.alliance_id,
                            orders_service.member_stored_value(member.id, me.merchant_id or 0))
    return Wallet(points=max(points, 0), points_per_yuan_value=alliance.points_per_yuan_value,
                  stored_value_fen=max(stored, 0))
