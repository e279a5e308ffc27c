"""Tables of featured placement: the operator's slots and the merchants' bookings of them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class PlacementSlot(Timestamps, Base):
    """A place on the member pages the operator sells (推广位): one per surface and alliance. Its row is what a
    booking locks, so two bookings of its last seat queue instead of both seeing it free."""

    __tablename__ = "placement_slots"
    __table_args__ = (
        UniqueConstraint("alliance_id", "surface"),
        CheckConstraint("price_per_day_fen > 0", name="price_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("max_days > 0", name="max_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    surface: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(60), default="")
    price_per_day_fen: Mapped[int] = mapped_column(BigInteger)
    capacity: Mapped[int] = mapped_column(Integer)
    max_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)


class PlacementBooking(Base):
    """A merchant's days in a slot, charged at booking (`placement:<id>:charge`) and, if cancelled before its first
    day, reversed (`placement:<id>:cancel`). The price per day is copied: a later price change leaves it alone."""

    __tablename__ = "placement_bookings"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_placement_bookings_slot_days", "slot_id", "status", "first_day", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("placement_slots.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    price_per_day_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    booked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
