from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from lianmeng.jobs.domain import JobKind, RunOutcome


class JobRunOut(BaseModel):
    """One job run: which job, for which alliance and period, when, how it ended, what it counted. `error` is the
    error's class and code only (no personal data)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    kind: JobKind
    period: str
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    attempts: int
    counts: dict[str, int]
    error: str | None
