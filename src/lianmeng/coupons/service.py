"""Use cases: publish coupons and benefits, hand them out with attribution, claim through shared links, check and
redeem them at the till (the member's arrival), and attach the order (the referral's conversion). The door
commits; these only flush.

A coupon is never used twice: the till locks the coupon row (`SELECT … FOR UPDATE`; SQLite's writer lock) before
checking it, and each use is a row numbered `use_no` under a unique (coupon_id, use_no) as the database's backstop.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.alliances.models import Alliance
from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.coupons import domain, repository
from lianmeng.coupons.domain import Acceptance, CouponKind, CouponRefused
from lianmeng.coupons.errors import Problem
from lianmeng.coupons.models import ClaimLink, Coupon, CouponTemplate, Redemption
from lianmeng.coupons.schemas import (
    LOCKED_FIELDS,
    AttachOrderIn,
    BenefitRedeemIn,
    ClaimIn,
    IssueIn,
    RedeemIn,
    TemplateCreate,
    TemplateUpdate,
    check_cost,
)
from lianmeng.distribution import domain as distribution_domain
from lianmeng.kit import clock, geo
from lianmeng.kit.errors import AppError, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from lianmeng.kit.money import format_yuan
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.domain import PENDING, MemberStatus, normalize_phone
from lianmeng.members.models import Member
from lianmeng.members.schemas import MemberCreate
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.models import Merchant, Store
from lianmeng.notifications import service as notifications
from lianmeng.notifications.domain import StaffKind, partner_recipients
from lianmeng.orders import service as orders_service
from lianmeng.orders.schemas import OrderCreate
from lianmeng.tenancy import Principal, policy
from lianmeng.webhooks import service as webhooks
from lianmeng.webhooks.domain import EventType

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed at tills
CODE_LENGTH = 12


class Refused(AppError):
    """A coupon that cannot be issued or used, with its stable reason code (422)."""

    status_code = 422

    def __init__(self, code: str, **params: str | int) -> None:
        super().__init__(code, None, None, **params)


# --- templates -----------------------------------------------------------------------------------------------


def create_template(session: Session, actor: Principal, data: TemplateCreate) -> CouponTemplate:
    """Publish a coupon. Merchants publish their own; the operator publishes alliance vouchers (or for a
    merchant). Under an agreement it is a rights-exchange benefit for the other party's members."""
    policy.require_staff_login(actor)
    owner_id = actor.merchant_id if actor.is_merchant_side else data.owner_merchant_id
    if actor.is_merchant_side:
        policy.require_manages(actor, owner_id or 0)
    elif not actor.is_operator:
        raise Forbidden()
    alliance_id = _alliance_of(session, actor, owner_id)
    for merchant_id in [*data.accepted_merchant_ids, *([data.funded_by_merchant_id] if data.funded_by_merchant_id
                                                        else [])]:
        if merchants_repo.get_merchant(session, actor, merchant_id).alliance_id != alliance_id:
            raise NotFound("merchant")
    for store_id in data.accepted_store_ids:
        merchants_repo.get_store(session, actor, store_id)
    audience = None
    if data.agreement_id is not None:
        audience = _benefit_audience(session, actor, data.agreement_id, owner_id)
    acceptance = Acceptance.OWNER if audience is not None else data.acceptance
    if acceptance is Acceptance.OWNER and owner_id is None:
        raise Invalid(Problem.INVALID_TEMPLATE,
                      reason="an operator voucher is accepted 'alliance'-wide or at 'selected'")
    template = CouponTemplate(
        alliance_id=alliance_id, owner_merchant_id=owner_id,
        funded_by_merchant_id=data.funded_by_merchant_id or owner_id, name=data.name,
        description=data.description, kind=data.kind.value, amount_fen=data.amount_fen, percent_bp=data.percent_bp,
        cap_fen=data.cap_fen, item_name=data.item_name, item_value_fen=data.item_value_fen,
        cost_to_merchant_fen=data.cost_to_merchant_fen, min_spend_fen=data.min_spend_fen, valid_from=data.valid_from,
        valid_until=data.valid_until,
        valid_days=data.valid_days, total_stock=data.total_stock, issued_count=0,
        per_member_limit=data.per_member_limit, uses_per_coupon=data.uses_per_coupon, acceptance=acceptance.value,
        accepted_merchant_ids=sorted(set(data.accepted_merchant_ids)),
        accepted_store_ids=sorted(set(data.accepted_store_ids)), agreement_id=data.agreement_id,
        audience_merchant_id=audience, status="active",
    )
    session.add(template)
    session.flush()
    return template


def _alliance_of(session: Session, actor: Principal, owner_id: int | None) -> int:
    if owner_id is not None:
        merchant = merchants_repo.get_merchant(session, actor, owner_id)
        if merchant.status != "active":
            raise Invalid("merchant_suspended")
        return merchant.alliance_id
    if actor.alliance_id is None:
        raise Invalid("validation_error", details={"owner_merchant_id": "required"})
    return actor.alliance_id


def _benefit_audience(session: Session, actor: Principal, agreement_id: int, owner_id: int | None) -> int:
    """A benefit is offered by one party of an active agreement to the other party's members."""
    agreement = agreements_repo.get_agreement(session, actor, agreement_id)
    parties = {agreement.merchant_a_id, agreement.merchant_b_id}
    if owner_id not in parties or agreement.status != "active":
        raise Invalid(Problem.INVALID_TEMPLATE,
                      reason="benefits belong to an active agreement of the publishing merchant")
    other = agreement.merchant_b_id if agreement.merchant_a_id == owner_id else agreement.merchant_a_id
    assert other is not None
    return other


def update_template(session: Session, actor: Principal, template_id: int, data: TemplateUpdate) -> CouponTemplate:
    """Pause or resume a coupon, or change what is safe to change once it is published (`TemplateUpdate`); what
    its holders were promised (`LOCKED_FIELDS`) is refused in words, nothing written."""
    template = repository.get_template(session, actor, template_id, lock=True)
    if template.owner_merchant_id is None:
        policy.require_operator(actor)
    else:
        policy.require_manages(actor, template.owner_merchant_id)
    sent = data.model_fields_set
    for name in LOCKED_FIELDS:
        if name in sent:
            raise Invalid(Problem.TEMPLATE_LOCKED, what=f"coupon.{name}", details={name: "locked"})
    if data.total_stock is not None and data.total_stock < template.issued_count:
        raise Invalid(Problem.TEMPLATE_STOCK_BELOW_ISSUED, issued=template.issued_count,
                      details={"total_stock": template.issued_count})
    try:
        check_cost(CouponKind(template.kind), template.item_value_fen, data.cost_to_merchant_fen)
    except ValueError as wrong:
        raise Invalid(Problem.INVALID_TEMPLATE, reason=str(wrong)) from None
    starts = data.valid_from if "valid_from" in sent else template.valid_from
    ends = data.valid_until if "valid_until" in sent else template.valid_until
    if starts is not None and ends is not None and starts >= ends:
        raise Invalid(Problem.TEMPLATE_WINDOW, details={"valid_until": "must be after valid_from"})
    if data.accepted_store_ids is not None:
        _check_stores(session, actor, template, data.accepted_store_ids)
    changes = data.model_dump(include=sent - set(LOCKED_FIELDS))
    for field, value in changes.items():
        if value is None and field not in ("valid_from", "valid_until", "valid_days", "total_stock"):
            continue  # an explicit null clears only a date, the days after issue or the stock limit
        if field == "accepted_store_ids":
            value = sorted(set(value))
        setattr(template, field, value)
    session.flush()
    return template


def _check_stores(session: Session, actor: Principal, template: CouponTemplate, store_ids: list[int]) -> None:
    """Accepted stores: only for acceptance 'selected', stores the caller may see in the template's alliance, and
    once coupons are out none taken away (their holders may be on their way there)."""
    if template.acceptance != Acceptance.SELECTED.value:
        raise Invalid(Problem.TEMPLATE_STORES_NOT_SELECTED, details={"accepted_store_ids": template.acceptance})
    for store_id in store_ids:
        store = merchants_repo.get_store(session, actor, store_id)
        if merchants_repo.get_merchant(session, actor, store.merchant_id).alliance_id != template.alliance_id:
            raise NotFound("store")
    removed = set(template.accepted_store_ids) - set(store_ids)
    if removed and template.issued_count > 0:
        raise Invalid(Problem.TEMPLATE_STORE_REMOVED, issued=template.issued_count,
                      details={"accepted_store_ids": sorted(removed)})
    if not store_ids and not template.accepted_merchant_ids:
        raise Invalid(Problem.TEMPLATE_STORES_EMPTY, details={"accepted_store_ids": "required"})


# --- issuing -------------------------------------------------------------------------------------------------


def issue(session: Session, actor: Principal, data: IssueIn) -> Coupon:
    """Staff hand a coupon to a member at the counter; the coupon remembers them as the referrer."""
    policy.require_staff_login(actor)
    if not actor.is_merchant_side or actor.merchant_id is None:
        raise Forbidden()
    template = repository.get_template(session, actor, data.template_id)
    member = members_repo.get_member(session, actor, data.member_id)
    _refuse_self_referral(session, actor.staff_id, member)
    return _hand_out(session, template, member, actor.merchant_id, actor.store_id, actor.staff_id, None,
                     claimed=data.claimed)


def _refuse_self_referral(session: Session, staff_id: int | None, member: Member) -> None:
    """Staff cannot refer themselves: a member holding the staff member's own phone."""
    if staff_id is None:
        return
    staff = merchants_repo.staff_by_id(session, staff_id)
    if staff is not None and staff.phone_hash is not None and staff.phone_hash == member.phone_hash:
        raise Refused(Problem.SELF_REFERRAL)


def _hand_out(session: Session, template: CouponTemplate, member: Member, referrer_merchant_id: int | None,
              referrer_store_id: int | None, referrer_staff_id: int | None, link: ClaimLink | None, *,
              claimed: bool, at: datetime | None = None, referrer_member_id: int | None = None) -> Coupon:
    now = at or clock.now()
    locked = session.get(CouponTemplate, template.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    holds = repository.count_issued(session, template, member.id)
    try:
        domain.check_issue(locked.total_stock, locked.issued_count, holds, locked.per_member_limit,
                           locked.status == "active")
    except CouponRefused as refused:
        raise Refused(refused.code, limit=locked.per_member_limit) from None
    if not repository.take_stock(session, template):
        raise Refused(Problem.STOCK_EXHAUSTED)
    valid_from, valid_until = domain.validity(now, locked.valid_from, locked.valid_until, locked.valid_days)
    coupon = Coupon(
        alliance_id=locked.alliance_id, template_id=locked.id, member_id=member.id, code=_new_code(session),
        issued_at=now, claimed_at=now if claimed else None, valid_from=valid_from, valid_until=valid_until,
        uses_left=locked.uses_per_coupon, referrer_merchant_id=referrer_merchant_id,
        referrer_store_id=referrer_store_id, referrer_staff_id=referrer_staff_id,
        claim_link_id=link.id if link else None, target_merchant_id=locked.owner_merchant_id,
        referrer_member_id=referrer_member_id,
    )
    session.add(coupon)
    session.flush()
    session.refresh(locked)
    notifications.coupon_received(session, member, coupon_id=coupon.id, coupon_name=locked.name,
                                  merchant_id=locked.owner_merchant_id, valid_until=coupon.valid_until)
    return coupon


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not repository.code_taken(session, code):
            return code


def create_claim_link(session: Session, actor: Principal, template_id: int) -> ClaimLink:
    """A link / QR a guide shares (WeChat, poster); whoever claims through it is attributed to the guide."""
    policy.require_staff_login(actor)
    if not actor.is_merchant_side or actor.merchant_id is None:
        raise Forbidden()
    template = repository.get_template(session, actor, template_id)
    if template.status != "active":
        raise Refused(Problem.TEMPLATE_PAUSED)
    link = ClaimLink(alliance_id=template.alliance_id, template_id=template.id, token=secrets.token_urlsafe(18),
                     merchant_id=actor.merchant_id, store_id=actor.store_id, staff_id=actor.staff_id, active=True,
                     created_at=clock.now())
    session.add(link)
    session.flush()
    return link


def claim_link(session: Session, token: str) -> tuple[ClaimLink, CouponTemplate, Merchant]:
    link = repository.claim_link_by_token(session, token)
    if link is None:
        raise NotFound("claim_link")
    template = session.get(CouponTemplate, link.template_id)
    merchant = session.get(Merchant, link.merchant_id)
    assert template is not None and merchant is not None
    return link, template, merchant


@dataclass(frozen=True)
class Place:
    """A store where the coupon is accepted, with its distance from the visitor when they shared a location."""

    merchant: Merchant
    store: Store
    distance_m: float | None


@dataclass(frozen=True)
class ClaimOffer:
    """Everything a claim link tells the public (no personal data): who hands it out (the link's merchant and
    store), whose coupon it is (the template's owner; None for an operator voucher), where it is accepted (nearest
    first when `near` is given), and whether it can still be claimed."""

    link: ClaimLink
    template: CouponTemplate
    giver: Merchant
    giver_store: Store | None
    owner: Merchant | None
    owner_name: str
    places: list[Place]
    active: bool
    by_distance: bool


def claim_offer(session: Session, token: str, near: tuple[float, float] | None = None) -> ClaimOffer:
    link, template, giver = claim_link(session, token)
    store = session.get(Store, link.store_id) if link.store_id else None
    owner = session.get(Merchant, template.owner_merchant_id) if template.owner_merchant_id else None
    places = [Place(m, st, geo.distance_m(near[0], near[1], st.latitude, st.longitude) if near else None)
              for m, st in repository.accepting_stores(session, template)]
    if near is not None:
        places.sort(key=lambda p: (p.distance_m or 0.0, p.merchant.name, p.store.id))
    else:
        places.sort(key=lambda p: (p.merchant.id != template.owner_merchant_id, p.merchant.name, p.store.id))
    active = link.active and template.status == "active" and giver.status == "active"
    alliance = session.get(Alliance, template.alliance_id)
    owner_name = owner.name if owner else (alliance.name if alliance else "")
    return ClaimOffer(link, template, giver, store, owner, owner_name, places, active, near is not None)


def _open_link(session: Session, token: str) -> tuple[ClaimLink, CouponTemplate]:
    link, template, merchant = claim_link(session, token)
    if not link.active or template.status != "active" or merchant.status != "active":
        raise Refused(Problem.CLAIM_LINK_INACTIVE)
    return link, template


def _claim_phone(raw: str | None) -> str:
    phone = normalize_phone(raw) if raw else None
    if phone is None:
        raise Invalid("invalid_phone")
    return phone


def request_claim_code(session: Session, token: str, raw_phone: str) -> None:
    """Step one of a claim by phone: send the phone a one-time code (the member login's own code service, with its
    limits). A phone new to the alliance gets a pending row to send it to (`members.domain.PENDING`); nothing else
    is recorded until the code comes back. The answer is the same whether or not the phone holds a card."""
    link, _ = _open_link(session, token)
    phone = _claim_phone(raw_phone)
    members_service.phone_to_prove(session, link.alliance_id, phone)
    auth_service.request_code(session, link.alliance_id, phone)


@dataclass(frozen=True)
class Claimant:
    """Who is claiming, proved: by the one-time code sent to the phone (with the member token it yields), or by
    the member's own login."""

    member: Member
    issued: auth_service.IssuedToken | None
    phone: str | None = None


def prove_claimant(session: Session, token: str, data: ClaimIn, caller: Principal | None) -> Claimant:
    """The holder of the phone, proved before anything is recorded. A member logged in claims for themselves;
    anyone else gives the phone and the code sent to it. A staff login cannot claim for anybody: the customer claims
    with their own phone, or the counter issues the coupon (`issue`). A wrong code counts against the phone's
    attempts, so the door commits after this fails (nothing else has been written)."""
    link, _ = _open_link(session, token)
    if caller is not None:
        if caller.role is not Role.MEMBER:
            raise Forbidden(Problem.STAFF_CANNOT_CLAIM)
        member = session.get(Member, caller.member_id or 0)
        if member is None or member.alliance_id != link.alliance_id:
            raise Forbidden(Problem.WRONG_ALLIANCE_CARD)
        claimed = members_repo.phone_hashes(link.alliance_id, _claim_phone(data.phone)) if data.phone else None
        if claimed is not None and member.phone_hash not in claimed:
            raise Invalid(Problem.NOT_YOUR_PHONE)
        return Claimant(member, None)
    phone = _claim_phone(data.phone)
    if not data.code:
        raise Unauthorized("otp_required")
    issued = auth_service.verify_code(session, link.alliance_id, phone, data.code)
    member = session.get(Member, issued.principal.member_id or 0)
    assert member is not None
    return Claimant(member, issued, phone)


def claim(session: Session, token: str, claimant: Claimant, data: ClaimIn) -> tuple[Coupon, bool]:
    """Hand the proved claimant the link's coupon. A phone new to the alliance joins now, with the consent its
    holder gives now (origin = the link's merchant and guide)."""
    link, template = _open_link(session, token)
    member, created = claimant.member, claimant.member.status == PENDING
    if created:
        if not data.accept_terms or claimant.phone is None:
            raise Invalid("consent_required")
        as_link = Principal(kind="claim_link", id=link.id, role=Role.STORE_STAFF, alliance_id=link.alliance_id,
                            merchant_id=link.merchant_id, store_id=link.store_id, staff_id=link.staff_id,
                            label=f"claim-link:{link.id}")
        member = members_service.enrol_member(session, as_link, MemberCreate(
            phone=claimant.phone, name=data.name, consent_marketing=data.consent_marketing))
    elif member.status != MemberStatus.ACTIVE:
        raise Invalid("invalid_card")
    _refuse_self_referral(session, link.staff_id, member)
    coupon = _hand_out(session, template, member, link.merchant_id, link.store_id, link.staff_id, link,
                       claimed=True, referrer_member_id=_sharer(session, link, member))
    return coupon, created


def _sharer(session: Session, link: ClaimLink, member: Member) -> int | None:
    """The member whose share link this is (分销), unless the claimant is that same person (their own link, the
    same phone, or merged one into the other): sharing with oneself earns nothing, the coupon is still theirs."""
    if link.sharer_member_id is None:
        return None
    sharer = session.get(Member, link.sharer_member_id)
    if sharer is None or distribution_domain.is_self_referral(
            distribution_domain.Person(sharer.id, sharer.phone_hash, sharer.merged_into_id),
            distribution_domain.Person(member.id, member.phone_hash, member.merged_into_id)):
        return None
    return sharer.id


def claim_held(session: Session, actor: Principal, coupon_id: int) -> Coupon:
    """The member takes a coupon that was issued to them without being present (e.g. a gift package)."""
    coupon = repository.get_coupon(session, actor, coupon_id)
    if actor.role is not Role.MEMBER:
        raise Forbidden()
    if coupon.claimed_at is None:
        coupon.claimed_at = clock.now()
        session.flush()
    return coupon


def offered_to_members(template: CouponTemplate, owner: Merchant | None, now: datetime) -> bool:
    """Whether the template is a partner's own offer to the alliance's members (the partners list): not an
    agreement benefit (shown at the counter and redeemed there), of an active merchant, its window not over."""
    return (template.agreement_id is None and template.audience_merchant_id is None
            and owner is not None and owner.status == "active"
            and (template.valid_until is None or template.valid_until > now))


def claim_published(session: Session, actor: Principal, template_id: int) -> Coupon:
    """A member takes a partner's published offer with one tap from the partners list. Nobody referred them, so the
    coupon carries no referrer; the per-member limit, the stock and the pause apply as at the counter."""
    if actor.role is not Role.MEMBER:
        raise Forbidden()
    template = repository.get_template(session, actor, template_id)
    member = members_repo.get_member(session, actor, actor.member_id or 0)
    if member.status != MemberStatus.ACTIVE:
        raise Invalid("invalid_card")
    owner = session.get(Merchant, template.owner_merchant_id) if template.owner_merchant_id else None
    if not offered_to_members(template, owner, clock.now()):
        raise Refused(Problem.OFFER_NOT_CLAIMABLE)
    return _hand_out(session, template, member, None, None, None, None, claimed=True)


# --- at the till ---------------------------------------------------------------------------------------------


def _till_merchant(session: Session, actor: Principal, requested: int | None) -> Merchant:
    policy.require_staff_login(actor)
    merchant_id = actor.merchant_id if actor.is_merchant_side else requested
    if merchant_id is None:
        raise Invalid("validation_error", details={"merchant_id": "required"})
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    policy.require_serves(actor, merchant.id)
    return merchant


def _check(session: Session, coupon: Coupon, merchant: Merchant, store_id: int | None, member_id: int | None,
           bill_fen: int, at: datetime) -> tuple[CouponTemplate, int]:
    template = session.get(CouponTemplate, coupon.template_id)
    assert template is not None
    if coupon.alliance_id != merchant.alliance_id:
        raise Refused(Problem.COUPON_NOT_FOUND)
    held = domain.Held(
        member_id=coupon.member_id, valid_from=coupon.valid_from, valid_until=coupon.valid_until,
        uses_left=coupon.uses_left, min_spend_fen=template.min_spend_fen,
        where=domain.Where(Acceptance(template.acceptance), template.owner_merchant_id,
                           frozenset(template.accepted_merchant_ids), frozenset(template.accepted_store_ids)),
    )
    use = domain.Use(member_id=coupon.member_id if member_id is None else member_id, merchant_id=merchant.id,
                     store_id=store_id, merchant_active=merchant.status == "active", bill_fen=bill_fen, at=at)
    try:
        domain.check_use(held, use)
    except CouponRefused as refused:
        raise Refused(refused.code, min_spend=format_yuan(template.min_spend_fen)) from None
    value = domain.Value(domain.CouponKind(template.kind), template.amount_fen, template.percent_bp,
                         template.cap_fen, template.item_value_fen)
    return template, domain.discount_fen(value, bill_fen)


def validate(session: Session, actor: Principal, data: RedeemIn) -> tuple[Coupon, int]:
    """The same checks as a redemption, without using the coupon (dry run). Raises Refused with the reason."""
    merchant = _till_merchant(session, actor, data.merchant_id)
    store_id = _store_here(session, actor, merchant, data.store_id)
    coupon = repository.coupon_by_code(session, data.code.strip().upper())
    if coupon is None:
        raise Refused(Problem.COUPON_NOT_FOUND)
    _, discount = _check(session, coupon, merchant, store_id, data.member_id, data.bill_fen, clock.now())
    return coupon, discount


def _store_here(session: Session, actor: Principal, merchant: Merchant, store_id: int | None) -> int | None:
    store_id = store_id or actor.store_id
    if store_id is not None and merchants_repo.get_store(session, actor, store_id).merchant_id != merchant.id:
        raise Invalid("wrong_merchant", what="store")
    return store_id


def redeem(session: Session, actor: Principal, data: RedeemIn) -> Redemption:
    """Use a coupon: the member arrives (到店). With an order id, the order is recorded too (成交)."""
    merchant = _till_merchant(session, actor, data.merchant_id)
    store_id = _store_here(session, actor, merchant, data.store_id)
    coupon = repository.coupon_by_code(session, data.code.strip().upper(), lock=True)
    if coupon is None:
        raise Refused(Problem.COUPON_NOT_FOUND)
    session.refresh(coupon)  # the locked row, not what this session saw before the lock
    return _use(session, actor, coupon, merchant, store_id, data.member_id, data.bill_fen, data.order_external_id,
                data.points_used)


def _use(session: Session, actor: Principal, coupon: Coupon, merchant: Merchant, store_id: int | None,
         member_id: int | None, bill_fen: int, order_external_id: str | None, points_used: int) -> Redemption:
    now = clock.now()
    template, discount = _check(session, coupon, merchant, store_id, member_id, bill_fen, now)
    use_no = template.uses_per_coupon - coupon.uses_left + 1
    coupon.uses_left -= 1
    if coupon.claimed_at is None:
        coupon.claimed_at = now
    redemption = Redemption(
        alliance_id=coupon.alliance_id, coupon_id=coupon.id, use_no=use_no, member_id=coupon.member_id,
        merchant_id=merchant.id, store_id=store_id, staff_id=actor.staff_id if actor.is_merchant_side else None,
        referrer_merchant_id=coupon.referrer_merchant_id, referrer_staff_id=coupon.referrer_staff_id,
        bill_fen=bill_fen, discount_fen=discount,
        cost_fen=domain.use_cost_fen(CouponKind(template.kind), discount, template.cost_to_merchant_fen),
        funded_by_merchant_id=template.funded_by_merchant_id, at=now,
        details={"template": template.name, "kind": template.kind},
    )
    session.add(redemption)
    members_service.join_on_arrival(session, coupon.member_id, merchant.id, alliance_id=merchant.alliance_id)
    session.flush()
    parties = [m for m in (template.owner_merchant_id, coupon.referrer_merchant_id, template.funded_by_merchant_id)
               if m is not None]
    webhooks.emit(session, coupon.alliance_id, merchant.id, EventType.COUPON_REDEEMED, {
        "redemption_id": redemption.id, "coupon_id": coupon.id, "template_id": template.id,
        "merchant_id": merchant.id, "store_id": store_id, "issuer_merchant_id": template.owner_merchant_id,
        "referrer_merchant_id": coupon.referrer_merchant_id, "bill_fen": bill_fen, "discount_fen": discount,
        "use_no": use_no, "redeemed_at": now.isoformat(),
    }, parties=parties, member_id=coupon.member_id)
    for told in partner_recipients(merchant.id, template.owner_merchant_id, coupon.referrer_merchant_id):
        notifications.notify_staff(session, StaffKind.COUPON_REDEEMED_AT_PARTNER, alliance_id=coupon.alliance_id,
                                   merchant_id=told, params={"coupon": template.name,
                                                             "partner_merchant_id": merchant.id},
                                   link="/console/coupons")
    paid = bill_fen - min(discount, bill_fen)
    if order_external_id is not None and paid > 0:
        _convert(session, actor, redemption, merchant, OrderCreate(
            external_id=order_external_id, member_id=coupon.member_id, amount_fen=paid, points_used=points_used,
            store_id=store_id, merchant_id=merchant.id))
    return redemption


def attach_order(session: Session, actor: Principal, redemption_id: int, data: AttachOrderIn) -> Redemption:
    """Record the order a referred member placed after arriving: the referral converts and pays its referrer."""
    redemption = repository.get_redemption(session, actor, redemption_id, lock=True)
    merchant = _till_merchant(session, actor, redemption.merchant_id)
    if merchant.id != redemption.merchant_id:
        raise NotFound("redemption")
    if redemption.order_id is not None:
        raise Conflict(Problem.ORDER_ALREADY_ATTACHED)
    _convert(session, actor, redemption, merchant, OrderCreate(
        external_id=data.external_id, member_id=redemption.member_id, amount_fen=data.amount_fen,
        points_used=data.points_used, stored_value_fen=data.stored_value_fen, items=data.items,
        store_id=redemption.store_id, merchant_id=merchant.id))
    return redemption


def _convert(session: Session, actor: Principal, redemption: Redemption, merchant: Merchant,
             order: OrderCreate) -> None:
    referred = order.model_copy(update={
        "referrer_merchant_id": redemption.referrer_merchant_id if redemption.referrer_merchant_id != merchant.id
        else None,
        "referrer_staff_id": redemption.referrer_staff_id if redemption.referrer_merchant_id != merchant.id
        else None,
        "merchant_id": None if actor.is_merchant_side else merchant.id,
    })
    coupon = session.get(Coupon, redemption.coupon_id)
    assert coupon is not None
    recorded = orders_service.record_order(session, actor, referred, referred_at=coupon.issued_at)
    redemption.order_id = recorded.id
    session.flush()


# --- rights exchange (权益互换) ----------------------------------------------------------------------------------


def counter_view(session: Session, actor: Principal, member: Member) -> tuple[list[CouponTemplate],
                                                                              list[tuple[Coupon, CouponTemplate]]]:
    """For the counter: the benefits this merchant offers this member (as a partner's member), and the member's
    coupons usable here now."""
    merchant = _till_merchant(session, actor, None)
    partners = members_repo.merchants_of_member(session, member)
    benefits = repository.benefits_for(session, merchant.alliance_id, merchant.id, partners - {merchant.id},
                                       clock.today_in_shanghai())
    now = clock.now()
    usable = []
    for coupon, template in repository.usable_coupons(session, member.alliance_id, member.id):
        try:
            _check(session, coupon, merchant, actor.store_id, member.id, template.min_spend_fen, now)
        except Refused:
            continue
        usable.append((coupon, template))
    return benefits, usable


def redeem_benefit(session: Session, actor: Principal, template_id: int, data: BenefitRedeemIn) -> Redemption:
    """A partner's member uses a benefit here: the benefit is handed out as a coupon attributed to the partner that
    sent the member (its guide if it enrolled them), then used at once."""
    merchant = _till_merchant(session, actor, None)
    template = repository.get_template(session, actor, template_id)
    member = members_service.resolve_card(session, data)
    if member.alliance_id != merchant.alliance_id:
        raise Invalid("invalid_card")
    partners = members_repo.merchants_of_member(session, member)
    offered = {t.id for t in repository.benefits_for(session, merchant.alliance_id, merchant.id,
                                                      partners - {merchant.id}, clock.today_in_shanghai())}
    if template.id not in offered or template.audience_merchant_id is None:
        raise Refused(Problem.NOT_A_BENEFIT)
    sender = template.audience_merchant_id
    staff_id = member.origin_staff_id if member.origin_merchant_id == sender else None
    coupon = _hand_out(session, template, member, sender, None, staff_id, None, claimed=True)
    return _use(session, actor, coupon, merchant, actor.store_id, member.id, data.bill_fen, data.order_external_id,
                data.points_used)


def alliance_rule(session: Session, alliance_id: int) -> tuple[domain.AttributionRule, int]:
    alliance = session.get(Alliance, alliance_id)
    assert alliance is not None
    return domain.AttributionRule(alliance.attribution_rule), alliance.attribution_window_days
