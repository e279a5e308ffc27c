"""Use cases for members: enrol (issue the alliance card), update, enrol at another merchant, card QR."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import OneTimeCode
from lianmeng.db import insert_once
from lianmeng.kit import clock, crypto, ids
from lianmeng.kit.errors import Conflict, Forbidden, Invalid
from lianmeng.members import domain, repository
from lianmeng.members.domain import Tier
from lianmeng.members.errors import Problem
from lianmeng.members.models import Member, Membership
from lianmeng.members.schemas import CardOut, CardRef, MemberCreate, MembershipCreate, MemberUpdate, SelfUpdate
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal, policy
from lianmeng.values import repository as values_repo

QR_PURPOSE = "alliance-card-qr"


def _set_phone(member: Member, phone: str) -> None:
    """A different number is not proven yet: its holder proves it with a code (`phone_verified_at`)."""
    new_hash = repository.phone_hash(member.alliance_id, phone)
    if member.phone_hash not in repository.phone_hashes(member.alliance_id, phone):
        member.phone_verified_at = None
    member.phone_enc = crypto.encrypt(phone)
    member.phone_hash = new_hash
    member.phone_masked = crypto.mask_phone(phone)


def _new_card_no(session: Session) -> str:
    while True:
        card_no = ids.new_card_number()
        if not repository.card_taken(session, card_no):
            return card_no


def _origin(session: Session, actor: Principal, data: MemberCreate) -> tuple[int | None, int | None, int | None]:
    """Who brought the member (归属): the enrolling merchant, or as the operator says."""
    merchant_id = actor.merchant_id if actor.is_merchant_side else data.origin_merchant_id
    store_id = data.origin_store_id or (actor.store_id if actor.is_merchant_side else None)
    staff_id = data.origin_staff_id or (actor.staff_id if actor.is_merchant_side else None)
    if merchant_id is not None:
        merchant = merchants_repo.get_merchant(session, actor, merchant_id)
        if merchant.status != "active":
            raise Invalid("merchant_suspended")
    if store_id is not None:
        store = merchants_repo.get_store(session, actor, store_id)
        if store.merchant_id != merchant_id:
            raise Invalid("wrong_merchant", what="store")
    if staff_id is not None:
        staff = merchants_repo.get_staff(session, actor, staff_id)
        if staff.merchant_id != merchant_id:
            raise Invalid("wrong_merchant", what="staff")
    return merchant_id, store_id, staff_id


def enrol_member(session: Session, actor: Principal, data: MemberCreate) -> Member:
    """Issue an alliance card. One card per phone per alliance: a second enrolment is refused without
    revealing anything about the existing holder. A phone still pending its claim code (`domain.PENDING`) is
    enrolled in place: the card is issued now, with the consent given now."""
    if actor.role is Role.MEMBER or actor.alliance_id is None:
        raise Forbidden()
    if actor.is_merchant_side:
        policy.require_serves(actor, actor.merchant_id or 0)
    existing = repository.member_by_phone(session, actor.alliance_id, data.phone)
    if existing is not None and existing.status != domain.PENDING:
        raise Conflict(Problem.MEMBER_EXISTS)
    merchant_id, store_id, staff_id = _origin(session, actor, data)
    now = clock.now()
    member = existing or Member(alliance_id=actor.alliance_id, card_no=_new_card_no(session), qr_version=1)
    member.name, member.birth_year, member.gender, member.status = (
        data.name, data.birth_year, data.gender.value, domain.MemberStatus.ACTIVE.value)
    member.consent_marketing = data.consent_marketing
    member.consent_marketing_at = now if data.consent_marketing else None
    member.consent_data_sharing = data.consent_data_sharing
    member.consent_data_sharing_at = now if data.consent_data_sharing else None
    member.origin_merchant_id, member.origin_store_id, member.origin_staff_id = merchant_id, store_id, staff_id
    if existing is None:
        _set_phone(member, data.phone)
        session.add(member)
    session.flush()
    if merchant_id is not None:
        session.add(
            Membership(alliance_id=member.alliance_id,
                       member_id=member.id, merchant_id=merchant_id, tier=data.tier, external_id=data.external_id,
                       joined_at=now)
        )
        session.flush()
    return member


def phone_to_prove(session: Session, alliance_id: int, phone: str) -> Member:
    """The holder of this phone in the alliance, or a pending row (`domain.PENDING`) made so that a one-time code
    can be sent to it before anything else is recorded. Two first requests at once for one phone make one row."""
    existing = repository.member_by_phone(session, alliance_id, phone)
    if existing is not None:
        return existing
    member = Member(alliance_id=alliance_id, card_no=_new_card_no(session), qr_version=1, status=domain.PENDING)
    _set_phone(member, phone)
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        raced = repository.member_by_phone(session, alliance_id, phone)
        if raced is None:
            raise
        return raced
    return member


def purge_unconfirmed(session: Session, at: datetime | None = None, alliance_id: int | None = None) -> int:
    """Forget phones nobody proved: pending rows (of one alliance, or of all) older than
    `domain.UNCONFIRMED_HOURS`, with their codes."""
    before = (at or clock.now()) - timedelta(hours=domain.UNCONFIRMED_HOURS)
    stale = repository.unconfirmed_before(session, before, alliance_id)
    if not stale:
        return 0
    session.execute(delete(OneTimeCode).where(OneTimeCode.member_id.in_(stale)))
    session.execute(delete(Member).where(Member.id.in_(stale), Member.status == domain.PENDING))
    session.flush()
    return len(stale)


def _apply_consents(member: Member, marketing: bool | None, sharing: bool | None) -> None:
    now = clock.now()
    if marketing is not None and marketing != member.consent_marketing:
        member.consent_marketing = marketing
        member.consent_marketing_at = now
    if sharing is not None and sharing != member.consent_data_sharing:
        member.consent_data_sharing = sharing
        member.consent_data_sharing_at = now
    if marketing is not None and sharing is not None and member.consents_answered_at is None:
        member.consents_answered_at = now


def update_member(session: Session, actor: Principal, member_id: int, data: MemberUpdate) -> Member:
    member = repository.get_member(session, actor, member_id)
    policy.require_staff_login(actor)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("status") is not None:
        policy.require_operator(actor)
        member.status = changes["status"]
    if changes.get("phone"):
        other = repository.member_by_phone(session, member.alliance_id, changes["phone"])
        if other is not None and other.id != member.id:
            raise Conflict(Problem.MEMBER_EXISTS)
        _set_phone(member, changes["phone"])
    if changes.get("origin_store_id") is not None:
        _set_origin_store(session, actor, member, changes["origin_store_id"])
    _apply_profile(member, changes)
    session.flush()
    return member


def _set_origin_store(session: Session, actor: Principal, member: Member, store_id: int) -> None:
    """The enrolling store is the origin merchant's to say (or the operator's): one of that merchant's stores."""
    if member.origin_merchant_id is None or not (actor.is_operator or actor.merchant_id == member.origin_merchant_id):
        raise Forbidden()
    store = merchants_repo.get_store(session, actor, store_id)
    if store.merchant_id != member.origin_merchant_id:
        raise Invalid("wrong_merchant", what="store")
    member.origin_store_id = store.id


def update_self(session: Session, actor: Principal, data: SelfUpdate) -> Member:
    member = repository.get_member(session, actor, actor.member_id or 0)
    _apply_profile(member, data.model_dump(exclude_unset=True))
    session.flush()
    return member


def _apply_profile(member: Member, changes: dict[str, Any]) -> None:
    """Name and birth year may be cleared (null); gender and consents only changed."""
    for field in ("name", "birth_year"):
        if field in changes:
            setattr(member, field, changes[field])
    if changes.get("gender") is not None:
        member.gender = changes["gender"]
    _apply_consents(member, changes.get("consent_marketing"), changes.get("consent_data_sharing"))


# --- the card -------------------------------------------------------------------------------------------


def qr_payload(member: Member) -> str:
    message = domain.qr_message(member.card_no, member.qr_version)
    return f"{message}.{crypto.sign(message, QR_PURPOSE)}"


def member_from_qr(session: Session, payload: str) -> Member:
    """The member a scanned QR belongs to; forged, guessed or superseded (reissued) codes are refused."""
    parsed = domain.parse_qr_payload(payload)
    if parsed is None:
        raise Invalid(Problem.INVALID_CARD)
    card_no, version, signature = parsed
    if not crypto.verify(domain.qr_message(card_no, version), signature, QR_PURPOSE):
        raise Invalid(Problem.INVALID_CARD)
    holder = repository.card_holder(session, card_no)
    if holder is None or holder.qr_version != version:
        raise Invalid(Problem.INVALID_CARD)
    member = repository.survivor_of(session, holder)  # a merged member's QR serves its survivor
    if member.status != "active":
        raise Invalid(Problem.INVALID_CARD)
    return member


def card_of(session: Session, actor: Principal, member_id: int) -> CardOut:
    member = repository.get_member(session, actor, member_id)
    show_qr = actor.is_operator or actor.member_id == member.id
    return CardOut(
        card_no=member.card_no, card_no_display=ids.format_card_number(member.card_no),
        qr_payload=qr_payload(member) if show_qr else None, qr_version=member.qr_version,
    )


def reissue_card(session: Session, actor: Principal, member_id: int) -> Member:
    """Invalidate the old QR (lost phone, leaked screenshot): bump its version; member tokens end too."""
    member = repository.get_member(session, actor, member_id)
    if not (actor.is_operator or actor.member_id == member.id):
        raise Forbidden()
    member.qr_version += 1
    session.flush()
    return member


def resolve_card(session: Session, ref: CardRef) -> Member:
    if ref.qr_payload:
        return member_from_qr(session, ref.qr_payload)
    if ref.card_no and ids.is_valid_card_number(ref.card_no):
        member = repository.member_by_card(session, ref.card_no)
        if member is not None and member.status != domain.PENDING:
            return member
    raise Invalid(Problem.INVALID_CARD)


def join_on_arrival(session: Session, member_id: int, merchant_id: int, *, alliance_id: int) -> Membership:
    """A member who arrives at a partner with its coupon becomes that merchant's customer too (the point of being
    referred): enrolled there if not yet, so the merchant can serve and record orders for them. Two tills
    redeeming the same member's coupons at once enrol them once; the second waits for the first and joins it."""
    membership = repository.membership_of(session, alliance_id, member_id, merchant_id)
    if membership is not None:
        return membership
    joining = Membership(alliance_id=alliance_id,
                         member_id=member_id, merchant_id=merchant_id, tier=Tier.STANDARD, joined_at=clock.now())
    if insert_once(session, joining):
        return joining
    membership = repository.membership_of(session, alliance_id, member_id, merchant_id)
    if membership is None:
        raise Conflict("conflict")
    return membership


def enrol_at_merchant(session: Session, actor: Principal, data: MembershipCreate) -> Membership:
    """An existing card holder, who shows the card at the counter, joins this merchant's membership."""
    merchant_id = actor.merchant_id if actor.is_merchant_side else data.merchant_id
    if merchant_id is None:
        raise Invalid("validation_error", details={"merchant_id": "required"})
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    policy.require_serves(actor, merchant.id)
    member = resolve_card(session, data)
    if member.alliance_id != merchant.alliance_id:
        raise Invalid(Problem.INVALID_CARD)
    if repository.membership_of(session, member.alliance_id, member.id, merchant.id) is not None:
        raise Conflict(Problem.MEMBERSHIP_EXISTS)
    membership = Membership(
        alliance_id=member.alliance_id,
        member_id=member.id, merchant_id=merchant.id, tier=data.tier, external_id=data.external_id,
        joined_at=clock.now(),
    )
    session.add(membership)
    session.flush()
    return membership


def update_membership(
    session: Session, actor: Principal, membership_id: int, tier: str | None, external_id: str | None
) -> Membership:
    membership = repository.get_membership(session, actor, membership_id)
    policy.require_manages(actor, membership.merchant_id)
    if tier is not None:
        membership.tier = tier
    if external_id is not None:
        membership.external_id = external_id
    session.flush()
    return membership


def phone_lookup_hashes(actor: Principal, raw_phone: str) -> tuple[str, ...]:
    """The hashes a member of this phone may be stored under (current and retired keys), for `list_members`."""
    phone = domain.normalize_phone(raw_phone)
    if phone is None or actor.alliance_id is None:
        raise Invalid(Problem.INVALID_PHONE)
    return repository.phone_hashes(actor.alliance_id, phone)



def list_filters(actor: Principal, *, merchant_id: int | None = None, tier: str | None = None,
                 value: str | None = None, stars: int | None = None) -> dict[str, Any]:
    """The member list's filters (the console's and GET /members') as `repository.list_members` arguments. A
    merchant's tier and value class are its own (never another merchant's view of the member); the operator's are
    at the merchant it picked (`merchant_id`), or at any merchant / alliance-wide without one. The caller's scoping
    (policy.members) always applies on top."""
    at = actor.merchant_id if actor.is_merchant_side else merchant_id
    kwargs: dict[str, Any] = {}
    if merchant_id is not None:
        kwargs["merchant_id"] = merchant_id
    if tier:
        kwargs |= {"tier": tier, "tier_merchant_id": at}
    among = []
    if actor.alliance_id is not None and value:
        among.append(values_repo.members_in_class(actor.alliance_id, at, value))
    if actor.alliance_id is not None and stars:
        among.append(values_repo.members_with_stars(actor.alliance_id, stars))
    if among:
        kwargs["among"] = among
    return kwargs


def alliances_with_unconfirmed(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with unproved phones older than `domain.UNCONFIRMED_HOURS`."""
    return repository.alliances_with_unconfirmed(
        session, (at or clock.now()) - timedelta(hours=domain.UNCONFIRMED_HOURS))
