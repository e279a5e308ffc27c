from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class Campaign(Timestamps, Base):
    """A joint campaign (联合营销活动) in one alliance, run in the window [starts_at, ends_at). Created by the
    operator (lead_merchant_id NULL) or by a lead merchant."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="window_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)  # draft | active | closed
    lead_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80), default="")


class CampaignMerchant(Base):
    """A participating merchant and its cash contribution (投入)."""

    __tablename__ = "campaign_merchants"
    __table_args__ = (
        UniqueConstraint("campaign_id", "merchant_id", "alliance_id"),
        CheckConstraint("contribution_fen > 0", name="contribution_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    contribution_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignCost(Base):
    """A cost of the campaign, paid by a merchant (or the operator: NULL), shared by contribution."""

    __tablename__ = "campaign_costs"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    what: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_by_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    shared: Mapped[str] = mapped_column(String(20), default="by_contribution")
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignRegistration(Base):
    """A member registered for the campaign (报名), and checked in (签到) at a participating merchant."""

    __tablename__ = "campaign_registrations"
    __table_args__ = (UniqueConstraint("campaign_id", "member_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_by_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    checked_in_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class GiftPackage(Base):
    """A gift package (礼包): coupon templates of participating merchants, handed out together."""

    __tablename__ = "campaign_gift_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    template_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignCoupon(Base):
    """A coupon handed out in a gift package: a redemption of it is an arrival through the campaign."""

    __tablename__ = "campaign_coupons"
    __table_args__ = (UniqueConstraint("coupon_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("campaign_gift_packages.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
