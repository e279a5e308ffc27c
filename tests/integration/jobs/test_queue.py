"""The procrastinate path (PostgreSQL only): the tick defers one task per due (alliance, kind, period), a second
deferral of the same key is refused while it waits, a worker runs them, and a task delivered again after it ran
changes nothing (its job_runs row is there)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from procrastinate import App
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.db import get_engine, unit_of_work
from lianmeng.jobs import queue
from lianmeng.jobs.models import JobRun
from lianmeng.settlement.models import SettlementRun
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="procrastinate needs PostgreSQL")

AT = datetime(2026, 12, 7, 2, 5, tzinfo=UTC)


@pytest.fixture
def jobs(db_url: str) -> Iterator[App]:
    app = queue.build_app(db_url, periodic=False)
    with app.open():
        queue.install_schema(app, db_url)
        assert queue.install_schema(app, db_url) is False  # idempotent
    with get_engine(db_url).begin() as conn:
        conn.execute(text("DELETE FROM procrastinate_jobs"))
    yield app


def _work(app: App) -> None:
    app.run_worker(queues=[queue.QUEUE], wait=False, install_signal_handlers=False, listen_notify=False,
                   fetch_job_polling_interval=0.05)


def _statuses(db_url: str) -> list[str]:
    with get_engine(db_url).connect() as conn:
        return list(conn.scalars(text("SELECT status FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"),
                                 {"t": queue.RUN_TASK}))


def test_each_alliance_kind_and_period_runs_once_through_the_worker(jobs: App, db_url: str,
                                                                     session: Session) -> None:
    with unit_of_work(db_url) as s:
        s.add(Alliance(code="alpha", name="Alpha"))
    with jobs.open():
        first = queue.defer_due(jobs, db_url, AT)
        twice = queue.defer_due(jobs, db_url, AT)  # the tick delivered twice: refused by the queueing lock
    assert first.deferred >= 3 and twice == queue.Deferred(0, first.deferred)
    _work(jobs)
    assert _statuses(db_url) == ["succeeded"] * first.deferred
    runs = list(session.scalars(select(JobRun)))
    assert len(runs) == first.deferred and all(r.outcome != "failed" for r in runs)
    assert len({(r.alliance_id, r.kind, r.period) for r in runs}) == len(runs)
    assert sorted(r.period for r in runs if r.kind == "settlement") == ["2026-11"]
    settled = session.scalars(select(SettlementRun.alliance_id)).all()

    with jobs.open():  # every task delivered again after it ran: it runs, finds its record, does nothing
        for run in runs:
            jobs.tasks[queue.RUN_TASK].defer(alliance_id=run.alliance_id, kind=run.kind, period=run.period,
                                             at=AT.isoformat())
    _work(jobs)
    session.rollback()
    assert set(_statuses(db_url)) == {"succeeded"}
    assert len(session.scalars(select(JobRun)).all()) == len(runs)
    assert session.scalars(select(SettlementRun.alliance_id)).all() == settled  # the month settled once


def test_the_tick_is_scheduled_every_minute_and_webhooks_every_ten_seconds(db_url: str) -> None:
    app = queue.build_app(db_url)
    assert [(task.task.name, task.cron) for task in app.periodic_registry.periodic_tasks.values()] == [
        (queue.TICK_TASK, "* * * * *"), (queue.WEBHOOKS_TASK, "* * * * * */10")]
