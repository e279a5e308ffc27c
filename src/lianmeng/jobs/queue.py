"""The jobs on a real queue: procrastinate over the application's own PostgreSQL (no broker to run).

A periodic task (`tick`, every minute) finds what is due — the registry's due functions, each in its own unit of
work — and defers one `run` task per (alliance, kind, period), with a queueing lock on that key (a second deferral
while the first waits is refused) and a lock per (alliance, kind) (two periods of one alliance's job never run at
once). `run` is `service.run_one`: the alliance's work and its `job_runs` row in one unit of work, so a task
delivered twice (procrastinate delivers at least once) finds the row and does nothing. A failed run is recorded,
then raised, and procrastinate retries it with exponential waits; the retry takes the failed row again.

procrastinate's own tables live in the same database; `lianmeng worker` applies its schema when it is missing
(`install_schema`, idempotent), so Alembic never has to know about them and SQLite never sees them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url

from lianmeng.db import unit_of_work
from lianmeng.jobs import repository, service
from lianmeng.jobs.domain import JobKind, RunOutcome, tick_of
from lianmeng.jobs.registry import JOBS

log = logging.getLogger("lianmeng.jobs")

QUEUE = "lianmeng-jobs"
RUN_TASK = "lianmeng.jobs.run"
TICK_TASK = "lianmeng.jobs.tick"
WEBHOOKS_TASK = "lianmeng.jobs.webhooks"
RETRY = RetryStrategy(max_attempts=5, exponential_wait=10)  # 10 s, 20 s, 40 s, 80 s, then the next tick's period


class JobFailed(Exception):
    """Raised by the `run` task when its run failed (already recorded), so that procrastinate retries it."""


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (postgresql+psycopg://… → postgresql://…)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the job queue needs PostgreSQL; on SQLite `lianmeng serve` runs the jobs in-process")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Deferred:
    deferred: int  # tasks put on the queue
    already_queued: int  # refused by the queueing lock: the same (alliance, kind, period) is waiting already


def build_app(database_url: str, *, periodic: bool = True) -> App:
    """The procrastinate App over `database_url`, with the two tasks bound to it. `periodic=False`: the tick is not
    scheduled (tests defer what they mean to, at the time they choose)."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url)))

    @app.task(name=RUN_TASK, queue=QUEUE, retry=RETRY)
    def run(alliance_id: int, kind: str, period: str, at: str) -> dict[str, int]:
        due = service.DueRun(alliance_id, JobKind(kind), period)
        result = service.run_one(due, database_url, datetime.fromisoformat(at))
        if result.outcome is RunOutcome.FAILED:
            raise JobFailed(f"{kind} for alliance {alliance_id} ({period}) failed; see job_runs")
        return result.counts

    @app.task(name=TICK_TASK, queue=QUEUE, queueing_lock=TICK_TASK)
    def tick(timestamp: int) -> int:
        return defer_due(app, database_url, datetime.fromtimestamp(timestamp, UTC)).deferred

    @app.task(name=WEBHOOKS_TASK, queue=QUEUE, queueing_lock=WEBHOOKS_TASK)
    def deliver_webhooks(timestamp: int) -> int:
        """The webhook outbox dispatched and the deliveries due sent (service.deliver_webhooks; leased, so two
        workers never send one delivery twice)."""
        return service.deliver_webhooks(database_url)

    if periodic:
        app.periodic(cron="* * * * *", periodic_id="every-minute")(tick)
        app.periodic(cron="* * * * * */10", periodic_id="webhooks-every-10-seconds")(deliver_webhooks)
    return app


def defer_due(app: App, database_url: str, at: datetime) -> Deferred:
    """Defer one `run` task per (alliance, kind, period) due at `at` (the tick's minute is the period unless the job
    names its own). A kind whose due query fails is logged and skipped; the others are deferred."""
    task = app.tasks[RUN_TASK]
    tick = tick_of(at)
    deferred = already = 0
    for job in JOBS:
        try:
            with unit_of_work(database_url) as session:
                due = service.due_runs(job, session, at, tick)
        except Exception:
            log.exception("job %s: could not find what is due", job.kind.value)
            continue
        for item in due:
            key = f"{item.alliance_id}:{item.kind.value}"
            try:
                task.configure(queueing_lock=f"{key}:{item.period}", lock=key).defer(
                    alliance_id=item.alliance_id, kind=item.kind.value, period=item.period, at=at.isoformat())
                deferred += 1
            except AlreadyEnqueued:
                already += 1
    return Deferred(deferred, already)


def install_schema(app: App, database_url: str) -> bool:
    """Apply procrastinate's schema unless it is there already; True when it was applied now. The app must be
    open."""
    if repository.queue_installed(database_url):
        return False
    app.schema_manager.apply_schema()
    return True
