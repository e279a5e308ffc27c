"""Duplicate candidates and each alliance's thresholds and last run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class DedupCandidate(Timestamps, Base):
    """Two records (members, merchants or stores of one alliance) that may be the same, with the score and the
    fields that agree and disagree. One row per unordered pair and kind, `left_id < right_id`; a pair a reviewer
    rejected stays rejected (the next run does not propose it again)."""

    __tablename__ = "dedup_candidates"
    __table_args__ = (
        UniqueConstraint("alliance_id", "kind", "left_id", "right_id"),
        CheckConstraint("left_id < right_id", name="ordered"),
        Index("ix_dedup_candidates_queue", "alliance_id", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    kind: Mapped[str] = mapped_column(String(12))
    left_id: Mapped[int] = mapped_column(Integer)
    right_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"agree": [...], "disagree": [...]}
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    survivor_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")


class DedupSettings(Base):
    """An alliance's thresholds and when its candidates were last found (one row per alliance)."""

    __tablename__ = "dedup_settings"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), primary_key=True)
    review_threshold: Mapped[float] = mapped_column(Float)
    auto_threshold: Mapped[float] = mapped_column(Float)
    auto_merge: Mapped[bool] = mapped_column(default=False)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    members_at_last_run: Mapped[int] = mapped_column(Integer, default=0)
    pairs_found: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
