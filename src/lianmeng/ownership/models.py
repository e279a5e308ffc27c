from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class MemberOwner(Base):
    """A member's owner (归属导购) at one merchant: a staff member of that merchant. No row: the member is in that
    merchant's pool (客户池). The unique pair is what makes two simultaneous claims of one member end with exactly
    one owner: the second insert fails."""

    __tablename__ = "member_owners"
    __table_args__ = (UniqueConstraint("merchant_id", "member_id", "alliance_id"),
                      Index("ix_member_owners_staff", "staff_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    change: Mapped[str] = mapped_column(String(20))  # OwnershipChange: how it began
    history_id: Mapped[int | None] = mapped_column(Integer)  # the open history row (no FK: rows are closed, kept)


class OwnershipPeriod(Base):
    """History: who owned a member at a merchant from when to when, and why it began and ended. Append-only except
    for closing (ended_at, end_change); never deleted."""

    __tablename__ = "member_owner_history"
    __table_args__ = (Index("ix_member_owner_history_member", "member_id", "merchant_id"),
                      Index("ix_member_owner_history_claims", "staff_id", "start_change", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    start_change: Mapped[str] = mapped_column(String(20))
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_change: Mapped[str | None] = mapped_column(String(20))
    ended_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    other_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # a merge's other member


class OwnershipSettings(Timestamps, Base):
    """A merchant's pool terms. No row: the defaults (ownership.domain)."""

    __tablename__ = "ownership_settings"
    __table_args__ = (UniqueConstraint("merchant_id", "alliance_id"),
                      CheckConstraint("daily_claim_limit >= 1", name="claim_limit_positive"),
                      CheckConstraint("idle_days >= 1", name="idle_days_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    daily_claim_limit: Mapped[int] = mapped_column(Integer, default=20)
    idle_days: Mapped[int] = mapped_column(Integer, default=90)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
