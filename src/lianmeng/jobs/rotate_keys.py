"""The key rotation job: every sealed value moves to the current key, a batch per unit of work, alliance by
alliance, then the platform tables. Resumable and idempotent: what is done no longer matches, so a rerun (after a
crash, or run twice at once) only finds what is left; the app keeps serving throughout (keys.service)."""

from __future__ import annotations

import logging

from lianmeng.db import unit_of_work
from lianmeng.keys import service
from lianmeng.keys.domain import SEALED_TABLES, RotationReport, SealedTable

log = logging.getLogger("lianmeng.jobs.rotate_keys")

DEFAULT_BATCH = 500


def _rotate_table(database_url: str | None, sealed: SealedTable, alliance_id: int | None, batch_size: int,
                  report: RotationReport) -> None:
    after_id = 0
    while True:
        with unit_of_work(database_url) as session:
            outcome = service.rotate_batch(session, sealed, alliance_id, after_id, batch_size)
        report.batches += 1
        report.add(sealed.name, outcome.rotated)
        report.skipped_changed += outcome.skipped_changed
        report.unreadable += outcome.unreadable
        if outcome.done:
            return
        after_id = outcome.last_id


def rotate_keys(database_url: str | None = None, batch_size: int = DEFAULT_BATCH,
                alliance_code: str | None = None) -> RotationReport:
    """Re-seal and re-hash every value not under the current key, `batch_size` rows per unit of work. With an
    alliance code, that alliance only (the platform tables are left for a run without one)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RotationReport()
    with unit_of_work(database_url) as session:
        alliances = service.alliance_ids(session, alliance_code)
    for alliance_id in alliances:
        so_far = report.total
        for sealed in SEALED_TABLES:
            if sealed.alliance_column is not None:
                _rotate_table(database_url, sealed, alliance_id, batch_size, report)
        log.info("alliance %s: %s rows moved to the current keys", alliance_id, report.total - so_far)
    if alliance_code is None:
        for sealed in SEALED_TABLES:
            if sealed.alliance_column is None:
                _rotate_table(database_url, sealed, None, batch_size, report)
    log.info("key rotation done: %s rows moved to the current keys in %s batches, %s changed meanwhile, %s unreadable",
             report.total, report.batches, report.skipped_changed, report.unreadable)
    return report
