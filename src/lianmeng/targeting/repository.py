"""Queries of targeted offers, scoped by the caller through tenancy.policy (the public /o/{token} lookup and the
send job's queries excepted: they act for nobody in particular)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.audiences.models import Audience
from lianmeng.coupons.models import CouponTemplate
from lianmeng.kit.errors import NotFound
from lianmeng.members.domain import MemberStatus
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped

ACTIVE = "active"


def may_receive() -> ColumnElement[bool]:
    """Members an offer may be sent to now (consent, no refusal, active); the cap is checked when sending."""
    return and_(Member.consent_marketing.is_(True), Member.offers_refused.is_(False),
                Member.status == MemberStatus.ACTIVE.value)


def list_offers(p: Principal, *, status: str | None = None) -> Select[Any]:
    stmt = select(TargetedOffer).where(policy.targeted_offers(p))
    if status is not None:
        stmt = stmt.where(TargetedOffer.status == status)
    return stmt.order_by(TargetedOffer.id.desc())


def get_offer(session: Session, p: Principal, offer_id: int, *, lock: bool = False) -> TargetedOffer:
    return get_scoped(session, TargetedOffer, offer_id, policy.targeted_offers(p), "targeted_offer", lock=lock)


def offer_by_key(session: Session, merchant_id: int, key: str) -> TargetedOffer | None:
    return session.scalars(select(TargetedOffer).where(TargetedOffer.merchant_id == merchant_id,
                                                       TargetedOffer.idempotency_key == key)).first()


def own_audience(session: Session, alliance_id: int | None, merchant_id: int, audience_id: int) -> Audience:
    """The merchant's own live audience; anyone else's answers exactly like a missing one."""
    audience = session.scalars(select(Audience).where(
        Audience.id == audience_id, Audience.merchant_id == merchant_id, Audience.alliance_id == alliance_id,
        Audience.archived.is_(False))).first()
    if audience is None:
        raise NotFound("audience")
    return audience


def own_audiences(session: Session, alliance_id: int | None, merchant_id: int) -> list[Audience]:
    return list(session.scalars(select(Audience).where(Audience.alliance_id == alliance_id,
                                                       Audience.merchant_id == merchant_id,
                                                       Audience.archived.is_(False)).order_by(Audience.name)))


def _agreed(merchant_id: int, today: date) -> Any:
    """Templates of partners of an ACTIVE, current, two-party agreement with `merchant_id`."""
    owner = CouponTemplate.owner_merchant_id
    parties = or_(and_(Agreement.merchant_a_id == merchant_id, Agreement.merchant_b_id == owner),
                  and_(Agreement.merchant_b_id == merchant_id, Agreement.merchant_a_id == owner))
    return and_(Agreement.id == CouponTemplate.agreement_id, Agreement.status == ACTIVE, parties,
                Agreement.alliance_id == CouponTemplate.alliance_id, Agreement.valid_from <= today,
                or_(Agreement.valid_until.is_(None), Agreement.valid_until >= today),
                CouponTemplate.owner_merchant_id != merchant_id, CouponTemplate.status == ACTIVE)


@dataclass(frozen=True)
class PartnerOffer:
    template: CouponTemplate
    agreement: Agreement
    partner: Merchant


def partner_offers(session: Session, alliance_id: int | None, merchant_id: int, today: date,
                   template_id: int | None = None) -> list[PartnerOffer]:
    """The coupon templates a merchant may send: its partners' templates of active agreements with it."""
    stmt = (select(CouponTemplate, Agreement, Merchant)
            .join(Agreement, _agreed(merchant_id, today))
            .join(Merchant, and_(Merchant.id == CouponTemplate.owner_merchant_id,
                                 Merchant.alliance_id == CouponTemplate.alliance_id))
            .where(CouponTemplate.alliance_id == alliance_id))
    if template_id is not None:
        stmt = stmt.where(CouponTemplate.id == template_id)
    return [PartnerOffer(t, a, m) for t, a, m in session.execute(stmt.order_by(Merchant.name, CouponTemplate.id))]


@dataclass(frozen=True)
class DeliveryCount:
    arm: str
    status: str
    skip_reason: str | None
    count: int


def delivery_counts(session: Session, alliance_id: int | None, offer_ids: list[int]) -> dict[int, list[DeliveryCount]]:
    """Recipients per offer, arm, status and skip reason: counts only, never who."""
    out: dict[int, list[DeliveryCount]] = {offer_id: [] for offer_id in offer_ids}
    if not offer_ids:
        return out
    rows = session.execute(
        select(OfferRecipient.offer_id, OfferRecipient.arm, OfferRecipient.status, OfferRecipient.skip_reason,
               func.count())
        .where(OfferRecipient.alliance_id == alliance_id, OfferRecipient.offer_id.in_(offer_ids))
        .group_by(OfferRecipient.offer_id, OfferRecipient.arm, OfferRecipient.status, OfferRecipient.skip_reason)
        .order_by(OfferRecipient.offer_id, OfferRecipient.arm, OfferRecipient.status, OfferRecipient.skip_reason))
    for offer_id, arm, status, reason, count in rows:
        out[offer_id].append(DeliveryCount(arm, status, reason, int(count)))
    return out


def recipient_by_token(session: Session, token: str, *, lock: bool = False) -> OfferRecipient | None:
    if not token or len(token) > 40:
        return None
    stmt = select(OfferRecipient).where(OfferRecipient.token == token)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def merchant_names(session: Session, alliance_id: int | None, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {int(i): str(n) for i, n in session.execute(select(Merchant.id, Merchant.name).where(
        Merchant.alliance_id == alliance_id, Merchant.id.in_(ids)))}
