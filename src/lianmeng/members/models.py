from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime
from lianmeng.members.domain import Tier


class Member(Timestamps, Base):
    """A consumer with one alliance card per alliance. The phone is stored encrypted (phone_enc), with a keyed
    hash (phone_hash) for lookup and a masked copy for display; the clear number is never stored."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("alliance_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(16), unique=True)
    qr_version: Mapped[int] = mapped_column(Integer, default=1)
    phone_enc: Mapped[str] = mapped_column(String(200))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(60))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(12), default="undisclosed")
    status: Mapped[str] = mapped_column(String(12), default="active")
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    consent_marketing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_data_sharing: Mapped[bool] = mapped_column(default=False)
    consent_data_sharing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # both consent questions put to the member by staff (a "no" kept as "no" changes neither time above)
    consents_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offers_refused: Mapped[bool] = mapped_column(default=False)  # refused personalised offers (PIPL art. 24)
    offers_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    origin_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    origin_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    origin_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # proven by a one-time code
    # set on a tombstone (status 'merged', merging.domain.TOMBSTONE): the member its card now resolves to
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)


class Membership(Timestamps, Base):
    """A member's own membership at one merchant (its tier/level there)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("member_id", "merchant_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    tier: Mapped[str] = mapped_column(String(40), default=Tier.STANDARD.value)
    external_id: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
