"""`lianmeng serve --workers N`: N uvicorn worker processes on one port, the scheduled jobs once, in the supervisor.

uvicorn's supervisor starts N processes (spawned, not forked), each building the app through the factory below,
and replaces one that dies. The jobs run in a thread of the supervisor itself, not in the workers, so they run
once however many workers serve (docs/benchmarks.md, "Serving with workers"). They stay idempotent anyway (each
effect keyed by the row it settles, under `job_lock`), so a second `lianmeng serve` on another machine, or a
`lianmeng jobs run` beside it, still changes nothing twice.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.engine import make_url

from lianmeng.config import get_settings

APP_FACTORY = "lianmeng.main:create_app"  # run_jobs comes from LIANMENG_RUN_JOBS, false for workers
# uvicorn kills a worker that does not answer its supervisor's ping within this many seconds (default 5). A spawned
# worker imports the whole app before its ping thread runs: on a busy 2-core machine that alone took over 5 s, and
# the supervisor killed and respawned workers in a loop.
HEALTHCHECK_SECONDS = 60


def default_workers(database_url: str) -> int:
    """Every core on PostgreSQL; one process on SQLite (one writer at a time: more processes only queue)."""
    if make_url(database_url).get_backend_name() == "sqlite":
        return 1
    return os.cpu_count() or 1



def serve_workers(database_url: str, host: str, port: int, workers: int, log_config: Any) -> None:
    import uvicorn

    from lianmeng.jobs.service import Scheduler

    os.environ["LIANMENG_DATABASE_URL"] = database_url  # the workers read their settings afresh
    os.environ["LIANMENG_RUN_JOBS"] = "false"  # the jobs run here, in the supervisor
    settings = get_settings()
    interval = settings.jobs_interval_seconds if settings.jobs_in_process(database_url) else 0
    scheduler = Scheduler(database_url, interval)
    if interval:
        scheduler.start()
    try:
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_config=log_config,
                    timeout_worker_healthcheck=HEALTHCHECK_SECONDS)
    finally:
        if interval:
            scheduler.stop()
