from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps


class MemberVehicle(Timestamps, Base):
    """A member's vehicle: its plate, its VIN, or both. Each is stored as a phone is (members.models.Member): an
    encrypted copy, a keyed hash for lookup (per alliance: the same car on two members is duplicate evidence) and a
    masked copy for display; the clear value is never stored. `merchant_id`/`staff_id`: who recorded it (NULL: the
    operator)."""

    __tablename__ = "member_vehicles"
    __table_args__ = (UniqueConstraint("alliance_id", "member_id", "plate_hash"),
                      UniqueConstraint("alliance_id", "member_id", "vin_hash"),
                      Index("ix_member_vehicles_plate_hash", "alliance_id", "plate_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    plate_enc: Mapped[str | None] = mapped_column(String(200))
    plate_hash: Mapped[str | None] = mapped_column(String(64))
    plate_masked: Mapped[str | None] = mapped_column(String(16))
    vin_enc: Mapped[str | None] = mapped_column(String(200))
    vin_hash: Mapped[str | None] = mapped_column(String(64))
    vin_masked: Mapped[str | None] = mapped_column(String(16))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
