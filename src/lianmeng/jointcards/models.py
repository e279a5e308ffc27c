from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class JointProduct(Timestamps, Base):
    """A joint stored-value card (联合储值卡/套餐) defined by the operator or a lead merchant."""

    __tablename__ = "joint_card_products"
    __table_args__ = (CheckConstraint("carry_over_months >= 1", name="carry_over_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    lead_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)  # None: operator
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | paused
    carry_over_months: Mapped[int] = mapped_column(Integer, default=12)
    expiry_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))  # None: the seller keeps it


class JointTier(Base):
    """A tier (经济版 / 舒适版 / 尊享版) and its price."""

    __tablename__ = "joint_card_tiers"
    __table_args__ = (CheckConstraint("price_fen > 0", name="price_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("joint_card_products.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)


class JointComponent(Base):
    """What a tier gives at one merchant: `units` of something worth `list_value_fen`; `share_fen` is its part of
    the tier price (largest remainder over list values, fixed when the tier is defined)."""

    __tablename__ = "joint_card_components"
    __table_args__ = (CheckConstraint("units >= 1 AND list_value_fen > 0 AND share_fen >= 0", name="values_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    tier_id: Mapped[int] = mapped_column(ForeignKey("joint_card_tiers.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_name: Mapped[str] = mapped_column(String(20), default="次")
    units: Mapped[int] = mapped_column(Integer)
    list_value_fen: Mapped[int] = mapped_column(BigInteger)
    share_fen: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)


class JointCard(Base):
    """One sold card, held by a member. The money sits with the seller as a liability until consumed."""

    __tablename__ = "joint_cards"
    __table_args__ = (UniqueConstraint("seller_merchant_id", "external_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("joint_card_products.id"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("joint_card_tiers.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    seller_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    seller_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | refunded | expired
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    expired_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class JointCardItem(Base):
    """A component on a card: units left to consume."""

    __tablename__ = "joint_card_items"
    __table_args__ = (UniqueConstraint("card_id", "component_id", "alliance_id"),
                      CheckConstraint("units_left >= 0 AND units_left <= units", name="units_left_valid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("joint_cards.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("joint_card_components.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    units: Mapped[int] = mapped_column(Integer)
    units_left: Mapped[int] = mapped_column(Integer)
    share_fen: Mapped[int] = mapped_column(BigInteger)


class JointCardUse(Base):
    """One consumption of a component at its merchant, and the value it recognised for that merchant."""

    __tablename__ = "joint_card_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("joint_cards.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("joint_card_items.id"))
    component_id: Mapped[int] = mapped_column(ForeignKey("joint_card_components.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    units: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
