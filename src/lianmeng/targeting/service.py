"""Targeted partner offers: use cases. Creating and cancelling an offer, and the member's offer page; the send
job's steps live in sending.py. Services flush, never commit: the request or the job commits once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.audiences.service import select_members
from lianmeng.coupons import repository as coupons_repo
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.kit import clock
from lianmeng.kit.errors import Invalid, NotFound
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant, Store
from lianmeng.targeting import domain, repository
from lianmeng.targeting.domain import OfferStatus
from lianmeng.targeting.errors import Problem
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.targeting.schemas import OfferCreate
from lianmeng.targeting.sending import SendStep, send_due
from lianmeng.tenancy import Principal, policy

__all__ = ["SendStep", "cancel_offer", "claim_offer", "create_offer", "open_offer", "send_due"]


def create_offer(session: Session, p: Principal, data: OfferCreate, key: str | None = None,
                 at: datetime | None = None) -> TargetedOffer:
    """Checks everything before writing anything: the sender's own audience (else 404), a partner's template of
    an active agreement (else 422), a holdout of 0–50% (else 422), and at least one member who may receive it
    (else 422). With an Idempotency-Key already used by this merchant, the offer it created is returned."""
    merchant_id = policy.require_offer_sender(p)
    if key is not None and (existing := repository.offer_by_key(session, merchant_id, key)) is not None:
        return existing
    now = at or clock.now()
    audience = repository.own_audience(session, p.alliance_id, merchant_id, data.audience_id)
    found = repository.partner_offers(session, p.alliance_id, merchant_id, clock.today_in_shanghai(now),
                                      data.template_id)
    if not found:
        raise Invalid(Problem.OFFER_PARTNER_NOT_AGREED)
    try:
        domain.check_holdout(data.holdout_bp)
    except ValueError:
        raise Invalid(Problem.OFFER_HOLDOUT_RANGE) from None
    eligible = session.scalar(select(func.count()).select_from(Member).where(
        Member.id.in_(select_members(session, audience)), repository.may_receive())) or 0
    if eligible == 0:
        raise Invalid(Problem.OFFER_AUDIENCE_NO_CONSENT)
    chosen = found[0]
    offer = TargetedOffer(
        alliance_id=audience.alliance_id, merchant_id=merchant_id, partner_merchant_id=chosen.partner.id,
        template_id=chosen.template.id, agreement_id=chosen.agreement.id, audience_id=audience.id,
        name=data.name.strip(), message=data.message.strip(), channel=data.channel.value,
        scheduled_at=data.scheduled_at or now, holdout_bp=data.holdout_bp, random_arm=data.random_arm,
        seed=secrets.token_hex(16), attribution_days=data.attribution_days, status=OfferStatus.SCHEDULED.value,
        idempotency_key=key, created_by_user_id=p.id if p.kind == "user" else None,
    )
    session.add(offer)
    session.flush()
    return offer


def cancel_offer(session: Session, p: Principal, offer_id: int, at: datetime | None = None) -> TargetedOffer:
    """Stop an offer before it finishes: nothing more is sent (what was sent stays sent)."""
    offer = repository.get_offer(session, p, offer_id, lock=True)
    if not p.is_operator:
        policy.require_offer_sender(p)
    if offer.status not in domain.OPEN_STATUSES:
        raise Invalid(Problem.OFFER_CLOSED)
    offer.status = OfferStatus.CANCELLED.value
    offer.finished_at = at or clock.now()
    session.flush()
    return offer


@dataclass(frozen=True)
class OfferPage:
    """What the member's offer page shows: whose coupon, who recommends it, where it is accepted. No data of any
    other member; the member is identified by the token alone."""

    recipient: OfferRecipient
    offer: TargetedOffer
    template: CouponTemplate
    coupon: Coupon
    sender: Merchant
    partner: Merchant
    places: list[tuple[Merchant, Store]]


def _page(session: Session, recipient: OfferRecipient | None) -> OfferPage:
    if recipient is None or recipient.coupon_id is None:
        raise NotFound("offer_page")
    offer = session.get(TargetedOffer, recipient.offer_id)
    coupon = session.get(Coupon, recipient.coupon_id)
    assert offer is not None and coupon is not None
    template = session.get(CouponTemplate, offer.template_id)
    sender = session.get(Merchant, offer.merchant_id)
    partner = session.get(Merchant, offer.partner_merchant_id)
    assert template is not None and sender is not None and partner is not None
    return OfferPage(recipient, offer, template, coupon, sender, partner,
                     coupons_repo.accepting_stores(session, template))


def open_offer(session: Session, token: str, at: datetime | None = None) -> OfferPage:
    """The member opened the offer page: the first visit is recorded (opened_at), later ones change nothing."""
    page = _page(session, repository.recipient_by_token(session, token))
    if page.recipient.opened_at is None:
        page.recipient.opened_at = at or clock.now()
        session.flush()
    return page


def claim_offer(session: Session, token: str, at: datetime | None = None) -> OfferPage:
    """The member keeps the coupon (领取): recipient and coupon are marked claimed, once."""
    now = at or clock.now()
    page = _page(session, repository.recipient_by_token(session, token, lock=True))
    page.recipient.opened_at = page.recipient.opened_at or now
    page.recipient.claimed_at = page.recipient.claimed_at or now
    page.coupon.claimed_at = page.coupon.claimed_at or now
    session.flush()
    return page
