"""Campaign queries: rows scoped by tenancy.policy, report figures as grouped statements (GROUP BY in SQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session

from lianmeng.campaigns.models import (
    Campaign,
    CampaignCost,
    CampaignCoupon,
    CampaignMerchant,
    CampaignRegistration,
    GiftPackage,
)
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import CouponTemplate, Redemption
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped


def get_campaign(session: Session, p: Principal, campaign_id: int, *, lock: bool = False) -> Campaign:
    return get_scoped(session, Campaign, campaign_id, policy.campaigns(p), "campaign", lock=lock)


def list_campaigns(p: Principal, *, status: str | None = None) -> Select[Any]:
    stmt = select(Campaign).where(policy.campaigns(p))
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    return stmt.order_by(Campaign.starts_at.desc(), Campaign.id.desc())


def participants(session: Session, campaign: Campaign) -> list[CampaignMerchant]:
    return participants_of(session, campaign.alliance_id, [campaign.id]).get(campaign.id, [])


def participants_of(session: Session, alliance_id: int | None, campaign_ids: list[int]
                    ) -> dict[int, list[CampaignMerchant]]:
    """The participating merchants of several campaigns in one query (campaign id → participants, by id): the one
    definition the campaign list and each campaign's page both read."""
    found: dict[int, list[CampaignMerchant]] = {}
    if not campaign_ids:
        return found
    for row in session.scalars(select(CampaignMerchant).where(CampaignMerchant.alliance_id == alliance_id,
                                                                 CampaignMerchant.campaign_id.in_(campaign_ids))
                               .order_by(CampaignMerchant.id)):
        found.setdefault(row.campaign_id, []).append(row)
    return found


def participant(session: Session, campaign: Campaign, merchant_id: int | None) -> CampaignMerchant | None:
    if merchant_id is None:
        return None
    return session.scalars(select(CampaignMerchant).where(CampaignMerchant.alliance_id == campaign.alliance_id,
                                                          CampaignMerchant.campaign_id == campaign.id,
                                                          CampaignMerchant.merchant_id == merchant_id)).first()


def costs(session: Session, campaign_id: int) -> list[CampaignCost]:
    return list(session.scalars(select(CampaignCost).where(CampaignCost.campaign_id == campaign_id)
                                .order_by(CampaignCost.id)))


def get_registration(session: Session, p: Principal, registration_id: int, *,
                     lock: bool = False) -> CampaignRegistration:
    return get_scoped(session, CampaignRegistration, registration_id, policy.campaign_registrations(p),
                      "campaign_registration", lock=lock)


def registration_of(session: Session, campaign_id: int, member_id: int) -> CampaignRegistration | None:
    return session.scalars(select(CampaignRegistration).where(CampaignRegistration.campaign_id == campaign_id,
                                                              CampaignRegistration.member_id == member_id)).first()


def list_registrations(p: Principal, campaign_id: int) -> Select[Any]:
    return (select(CampaignRegistration)
            .where(CampaignRegistration.campaign_id == campaign_id, policy.campaign_registrations(p))
            .order_by(CampaignRegistration.id))


def registrations_with_members(session: Session, p: Principal,
                               campaign_id: int) -> list[tuple[CampaignRegistration, Member]]:
    """The campaign's registrations the caller may see, each with its member (the campaign page's list)."""
    stmt = (select(CampaignRegistration, Member).join(Member, Member.id == CampaignRegistration.member_id)
            .where(CampaignRegistration.campaign_id == campaign_id, policy.campaign_registrations(p))
            .order_by(CampaignRegistration.id))
    return [(r, m) for r, m in session.execute(stmt)]


def claimed_packages(session: Session, campaign_id: int) -> set[tuple[int, int]]:
    """(package id, member id) pairs already handed out in the campaign."""
    rows = session.execute(select(CampaignCoupon.package_id, CampaignCoupon.member_id)
                           .where(CampaignCoupon.campaign_id == campaign_id).distinct())
    return {(int(package), int(member)) for package, member in rows}


def participant_templates(session: Session, p: Principal, campaign_id: int) -> list[CouponTemplate]:
    """Active coupon templates the caller sees that belong to the campaign's participating merchants."""
    owners = select(CampaignMerchant.merchant_id).where(CampaignMerchant.campaign_id == campaign_id)
    stmt = (select(CouponTemplate).where(policy.coupon_templates(p), CouponTemplate.owner_merchant_id.in_(owners),
                                         CouponTemplate.status == "active")
            .order_by(CouponTemplate.owner_merchant_id, CouponTemplate.id))
    return list(session.scalars(stmt))


def alliance_merchants(session: Session, alliance_id: int) -> list[Merchant]:
    return list(session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id).order_by(Merchant.id)))


def open_campaigns(session: Session, alliance_id: int, now: datetime) -> list[Campaign]:
    """The alliance's active campaigns not yet over: what a member may register for (their names and dates are
    public to the alliance's members; the figures are not)."""
    return list(session.scalars(select(Campaign).where(Campaign.alliance_id == alliance_id,
                                                       Campaign.status == "active", Campaign.ends_at > now)
                                .order_by(Campaign.starts_at, Campaign.id)))


def registrations_of_member(session: Session, member_id: int) -> dict[int, CampaignRegistration]:
    """campaign id → the member's registration."""
    return {r.campaign_id: r for r in session.scalars(
        select(CampaignRegistration).where(CampaignRegistration.member_id == member_id))}


def get_package(session: Session, p: Principal, package_id: int) -> GiftPackage:
    return get_scoped(session, GiftPackage, package_id, policy.campaign_children(p, GiftPackage.campaign_id),
                      "gift_package")


def list_packages(p: Principal, campaign_id: int) -> Select[Any]:
    return (select(GiftPackage)
            .where(GiftPackage.campaign_id == campaign_id, policy.campaign_children(p, GiftPackage.campaign_id))
            .order_by(GiftPackage.id))


def package_claimed(session: Session, package_id: int, member_id: int) -> bool:
    return session.scalars(select(CampaignCoupon.id).where(CampaignCoupon.package_id == package_id,
                                                           CampaignCoupon.member_id == member_id)).first() is not None


# --- report ---------------------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return int(value or 0)


def registration_counts(session: Session, campaign: Campaign) -> tuple[int, int]:
    return registration_counts_of(session, campaign.alliance_id, [campaign.id]).get(campaign.id, (0, 0))


def registration_counts_of(session: Session, alliance_id: int | None, campaign_ids: list[int]
                           ) -> dict[int, tuple[int, int]]:
    """campaign id → (registered, checked in), one grouped query: the list and the report read the same counts."""
    if not campaign_ids:
        return {}
    rows = session.execute(select(CampaignRegistration.campaign_id, func.count(CampaignRegistration.id),
                                  func.count(CampaignRegistration.checked_in_at))
                           .where(CampaignRegistration.alliance_id == alliance_id,
                                  CampaignRegistration.campaign_id.in_(campaign_ids))
                           .group_by(CampaignRegistration.campaign_id))
    return {int(c): (_int(n), _int(k)) for c, n, k in rows}


def participants_by_merchant(session: Session, campaign: Campaign) -> dict[int, int]:
    """Registered members who checked in at the merchant, or arrived there with a package coupon in the window."""
    registered = select(CampaignRegistration.member_id).where(CampaignRegistration.campaign_id == campaign.id)
    checked_in = select(CampaignRegistration.checked_in_merchant_id.label("merchant_id"),
                        CampaignRegistration.member_id.label("member_id")).where(
        CampaignRegistration.campaign_id == campaign.id, CampaignRegistration.checked_in_merchant_id.is_not(None))
    arrived = (select(Redemption.merchant_id.label("merchant_id"), Redemption.member_id.label("member_id"))
               .join(CampaignCoupon, CampaignCoupon.coupon_id == Redemption.coupon_id)
               .where(CampaignCoupon.campaign_id == campaign.id, Redemption.member_id.in_(registered),
                      Redemption.at >= campaign.starts_at, Redemption.at < campaign.ends_at))
    both = union_all(checked_in, arrived).subquery()
    rows = session.execute(select(both.c.merchant_id, func.count(func.distinct(both.c.member_id)))
                           .group_by(both.c.merchant_id))
    return {int(m): _int(n) for m, n in rows}


def _campaign_orders(campaign: Campaign) -> Select[Any]:
    registered = select(CampaignRegistration.member_id).where(CampaignRegistration.campaign_id == campaign.id)
    return select(Order.id).where(Order.member_id.in_(registered), Order.occurred_at >= campaign.starts_at,
                                  Order.occurred_at < campaign.ends_at)


def conversions_by_merchant(session: Session, campaign: Campaign) -> dict[int, tuple[int, int]]:
    """merchant → (conversions, revenue net of refunds): redemptions with an order by registered members."""
    rows = session.execute(
        select(Redemption.merchant_id, func.count(Redemption.id), func.sum(Order.amount_fen - Order.refunded_fen))
        .join(Order, Order.id == Redemption.order_id)
        .where(Order.id.in_(_campaign_orders(campaign)))
        .group_by(Redemption.merchant_id))
    return {int(m): (_int(n), _int(fen)) for m, n, fen in rows}


def commissions_by_merchant(session: Session, campaign: Campaign) -> tuple[dict[int, int], dict[int, int]]:
    """(earned: merchant payee → net fen, owed: payer merchant → net fen) on registered members' orders."""
    net = func.sum(Rebate.amount_fen - Rebate.reversed_fen)
    orders = _campaign_orders(campaign)
    earned = session.execute(select(Rebate.payee_id, net).where(
        Rebate.payee_type == "merchant", Rebate.order_id.in_(orders)).group_by(Rebate.payee_id))
    owed = session.execute(select(Rebate.payer_merchant_id, net).where(Rebate.order_id.in_(orders))
                           .group_by(Rebate.payer_merchant_id))
    return {int(m): _int(fen) for m, fen in earned}, {int(m): _int(fen) for m, fen in owed}


def packages_of(session: Session, p: Principal, campaign_id: int) -> list[GiftPackage]:
    """The campaign's gift packages `p` may see (`list_packages` run)."""
    return list(session.scalars(list_packages(p, campaign_id)))
