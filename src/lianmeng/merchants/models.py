from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps
from lianmeng.verification.models import VerificationFields


class Merchant(VerificationFields, Timestamps, Base):
    __tablename__ = "merchants"
    __table_args__ = (
        CheckConstraint("rating >= 0 AND rating <= 5", name="rating_range"),
        CheckConstraint("years_in_business >= 0", name="years_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    industry: Mapped[str] = mapped_column(String(30), index=True)
    brand_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    rating: Mapped[float] = mapped_column(Float, default=0.0)
    years_in_business: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)  # merging: absorbed


class Store(Timestamps, Base):
    __tablename__ = "stores"
    __table_args__ = (
        CheckConstraint("latitude >= -90 AND latitude <= 90", name="latitude_range"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(60), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    opening_hours: Mapped[str] = mapped_column(String(100), default="09:00-21:00")
    active: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)  # merging: absorbed


class Staff(Timestamps, Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(30), default="shopping_guide")
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed hash only: self-referral check
    active: Mapped[bool] = mapped_column(default=True)
