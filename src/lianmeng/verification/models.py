"""Verification columns shared by merchants and prospects (a mixin, so `Merchant.credit_code` is an ordinary column
of the merchants table), and the append-only audit of every entry and decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class VerificationFields:
    """The reviewer is kept as a plain user id (no foreign key): users already point at merchants, and a cycle of
    foreign keys between the two tables would complicate every create/drop order."""

    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    legal_person: Mapped[str | None] = mapped_column(String(60))
    registered_address: Mapped[str | None] = mapped_column(String(300))
    licence_ref: Mapped[str | None] = mapped_column(String(100))
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified", server_default="unverified",
                                                     index=True)
    verification_findings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    verification_reviewed_by_user_id: Mapped[int | None] = mapped_column(Integer)
    verification_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verification_rejection_reason: Mapped[str | None] = mapped_column(String(500))


class VerificationEvent(Base):
    """One entry or decision: the status and the details before and after. Rows are only ever added."""

    __tablename__ = "verification_events"
    __table_args__ = (Index("ix_verification_events_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
