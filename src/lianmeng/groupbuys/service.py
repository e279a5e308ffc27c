"""Use cases of group buys (拼团); one transaction each (the door commits, services only flush):

* `create_offer`, `update_offer`, `set_status` (pause/resume), `offer_out`: the operator or a merchant admin
  defines an offer; its package is a hidden joint-card product and tier (paused: never sold at a till), whose
  components' shares of the group price are allocated over their list values (jointcards.domain.allocate).
* `start_group`: a member starts a group of an offer on sale and pays the first seat.
* `join_group`: a member pays a seat of a group by its share token; the N-th seat forms the group in the same
  transaction (`_form`: every paid seat becomes a joint card of the offer's tier).
* `expire_if_due`: the lazy expiry a door runs before a look or a join (its own unit of work).
* `refund_seat`: before forming the member (or the seller, or the operator) leaves with a full refund and frees
  the seat; after forming the seller or the operator refunds the seat's joint card (its unconsumed rest).
* `public_group`, `group_view`, `my_groups`, `offer_groups`: what the share link, a participant, a member's own
  list and the seller/operator see.
* `expire_due`, `alliances_due`: the job (JobKind.GROUP_BUY_EXPIRY): open groups past their deadline expire and
  every paid seat is refunded, once (group row locks, SKIP LOCKED, posting keys).

Postings (docs/group-buys.md), keys derived from row ids:
  group-buy-seat:<id>:join    seller's cash +price, seller's group-buy held (scope offer) −price
  group-buy-seat:<id>:issue   seller's held +price, seller's joint-card liability (scope the offer's product) −price
  group-buy-seat:<id>:refund  seller's held +price, seller's cash −price (left an open group, or it expired)
and afterwards the joint card's own (jointcards): use, refund, expire.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.agreements.domain import CooperationMode
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth.domain import Role
from lianmeng.db import insert_once
from lianmeng.groupbuys import domain, repository, sharing
from lianmeng.groupbuys.domain import GroupBuyStatus, GroupEvent, GroupStatus, SeatStatus
from lianmeng.groupbuys.errors import Problem
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuyOffer, GroupBuySeat
from lianmeng.groupbuys.schemas import (
    ExpiryOut,
    GroupJoin,
    GroupOut,
    GroupPublic,
    GroupStart,
    GroupSummary,
    OfferCreate,
    OfferGroups,
    OfferOut,
    OfferUpdate,
    SeatOut,
    SeatRefund,
)
from lianmeng.jointcards import domain as jointcards_domain
from lianmeng.jointcards import repository as jointcards_repo
from lianmeng.jointcards import service as jointcards
from lianmeng.jointcards.models import JointCard, JointCardItem, JointComponent, JointProduct, JointTier
from lianmeng.jointcards.schemas import ComponentOut, RefundIn
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid, NotFound
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, PostingCause
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal, policy

TIER_NAME = "拼团价"
CONFLICTS = frozenset({
    Problem.GROUP_BUY_FULL, Problem.GROUP_BUY_EXPIRED, Problem.GROUP_BUY_ALREADY_JOINED, Problem.GROUP_BUY_FORMED,
    Problem.GROUP_BUY_NOT_FORMED, Problem.GROUP_BUY_SEAT_CLOSED, Problem.GROUP_BUY_NOT_DUE, Problem.GROUP_BUY_PAUSED,
    Problem.GROUP_BUY_NOT_STARTED, Problem.GROUP_BUY_ENDED, Problem.GROUP_BUY_SOLD_OUT,
    Problem.GROUP_BUY_MEMBER_LIMIT,
})


def held(seller_id: int, offer_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, seller_id, AccountKind.GROUP_BUY_HELD, scope_id=offer_id)


def _refused(refused: domain.Refused | jointcards_domain.Refused) -> Exception:
    if refused.code in CONFLICTS:
        return Conflict(refused.code, **refused.params)
    return Invalid(refused.code, **refused.params)


# --- offers -----------------------------------------------------------------------------------------------------


def create_offer(session: Session, actor: Principal, data: OfferCreate) -> OfferOut:
    """Define an offer. 422 when a merchant named is not of the alliance (or the seller is suspended), or when a
    component merchant other than the seller has no active joint-card agreement with it (docs/group-buys.md)."""
    if actor.is_operator:
        if actor.alliance_id is None:
            raise Forbidden()
        if data.seller_merchant_id is None:
            raise Invalid(Problem.GROUP_BUY_SELLER_NEEDED)
        alliance_id, seller_id, creator = actor.alliance_id, data.seller_merchant_id, None
    elif actor.manages_merchant and actor.merchant_id is not None and actor.alliance_id is not None:
        if data.seller_merchant_id not in (None, actor.merchant_id):
            raise Forbidden()
        alliance_id, seller_id, creator = actor.alliance_id, actor.merchant_id, actor.merchant_id
    else:
        raise Forbidden()
    try:
        domain.check_offer(price_fen=data.price_fen, group_size=data.group_size, hours_to_form=data.hours_to_form,
                           max_seats=data.max_seats, per_member_limit=data.per_member_limit,
                           sale_starts_at=data.sale_starts_at, sale_ends_at=data.sale_ends_at)
        shares = jointcards_domain.allocate(data.price_fen, [c.list_value_fen for c in data.components])
    except (domain.Refused, jointcards_domain.Refused) as refused:
        raise _refused(refused) from None
    _check_merchants(session, alliance_id, seller_id, [c.merchant_id for c in data.components])
    product = JointProduct(alliance_id=alliance_id, lead_merchant_id=seller_id, name=data.name,
                           description=data.description or "拼团套餐", carry_over_months=data.valid_months,
                           expiry_merchant_id=None, status=jointcards_domain.JointProductStatus.PAUSED.value)
    session.add(product)
    session.flush()
    tier = JointTier(alliance_id=alliance_id, product_id=product.id, name=TIER_NAME, price_fen=data.price_fen,
                     position=0)
    session.add(tier)
    session.flush()
    session.add_all(JointComponent(alliance_id=alliance_id, tier_id=tier.id, merchant_id=c.merchant_id, name=c.name,
                                   unit_name=c.unit_name, units=c.units, list_value_fen=c.list_value_fen,
                                   share_fen=share, position=index)
                    for index, (c, share) in enumerate(zip(data.components, shares, strict=True)))
    offer = GroupBuyOffer(alliance_id=alliance_id, created_by_merchant_id=creator, seller_merchant_id=seller_id,
                          joint_product_id=product.id, joint_tier_id=tier.id, name=data.name,
                          description=data.description, price_fen=data.price_fen, group_size=data.group_size,
                          hours_to_form=data.hours_to_form, max_seats=data.max_seats, seats_taken=0,
                          per_member_limit=data.per_member_limit, sale_starts_at=data.sale_starts_at,
                          sale_ends_at=data.sale_ends_at, status=GroupBuyStatus.ACTIVE.value)
    session.add(offer)
    session.flush()
    audit.record(session, actor, AuditAction.GROUP_BUY_CREATE, offer.id, alliance_id=alliance_id,
                 after={"name": offer.name, "price_fen": offer.price_fen, "group_size": offer.group_size,
                        "hours_to_form": offer.hours_to_form, "seller_merchant_id": seller_id})
    return offer_out(session, offer)


def _check_merchants(session: Session, alliance_id: int, seller_id: int, component_merchants: list[int]) -> None:
    """Every merchant named is of the alliance, the seller is active, and every component merchant other than the
    seller has an active agreement with the seller covering joint cards, in force today (either way round)."""
    names: dict[int, str] = {}
    for merchant_id in dict.fromkeys([seller_id, *component_merchants]):
        merchant = merchants_repo.merchant_by_id(session, merchant_id)
        if merchant is None or merchant.alliance_id != alliance_id:
            raise Invalid("wrong_alliance", what="merchant")
        if merchant_id == seller_id and merchant.status != "active":
            raise Invalid("merchant_suspended")
        names[merchant_id] = merchant.name
    today = clock.today_in_shanghai()
    covered = {m for m in component_merchants if m != seller_id and agreements_repo.active_agreement_between(
        session, alliance_id, seller_id, m, CooperationMode.JOINT_CARD.value, today) is not None}
    missing = domain.uncovered(seller_id, component_merchants, covered)
    if missing:
        raise Invalid(Problem.GROUP_BUY_NOT_COVERED, merchant=names[missing[0]])


def managed_offer(session: Session, actor: Principal, offer_id: int) -> GroupBuyOffer:
    offer = repository.get_offer(session, actor, offer_id)
    if not can_manage(actor, offer):
        raise Forbidden(Problem.GROUP_BUY_NOT_MANAGED)
    return offer


def can_manage(actor: Principal, offer: GroupBuyOffer | OfferOut) -> bool:
    return domain.may_manage(is_operator=actor.is_operator, manages_merchant=actor.manages_merchant,
                             actor_alliance_id=actor.alliance_id, actor_merchant_id=actor.merchant_id,
                             offer_alliance_id=offer.alliance_id, created_by_merchant_id=offer.created_by_merchant_id)


def update_offer(session: Session, actor: Principal, offer_id: int, data: OfferUpdate) -> OfferOut:
    """Change an offer's words, stock, per-member limit or sale window (fields left out stay)."""
    offer = managed_offer(session, actor, offer_id)
    before = {"name": offer.name, "max_seats": offer.max_seats, "per_member_limit": offer.per_member_limit}
    nullable = {"max_seats", "sale_starts_at", "sale_ends_at"}  # null clears these; the others keep their value
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None or name in nullable:
            setattr(offer, name, value)
    try:
        domain.check_offer(price_fen=offer.price_fen, group_size=offer.group_size, hours_to_form=offer.hours_to_form,
                           max_seats=offer.max_seats, per_member_limit=offer.per_member_limit,
                           sale_starts_at=offer.sale_starts_at, sale_ends_at=offer.sale_ends_at)
    except domain.Refused as refused:
        raise _refused(refused) from None
    if offer.max_seats is not None and offer.max_seats < offer.seats_taken:
        raise Invalid(Problem.INVALID_GROUP_BUY)
    session.flush()
    audit.record(session, actor, AuditAction.GROUP_BUY_UPDATE, offer.id, alliance_id=offer.alliance_id,
                 before=before, after={k: getattr(offer, k) for k in before}, only_changes=True)
    return offer_out(session, offer)


def set_status(session: Session, actor: Principal, offer_id: int, action: Literal["pause", "resume"]) -> OfferOut:
    """Pause (no new groups; open groups may still fill and form) or resume an offer; idempotent."""
    offer = managed_offer(session, actor, offer_id)
    offer.status = (GroupBuyStatus.PAUSED if action == "pause" else GroupBuyStatus.ACTIVE).value
    session.flush()
    audit.record(session, actor, AuditAction.GROUP_BUY_PAUSE if action == "pause" else AuditAction.GROUP_BUY_RESUME,
                 offer.id, alliance_id=offer.alliance_id, after={"status": offer.status})
    return offer_out(session, offer)


def _components(session: Session, offer: GroupBuyOffer) -> list[ComponentOut]:
    components = jointcards_repo.components_of(session, offer.alliance_id, [offer.joint_tier_id])
    return [ComponentOut.model_validate(c) for c in components]


def offer_out(session: Session, offer: GroupBuyOffer) -> OfferOut:
    out = OfferOut.model_validate(offer)
    out.components = _components(session, offer)
    out.list_value_fen = sum(c.list_value_fen for c in out.components)
    return out


# --- groups and seats -------------------------------------------------------------------------------------------


def _member_for(session: Session, actor: Principal, member_id: int | None, offer: GroupBuyOffer) -> Member:
    """Who takes the seat: a member for themselves; the seller's staff or the operator for a member by id."""
    if actor.role is Role.MEMBER:
        if actor.member_id is None or member_id not in (None, actor.member_id):
            raise Forbidden()
        return members_repo.get_member(session, actor, actor.member_id)
    policy.require_serves(actor, offer.seller_merchant_id)
    if member_id is None:
        raise Invalid("validation_error")
    return members_repo.get_member(session, actor, member_id)


def _state(group: GroupBuyGroup) -> domain.GroupState:
    return domain.GroupState(GroupStatus(group.status), group.seats_taken, group.group_size, group.deadline_at)


def start_group(session: Session, actor: Principal, data: GroupStart) -> GroupOut:
    """Start a group of an offer on sale: the leader pays the first seat (stock and per-member limit apply)."""
    offer = repository.get_offer(session, actor, data.offer_id)
    member = _member_for(session, actor, data.member_id, offer)
    if member.alliance_id != offer.alliance_id:
        raise NotFound("group_buy")
    now = clock.now()
    try:
        domain.check_on_sale(GroupBuyStatus(offer.status), now, offer.sale_starts_at, offer.sale_ends_at)
    except domain.Refused as refused:
        raise _refused(refused) from None
    group = GroupBuyGroup(alliance_id=offer.alliance_id, offer_id=offer.id, leader_member_id=member.id,
                          token=secrets.token_urlsafe(16), price_fen=offer.price_fen, group_size=offer.group_size,
                          seats_taken=0, status=GroupStatus.OPEN.value, started_at=now,
                          deadline_at=domain.deadline(now, offer.hours_to_form))
    session.add(group)
    session.flush()
    seat = _take_seat(session, offer, group, member, now, sharing.sharer_of(session, offer, data.shared_by))
    return _group_out(session, group, seat)


def join_group(session: Session, actor: Principal, token: str, data: GroupJoin) -> GroupOut:
    """Pay a seat of an open group. 409: full or formed, expired, already joined (one seat per member and group,
    a member who left included), sold out, over the per-member limit. The N-th seat forms the group here."""
    group = repository.group_by_token(session, token, lock=True)
    if group is None:
        raise NotFound("group_buy_group")
    offer = session.get(GroupBuyOffer, group.offer_id)
    assert offer is not None
    if actor.alliance_id != group.alliance_id and not actor.is_platform:
        raise NotFound("group_buy_group")
    member = _member_for(session, actor, data.member_id, offer)
    if member.alliance_id != group.alliance_id:
        raise NotFound("group_buy_group")
    if repository.seat_of_member(session, group.id, member.id) is not None:
        raise Conflict(Problem.GROUP_BUY_ALREADY_JOINED)
    seat = _take_seat(session, offer, group, member, clock.now(),
                      sharing.sharer_of(session, offer, data.shared_by))
    return _group_out(session, group, seat)


def _take_seat(session: Session, offer: GroupBuyOffer, group: GroupBuyGroup, member: Member,
               now: datetime, sharer_id: int | None = None) -> GroupBuySeat:
    """The seat's rules in order (the group row is locked or new; then the offer's stock row): the group's state,
    the stock, the member's limit; then the seat, its payment, and forming when it is the N-th."""
    try:
        after = domain.transition(_state(group), GroupEvent.JOIN, now)
    except domain.Refused as refused:
        raise _refused(refused) from None
    if not repository.take_stock(session, offer.id):
        raise Conflict(Problem.GROUP_BUY_SOLD_OUT)
    try:
        domain.check_member_limit(repository.seats_held(session, offer.id, member.id), offer.per_member_limit)
    except domain.Refused as refused:
        raise _refused(refused) from None
    seat = GroupBuySeat(alliance_id=group.alliance_id, group_id=group.id, offer_id=offer.id, member_id=member.id,
                        price_fen=group.price_fen, status=SeatStatus.PAID.value, refunded_fen=0, joined_at=now,
                        shared_by_member_id=sharer_id)
    if not insert_once(session, seat):
        raise Conflict(Problem.GROUP_BUY_ALREADY_JOINED)
    group.seats_taken, group.status = after.seats_taken, after.status.value
    legs = [Leg(jointcards.cash(offer.seller_merchant_id), seat.price_fen),
            Leg(held(offer.seller_merchant_id, offer.id), -seat.price_fen)]
    ledger.post(session, group.alliance_id, f"group-buy-seat:{seat.id}:join", PostingCause.GROUP_BUY_JOIN, legs,
                cause_id=seat.id)
    if after.status is GroupStatus.FORMED:
        _form(session, offer, group, now)
    session.flush()
    return seat


def _form(session: Session, offer: GroupBuyOffer, group: GroupBuyGroup, now: datetime) -> None:
    """Every paid seat becomes a joint card of the offer's tier (price = the group price, the components' shares
    fixed on the tier); the held money becomes the seller's joint-card liability."""
    product = session.get(JointProduct, offer.joint_product_id)
    assert product is not None
    components = jointcards_repo.components_of(session, offer.alliance_id, [offer.joint_tier_id])
    for seat in repository.seats_of(session, group.alliance_id, group.id, SeatStatus.PAID):
        card = JointCard(alliance_id=group.alliance_id, product_id=product.id, tier_id=offer.joint_tier_id,
                         member_id=seat.member_id, seller_merchant_id=offer.seller_merchant_id, seller_staff_id=None,
                         external_id=f"group-buy-seat:{seat.id}", price_fen=seat.price_fen, status="active",
                         sold_at=now, expires_at=jointcards_domain.expires_at(now, product.carry_over_months),
                         refunded_fen=0, expired_fen=0)
        session.add(card)
        session.flush()
        session.add_all(JointCardItem(alliance_id=card.alliance_id, card_id=card.id, component_id=c.id,
                                      merchant_id=c.merchant_id, units=c.units, units_left=c.units,
                                      share_fen=c.share_fen) for c in components)
        seat.status, seat.joint_card_id = SeatStatus.ISSUED.value, card.id
        legs = [Leg(held(offer.seller_merchant_id, offer.id), seat.price_fen),
                Leg(jointcards.liability(offer.seller_merchant_id, product.id), -seat.price_fen)]
        ledger.post(session, group.alliance_id, f"group-buy-seat:{seat.id}:issue", PostingCause.GROUP_BUY_FORMED,
                    legs, cause_id=seat.id)
        sharing.reward_issued(session, offer, seat, now)
    group.status, group.closed_at = GroupStatus.FORMED.value, now
    session.flush()


def _refund_paid(session: Session, offer: GroupBuyOffer, seat: GroupBuySeat, status: SeatStatus, now: datetime,
                 cause: PostingCause, memo: str = "") -> None:
    """A paid seat's full refund: the held money goes back out of the seller's cash."""
    seat.status, seat.refunded_fen, seat.closed_at = status.value, seat.price_fen, now
    legs = [Leg(held(offer.seller_merchant_id, offer.id), seat.price_fen),
            Leg(jointcards.cash(offer.seller_merchant_id), -seat.price_fen)]
    ledger.post(session, seat.alliance_id, f"group-buy-seat:{seat.id}:refund", cause, legs, cause_id=seat.id,
                memo=memo)


def _expire(session: Session, group: GroupBuyGroup, now: datetime) -> ExpiryOut:
    """Expire a locked open group past its deadline: every paid seat refunded in full, the stock released."""
    try:
        domain.transition(_state(group), GroupEvent.EXPIRE, now)
    except domain.Refused:
        return ExpiryOut()
    if group.status != GroupStatus.OPEN.value:
        return ExpiryOut()
    offer = session.get(GroupBuyOffer, group.offer_id)
    assert offer is not None
    seats = repository.seats_of(session, group.alliance_id, group.id, SeatStatus.PAID)
    for seat in seats:
        _refund_paid(session, offer, seat, SeatStatus.EXPIRED, now, PostingCause.GROUP_BUY_EXPIRY)
    repository.release_stock(session, offer.alliance_id, offer.id, len(seats))
    group.status, group.closed_at = GroupStatus.EXPIRED.value, now
    session.flush()
    return ExpiryOut(groups=1, seats=len(seats), refunded_fen=sum(s.price_fen for s in seats))


def expire_if_due(session: Session, token: str, at: datetime | None = None) -> bool:
    """The lazy expiry a door runs (in a unit of work of its own) before showing or joining a group: True when
    this call expired it."""
    group = repository.group_by_token(session, token)
    now = at or clock.now()
    if group is None or group.status != GroupStatus.OPEN.value or group.deadline_at > now:
        return False
    return _expire(session, repository.lock_group(session, group.id), now).groups == 1


def refund_seat(session: Session, actor: Principal, seat_id: int, data: SeatRefund) -> SeatOut:
    """Before forming: the member leaves (or the seller or the operator refunds the seat) with a full refund and
    the seat is freed. After forming: the seller or the operator refunds the seat's joint card (its unconsumed
    rest, jointcards.refund); the member's group is then never shown complete to them."""
    seat = repository.get_seat(session, actor, seat_id)
    group = repository.lock_group(session, seat.group_id)
    session.refresh(seat)
    offer = session.get(GroupBuyOffer, seat.offer_id)
    assert offer is not None
    if actor.role is not Role.MEMBER:
        policy.require_serves(actor, offer.seller_merchant_id)
    now = clock.now()
    if group.status == GroupStatus.OPEN.value and group.deadline_at <= now:
        _expire(session, group, now)
        session.refresh(seat)
        return SeatOut.model_validate(seat)
    try:
        if group.status == GroupStatus.FORMED.value and actor.role is not Role.MEMBER:
            domain.check_card_refund(GroupStatus(group.status), SeatStatus(seat.status))
            assert seat.joint_card_id is not None
            card = jointcards.refund(session, actor, seat.joint_card_id, RefundIn(reason=data.reason))
            seat.status, seat.refunded_fen, seat.closed_at = SeatStatus.REFUNDED.value, card.refunded_fen, now
            sharing.reverse_for_refund(seat)
            repository.release_stock(session, offer.alliance_id, offer.id, 1)
        else:
            domain.check_leave(GroupStatus(group.status), SeatStatus(seat.status))
            after = domain.transition(_state(group), GroupEvent.LEAVE, now)
            _refund_paid(session, offer, seat, SeatStatus.LEFT, now, PostingCause.GROUP_BUY_REFUND, data.reason)
            group.seats_taken = after.seats_taken
            repository.release_stock(session, offer.alliance_id, offer.id, 1)
    except (domain.Refused, jointcards_domain.Refused) as refused:
        raise _refused(refused) from None
    session.flush()
    return SeatOut.model_validate(seat)


# --- views ------------------------------------------------------------------------------------------------------


def _leader(session: Session, group: GroupBuyGroup) -> str:
    leader = session.get(Member, group.leader_member_id)
    return domain.mask_name((leader.name if leader is not None else None) or "会员")


def _public(session: Session, group: GroupBuyGroup, offer: GroupBuyOffer,
            statuses: list[SeatStatus]) -> tuple[GroupPublic, domain.Progress]:
    progress = domain.progress(GroupStatus(group.status), group.group_size, statuses)
    components = _components(session, offer)
    seats_left = group.group_size - group.seats_taken if group.status == GroupStatus.OPEN.value else 0
    public = GroupPublic(token=group.token, offer_id=offer.id, offer_name=offer.name, description=offer.description,
                         price_fen=group.price_fen, list_value_fen=sum(c.list_value_fen for c in components),
                         group_size=group.group_size, seats_filled=progress.filled,
                         seats_refunded=progress.refunded, seats_left=seats_left,
                         status=group.status, deadline_at=group.deadline_at, leader=_leader(session, group),
                         components=components)
    return public, progress


def _group_out(session: Session, group: GroupBuyGroup, own: GroupBuySeat | None) -> GroupOut:
    offer = session.get(GroupBuyOffer, group.offer_id)
    assert offer is not None
    statuses = [SeatStatus(s.status) for s in repository.seats_of(session, group.alliance_id, group.id)]
    public, _ = _public(session, group, offer, statuses)
    progress = domain.progress(GroupStatus(group.status), group.group_size, statuses,
                               SeatStatus(own.status) if own is not None else None)
    return GroupOut(**public.model_dump(), id=group.id, started_at=group.started_at, closed_at=group.closed_at,
                    complete=progress.complete, my_seat=SeatOut.model_validate(own) if own is not None else None)


def public_group(session: Session, token: str) -> GroupPublic:
    """What the share link shows anyone (no login): no personal data, the leader masked."""
    group = repository.group_by_token(session, token)
    if group is None:
        raise NotFound("group_buy_group")
    offer = session.get(GroupBuyOffer, group.offer_id)
    assert offer is not None
    statuses = [SeatStatus(s.status) for s in repository.seats_of(session, group.alliance_id, group.id)]
    return _public(session, group, offer, statuses)[0]


def group_view(session: Session, actor: Principal, group_id: int) -> GroupOut:
    """A group as a participant (with their own seat), its seller or the operator sees it."""
    group = repository.get_group(session, actor, group_id)
    own = repository.seat_of_member(session, group.id, actor.member_id) if actor.member_id is not None else None
    return _group_out(session, group, own)


def my_groups(session: Session, actor: Principal) -> list[GroupOut]:
    """The caller's (a member's) groups, newest first, each with the member's own seat."""
    if actor.role is not Role.MEMBER or actor.member_id is None:
        raise Forbidden()
    member_id = actor.member_id
    return [_group_out(session, g, repository.seat_of_member(session, g.id, member_id))
            for g in repository.groups_of_member(session, member_id)]


def offer_groups(session: Session, actor: Principal, offer_id: int) -> OfferGroups:
    """An offer's groups for its seller, the merchant that made it or the operator: counts and states only."""
    offer = repository.get_offer(session, actor, offer_id)
    if actor.role is Role.MEMBER:
        raise Forbidden()
    groups = repository.group_counts(session, actor, offer.id)
    seats = repository.seat_counts(session, actor, offer.id)
    return OfferGroups(
        offer_id=offer.id, open=groups.get(GroupStatus.OPEN.value, 0), formed=groups.get(GroupStatus.FORMED.value, 0),
        expired=groups.get(GroupStatus.EXPIRED.value, 0), seats_paid=seats.get(SeatStatus.PAID.value, 0),
        seats_issued=seats.get(SeatStatus.ISSUED.value, 0), seats_refunded=seats.get(SeatStatus.REFUNDED.value, 0),
        groups=[GroupSummary.model_validate(g) for g in repository.groups_of_offer(session, actor, offer.id)])


# --- the job ----------------------------------------------------------------------------------------------------


def expire_due(session: Session, at: datetime | None = None, limit: int = 1000,
               alliance_id: int | None = None) -> ExpiryOut:
    """Expire open groups past their deadline and refund their paid seats. Safe to run twice or concurrently: the
    groups are locked (a concurrent run skips them, then finds them expired) and each refund posts once."""
    now = at or clock.now()
    total = ExpiryOut()
    for group in repository.groups_due(session, now, limit, alliance_id):
        done = _expire(session, group, now)
        total = ExpiryOut(groups=total.groups + done.groups, seats=total.seats + done.seats,
                          refunded_fen=total.refunded_fen + done.refunded_fen)
    session.flush()
    return total


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    """The job's choice: alliances with open groups past their deadline."""
    return repository.alliances_with_groups_due(session, at or clock.now())
