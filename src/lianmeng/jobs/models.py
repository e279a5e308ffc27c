"""The record of every job run: one row per (alliance, kind, period), the unique key that makes a redelivered job
do nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime
from lianmeng.jobs.domain import ERROR_MAX, PERIOD_MAX


class JobRun(Base):
    """One run of one job kind for one alliance and period. Written in the run's own unit of work (so a run that
    rolled back leaves no 'ok' row), or, when it failed, in one of its own afterwards; a later delivery of a failed
    (alliance, kind, period) tries again and counts the attempt."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("alliance_id", "kind", "period"),
                      Index("ix_job_runs_started_at", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40))  # JobKind
    period: Mapped[str] = mapped_column(String(PERIOD_MAX))  # '2026-12-07T10:05', a settled period's label…
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(10))  # RunOutcome
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))  # the error's class and code: no personal data
