"""Every query of the jobs' records, scoped by alliance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from lianmeng.db import get_engine, insert_once
from lianmeng.jobs.domain import JobKind, RunOutcome
from lianmeng.jobs.models import JobRun
from lianmeng.tenancy import Principal


def _locked(session: Session, alliance_id: int, kind: JobKind, period: str) -> JobRun | None:
    return session.scalars(select(JobRun).where(JobRun.alliance_id == alliance_id, JobRun.kind == kind.value,
                                                JobRun.period == period)
                           .with_for_update().execution_options(populate_existing=True)).first()


def claim(session: Session, alliance_id: int, kind: JobKind, period: str, at: datetime) -> JobRun | None:
    """The run's row, taken in the caller's unit of work; None when the (alliance, kind, period) is done already
    (ok or skipped). A concurrent delivery waits on the unique index until this one ends, then finds it done. A
    failed one is taken again (another attempt)."""
    run = JobRun(alliance_id=alliance_id, kind=kind.value, period=period, started_at=at,
                 outcome=RunOutcome.OK.value, attempts=1, counts={})
    if insert_once(session, run):
        return run
    existing = _locked(session, alliance_id, kind, period)
    if existing is None or existing.outcome != RunOutcome.FAILED.value:
        return None
    existing.started_at, existing.finished_at = at, None
    existing.attempts += 1
    return existing


def record_failure(session: Session, alliance_id: int, kind: JobKind, period: str, started_at: datetime,
                   finished_at: datetime, error: str) -> None:
    """Write down a failed run after its unit of work rolled back (unless another delivery has done it since)."""
    existing = _locked(session, alliance_id, kind, period)
    if existing is None:
        insert_once(session, JobRun(alliance_id=alliance_id, kind=kind.value, period=period, started_at=started_at,
                                    finished_at=finished_at, outcome=RunOutcome.FAILED.value, attempts=1,
                                    counts={}, error=error))
    elif existing.outcome == RunOutcome.FAILED.value:
        existing.started_at, existing.finished_at, existing.error = started_at, finished_at, error
        existing.attempts += 1
    session.flush()


def list_runs(p: Principal, *, kind: JobKind | None = None, outcome: RunOutcome | None = None,
              alliance_id: int | None = None) -> Select[Any]:
    """The runs `p` may see, newest first: an alliance's operator its alliance's, the platform every alliance's
    (or one)."""
    stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    scope = p.alliance_id if not p.is_platform else alliance_id
    if scope is not None:
        stmt = stmt.where(JobRun.alliance_id == scope)
    if kind is not None:
        stmt = stmt.where(JobRun.kind == kind.value)
    if outcome is not None:
        stmt = stmt.where(JobRun.outcome == outcome.value)
    return stmt


def runs_of(session: Session, alliance_id: int, kind: JobKind | None = None) -> list[JobRun]:
    stmt = select(JobRun).where(JobRun.alliance_id == alliance_id).order_by(JobRun.id)
    if kind is not None:
        stmt = stmt.where(JobRun.kind == kind.value)
    return list(session.scalars(stmt))


def queue_installed(database_url: str) -> bool:
    """Whether procrastinate's tables exist in the database (PostgreSQL)."""
    with get_engine(database_url).connect() as connection:
        return connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None
