"""The in-process runner (run_all / run_kind / run_one) on both databases: each alliance in a unit of work of its
own, every run recorded under (alliance, kind, period), one failure neither rolls back another alliance nor skips
the other kinds, and a second delivery of the same (alliance, kind, period) does nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.db import unit_of_work
from lianmeng.jobs import registry, service
from lianmeng.jobs.domain import JobKind, RunOutcome, tick_of
from lianmeng.jobs.models import JobRun
from lianmeng.jobs.registry import Job
from lianmeng.settlement.models import SettlementRun

AT = datetime(2026, 12, 7, 2, 5, tzinfo=UTC)  # 10:05 in Beijing: November is closed


def _alliances(db_url: str, *codes: str) -> list[int]:
    with unit_of_work(db_url) as s:
        rows = [Alliance(code=code, name=code.title()) for code in codes]
        s.add_all(rows)
        s.flush()
        return [a.id for a in rows]


def _runs(session: Session) -> list[JobRun]:
    session.rollback()
    return list(session.scalars(select(JobRun).order_by(JobRun.alliance_id, JobRun.kind, JobRun.id)))


def _renaming_job(first: int, fail_for: set[int]) -> Job:
    """A job that renames each alliance, then fails for some of them (after writing)."""

    def run(session: Session, alliance_id: int, at: datetime) -> int:
        alliance = session.get(Alliance, alliance_id)
        assert alliance is not None
        alliance.name = "renamed"
        session.flush()
        if alliance_id in fail_for:
            raise RuntimeError("boom for 13800138000")  # the message (a phone) is never recorded
        return 1

    return Job(JobKind.MEMBER_VALUES, lambda s, at: [first, first + 1], run)


def test_one_alliance_failing_rolls_back_only_its_own_run_and_is_retried(db_url: str, session: Session) -> None:
    alpha, beta = _alliances(db_url, "alpha", "beta")
    job = _renaming_job(alpha, fail_for={alpha})
    totals = service.run_kind(JobKind.MEMBER_VALUES, db_url, AT, tick=tick_of(AT), job=job)
    assert (totals.ran, totals.failed) == (1, 1)
    names = {i: n for i, n in session.execute(select(Alliance.id, Alliance.name))}
    assert names == {alpha: "Alpha", beta: "renamed"}  # alpha's write rolled back, beta's kept
    runs = {r.alliance_id: r for r in _runs(session)}
    assert runs[alpha].outcome == RunOutcome.FAILED and runs[alpha].error == "RuntimeError"
    assert runs[beta].outcome == RunOutcome.OK and runs[beta].counts == {"count": 1}
    assert runs[alpha].period == runs[beta].period == "2026-12-07T02:05"

    fixed = _renaming_job(alpha, fail_for=set())  # the same tick delivered again: alpha retried, beta left alone
    again = service.run_kind(JobKind.MEMBER_VALUES, db_url, AT, tick=tick_of(AT), job=fixed)
    assert (again.ran, again.failed, again.done_before) == (1, 0, 1)
    runs = {r.alliance_id: r for r in _runs(session)}
    assert len(runs) == 2 and runs[alpha].outcome == RunOutcome.OK and runs[alpha].attempts == 2
    assert runs[alpha].error is None and runs[beta].attempts == 1


def test_the_same_alliance_kind_and_period_runs_once(db_url: str, session: Session) -> None:
    alpha, = _alliances(db_url, "alpha")
    calls: list[int] = []
    job = Job(JobKind.DUPLICATES, lambda s, at: [alpha], lambda s, a, at: calls.append(a) or 0)
    due = service.DueRun(alpha, JobKind.DUPLICATES, "2026-12-07T02:05")
    first = service.run_one(due, db_url, AT, job)
    second = service.run_one(due, db_url, AT, job)  # an at-least-once redelivery
    assert first.outcome is RunOutcome.SKIPPED and second.outcome is None and calls == [alpha]
    assert [(r.kind, r.outcome) for r in _runs(session)] == [("duplicates", "skipped")]
    # a run by hand is a period of its own: it runs again, and is recorded again
    service.run_kind(JobKind.DUPLICATES, db_url, AT, job=job)
    assert calls == [alpha, alpha] and len(_runs(session)) == 2


def test_a_failing_kind_skips_neither_the_other_kinds_nor_the_other_alliances(
        db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settlement of the closed month, with one alliance's settlement raising: the other alliance is settled, the
    other kinds run, and the failed alliance is settled on the next delivery of its period (the month)."""
    alpha, beta = _alliances(db_url, "alpha", "beta")
    from lianmeng.settlement import service as settlement

    real = settlement.settle

    def failing(session: Session, actor: object, alliance_id: int, period: str, **kw: object) -> object:
        if alliance_id == alpha:
            raise RuntimeError("settlement broke")
        return real(session, actor, alliance_id, period, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(settlement, "settle", failing)
    ran: list[int] = []
    extra = Job(JobKind.REFERRAL_ROLLUPS, lambda s, at: [alpha, beta], lambda s, a, at: ran.append(a) or 1)
    monkeypatch.setattr(service, "JOBS", (registry.BY_KIND[JobKind.SETTLEMENT], extra))
    monkeypatch.setattr(service, "BY_KIND", {JobKind.SETTLEMENT: registry.BY_KIND[JobKind.SETTLEMENT],
                                             JobKind.REFERRAL_ROLLUPS: extra})
    report = service.run_all(db_url, AT, tick=tick_of(AT))
    assert report.runs_failed == 1 and report.referral_rollups_refreshed == 2 and ran == [alpha, beta]
    settled = set(session.scalars(select(SettlementRun.alliance_id)))
    assert settled == {beta}
    runs = {(r.alliance_id, r.kind): r for r in _runs(session)}
    assert runs[(alpha, "settlement")].outcome == "failed" and runs[(alpha, "settlement")].period == "2026-11"
    assert runs[(beta, "settlement")].outcome in ("ok", "skipped")

    monkeypatch.setattr(settlement, "settle", real)
    later = service.run_all(db_url, AT.replace(minute=10), tick=tick_of(AT.replace(minute=10)))
    assert later.runs_failed == 0
    session.rollback()
    assert set(session.scalars(select(SettlementRun.alliance_id))) == {alpha, beta}
    runs = {(r.alliance_id, r.kind): r for r in _runs(session) if r.kind == "settlement"}
    assert runs[(alpha, "settlement")].attempts == 2 and len(runs) == 2  # the month's run, retried; beta's once


def test_run_all_runs_every_registered_kind(db_url: str, session: Session) -> None:
    """The real registry over two fresh alliances: what is due runs, each alliance recorded, nothing fails."""
    alpha, beta = _alliances(db_url, "alpha", "beta")
    report = service.run_all(db_url, AT, tick=tick_of(AT))
    assert report.runs_failed == 0
    runs = _runs(session)
    assert {r.alliance_id for r in runs} == {alpha, beta}
    assert {r.kind for r in runs} >= {"settlement", "member_values"}
    assert all(r.outcome != "failed" and r.finished_at is not None for r in runs)
    again = service.run_all(db_url, AT, tick=tick_of(AT))  # the same tick again: nothing runs twice
    assert again.runs_failed == 0 and len(_runs(session)) == len(runs)
    assert {job.kind for job in registry.JOBS} == set(JobKind)
