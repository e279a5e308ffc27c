"""`lianmeng bench jobs`: jobs per second through the procrastinate worker. Defers N run tasks for one alliance, each
its own period (so each really runs and writes its job_runs row), of a kind with nothing to do (the release of
matured rebates in an alliance that has none): what is measured is the queue and the record, not a job's work. The
alliance and its runs stay in the database: run it on a scratch PostgreSQL database."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sqlalchemy import text

from lianmeng.alliances.models import Alliance
from lianmeng.db import get_engine, unit_of_work
from lianmeng.jobs import queue
from lianmeng.jobs.domain import JobKind
from lianmeng.kit import clock


def measure(database_url: str, jobs: int, concurrency: int) -> dict[str, Any]:
    app = queue.build_app(database_url, periodic=False)
    tag = secrets.token_hex(4)
    with unit_of_work(database_url) as session:
        alliance = Alliance(code=f"bench-jobs-{tag}", name="bench jobs")
        session.add(alliance)
        session.flush()
        alliance_id = alliance.id
    at = clock.now().isoformat()
    with app.open():
        queue.install_schema(app, database_url)
        started = time.perf_counter()
        for i in range(jobs):
            app.tasks[queue.RUN_TASK].defer(alliance_id=alliance_id, kind=JobKind.REBATES_RELEASE.value,
                                            period=f"bench-{tag}-{i}", at=at)
        deferred = time.perf_counter() - started
    started = time.perf_counter()
    app.run_worker(queues=[queue.QUEUE], wait=False, concurrency=concurrency, install_signal_handlers=False,
                   listen_notify=False, fetch_job_polling_interval=0.05, delete_jobs="successful")
    ran = time.perf_counter() - started
    with get_engine(database_url).connect() as conn:
        recorded = conn.execute(text("SELECT count(*) FROM job_runs WHERE alliance_id = :a"),
                                {"a": alliance_id}).scalar_one()
    return {"bench": "jobs", "jobs": jobs, "concurrency": concurrency, "recorded": recorded,
            "defer_seconds": round(deferred, 3), "defers_per_second": round(jobs / deferred, 1),
            "run_seconds": round(ran, 3), "jobs_per_second": round(jobs / ran, 1)}
