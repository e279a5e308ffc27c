"""The jobs runner: every kind of the registry (jobs/registry.py), each due alliance in a unit of work of its own,
every run recorded in `job_runs` under (alliance, kind, period). One alliance's failure rolls back only its own
run (recorded as failed, retried by the next delivery of that period) and neither skips the other alliances nor
the other kinds. Each job's effects are idempotent as well: every posting sits under a key derived from the row it
settles, taken under a row lock, so even two runs of different periods at once change nothing twice.

Three ways in: `run_all` (the in-process `Scheduler` of `lianmeng serve`, `lianmeng jobs run`, tests), one kind at
a time (`run_kind` and the named helpers below), and the procrastinate worker (jobs/queue.py), which defers one
task per due (alliance, kind, period) and runs it with `run_one`."""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.db import unit_of_work
from lianmeng.jobs import repository
from lianmeng.jobs.domain import JobKind, RunOutcome, counts_of, error_text, manual_tick, outcome_of, tick_of
from lianmeng.jobs.models import JobRun
from lianmeng.jobs.registry import BY_KIND, JOBS, Job, send_offers_in
from lianmeng.kit import clock
from lianmeng.kit.errors import NotFound
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.tags.service import RulesApplied
from lianmeng.targeting import sending as targeting
from lianmeng.tenancy import Principal, policy
from lianmeng.webhooks import delivery as webhooks

log = logging.getLogger("lianmeng.jobs")


@dataclass(frozen=True)
class JobReport:
    rebates_released: int
    points_expired: int
    joint_card_fen_expired: int = 0
    statements_built: int = 0
    unconfirmed_phones_forgotten: int = 0
    overlap_indexes_purged: int = 0
    overlap_alliances_recounted: int = 0
    targeted_offers_refreshed: int = 0
    offers_sent: int = 0
    value_alliances_refreshed: int = 0
    rule_tags_added: int = 0
    rule_tags_removed: int = 0
    members_back_in_pool: int = 0
    dedup_alliances_scanned: int = 0
    referral_rollups_refreshed: int = 0
    points_expiry_notices: int = 0
    webhook_deliveries: int = 0
    distribution_points_released: int = 0
    runs_failed: int = 0


@dataclass
class KindTotals:
    """One kind's runs in one pass: how many alliances ran (ok or with nothing to do), failed, or were found done
    already; and the sum of their counts."""

    ran: int = 0
    failed: int = 0
    done_before: int = 0
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class DueRun:
    alliance_id: int
    kind: JobKind
    period: str


def due_runs(job: Job, session: Session, at: datetime, tick: str) -> list[DueRun]:
    """The (alliance, kind, period) keys of the job due now; the period is the job's own (a settled month) or the
    tick's."""
    out = []
    for item in job.due(session, at):
        alliance_id, period = item if isinstance(item, tuple) else (item, tick)
        out.append(DueRun(int(alliance_id), job.kind, period))
    return out


@dataclass(frozen=True)
class RunResult:
    outcome: RunOutcome | None  # None: that (alliance, kind, period) was done already, nothing was run
    counts: dict[str, int]


def run_one(due: DueRun, database_url: str | None = None, at: datetime | None = None,
            job: Job | None = None) -> RunResult:
    """Run one alliance's job for one period in its own unit of work, with its record. A failure rolls the run
    back, is logged and recorded (class and code only), and is returned, never raised."""
    job = job or BY_KIND[due.kind]
    now = at or clock.now()
    started = clock.now()
    try:
        with unit_of_work(database_url) as session:
            record = repository.claim(session, due.alliance_id, due.kind, due.period, started)
            if record is None:
                return RunResult(None, {})
            counts = counts_of(job.run(session, due.alliance_id, now))
            outcome = outcome_of(counts)
            record.finished_at, record.counts, record.outcome, record.error = clock.now(), counts, outcome.value, None
            session.flush()
        return RunResult(outcome, counts)
    except Exception as exc:  # one alliance's failure is its own: recorded, and the next run tries again
        log.exception("job %s failed for alliance %d (period %s)", due.kind.value, due.alliance_id, due.period)
        try:
            with unit_of_work(database_url) as session:
                repository.record_failure(session, due.alliance_id, due.kind, due.period, started, clock.now(),
                                          error_text(exc))
        except Exception:
            log.exception("could not record the failed run of %s for alliance %d", due.kind.value, due.alliance_id)
        return RunResult(RunOutcome.FAILED, {})


def run_kind(kind: JobKind, database_url: str | None = None, at: datetime | None = None, *,
             tick: str | None = None, job: Job | None = None) -> KindTotals:
    """One kind for every alliance due now. `tick`: the scheduled tick's period key (default: a manual run, a
    period of its own)."""
    job = job or BY_KIND[kind]
    now = at or clock.now()
    totals = KindTotals()
    try:
        with unit_of_work(database_url) as session:
            due = due_runs(job, session, now, tick or manual_tick(now))
    except Exception:  # the other kinds still run
        log.exception("job %s: could not find what is due", kind.value)
        totals.failed += 1
        return totals
    for item in due:
        result = run_one(item, database_url, now, job)
        if result.outcome is None:
            totals.done_before += 1
        elif result.outcome is RunOutcome.FAILED:
            totals.failed += 1
        else:
            totals.ran += 1
            totals.counts.update(result.counts)
    return totals


def run_all(database_url: str | None = None, at: datetime | None = None, *, tick: str | None = None) -> JobReport:
    """Every kind once, in the registry's order. `tick`: a scheduled tick's period key (the Scheduler passes the
    minute); by default a run by hand, recorded under a period of its own."""
    now = at or clock.now()
    tick = tick or manual_tick(now)
    t: defaultdict[JobKind, KindTotals] = defaultdict(KindTotals)
    for job in JOBS:
        t[job.kind] = run_kind(job.kind, database_url, now, tick=tick)
    K = JobKind

    def count(kind: JobKind, key: str = "count") -> int:
        return t[kind].counts[key]

    return JobReport(
        rebates_released=count(K.REBATES_RELEASE), points_expired=count(K.POINTS_EXPIRY),
        joint_card_fen_expired=count(K.JOINT_CARD_EXPIRY), statements_built=count(K.SETTLEMENT),
        unconfirmed_phones_forgotten=count(K.UNPROVED_PHONES), overlap_indexes_purged=count(K.PROSPECT_INDEX_PURGE),
        overlap_alliances_recounted=t[K.OVERLAP_RECOUNT].ran, targeted_offers_refreshed=count(K.OFFER_RESULTS),
        offers_sent=count(K.OFFER_SENDING, "sent"), value_alliances_refreshed=t[K.MEMBER_VALUES].ran,
        rule_tags_added=count(K.TAG_RULES, "added"), rule_tags_removed=count(K.TAG_RULES, "removed"),
        members_back_in_pool=count(K.IDLE_MEMBERS), dedup_alliances_scanned=t[K.DUPLICATES].ran,
        referral_rollups_refreshed=t[K.REFERRAL_ROLLUPS].ran, points_expiry_notices=count(K.POINTS_EXPIRY_NOTICE),
        distribution_points_released=count(K.DISTRIBUTION_POINTS),
        runs_failed=sum(k.failed for k in t.values()),
        webhook_deliveries=deliver_webhooks(database_url, at))  # last: sends what the jobs emitted


def deliver_webhooks(database_url: str | None = None, at: datetime | None = None) -> int:
    """Webhooks: the outbox dispatched and every delivery due sent, across alliances (webhooks.delivery: a unit of
    work per step, deliveries leased so two runners never send one twice, no transaction open while a request is on
    the wire). Not a registry kind: its steps are per delivery, not per alliance, and every attempt is logged in the
    endpoint's delivery log rather than in job_runs. Returns the attempts made."""
    return webhooks.deliver_due(database_url, at).attempts


# --- one kind now (tests, on-demand commands): each a manual run of the registry's entry -----------------------


def find_duplicates(database_url: str | None = None, at: datetime | None = None) -> int:
    """Duplicate candidates: each alliance due (dedup.service.due_alliances) scanned; returns how many ran."""
    return run_kind(JobKind.DUPLICATES, database_url, at).ran


def send_offers(database_url: str | None = None, at: datetime | None = None,
                batch: int = targeting.DEFAULT_BATCH) -> int:
    """Targeted offers: each alliance's steps (arms, batches of sends, the finished offers). Returns the number of
    messages sent."""
    job = replace(BY_KIND[JobKind.OFFER_SENDING], run=lambda s, a, when: send_offers_in(s, a, when, batch))
    return run_kind(JobKind.OFFER_SENDING, database_url, at, job=job).counts["sent"]


def apply_tag_rules(database_url: str | None = None, at: datetime | None = None) -> RulesApplied:
    """Rule tags: each alliance that uses tags and is due has its rules applied."""
    totals = run_kind(JobKind.TAG_RULES, database_url, at)
    return RulesApplied(totals.counts["added"], totals.counts["removed"])


def return_idle_members(database_url: str | None = None, at: datetime | None = None) -> int:
    """Ownership: members their owner has not served for the merchant's idle days go back to its pool. Returns how
    many went back."""
    return run_kind(JobKind.IDLE_MEMBERS, database_url, at).counts["count"]


def recount_overlap(database_url: str | None = None, at: datetime | None = None) -> int:
    """Customer overlap: each alliance whose memberships changed (and last counted ≥ REFRESH_MINUTES ago)."""
    return run_kind(JobKind.OVERLAP_RECOUNT, database_url, at).ran


def refresh_targeted_offers(database_url: str | None = None, at: datetime | None = None) -> int:
    """Targeted offers' results: the offers recounted (attribution window open and last counted ≥ an hour ago, or
    closed since the last count)."""
    return run_kind(JobKind.OFFER_RESULTS, database_url, at).counts["count"]


def refresh_referral_rollups(database_url: str | None = None, at: datetime | None = None) -> int:
    """The dashboards' referral rollups: the alliances brought up to now."""
    return run_kind(JobKind.REFERRAL_ROLLUPS, database_url, at).ran


def refresh_values(database_url: str | None = None, at: datetime | None = None) -> int:
    """The member value model: the alliances refreshed (those last refreshed ≥ 10 minutes ago)."""
    return run_kind(JobKind.MEMBER_VALUES, database_url, at).ran


# --- the operator's view ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunsPage:
    items: list[JobRun]
    total: int
    page: int
    page_size: int


def list_runs(session: Session, p: Principal, params: PageParams, *, kind: JobKind | None = None,
              outcome: RunOutcome | None = None, alliance_id: int | None = None) -> RunsPage:
    """Recent runs, newest first: operators only (an alliance's operator sees its alliance's; another alliance
    asked for is not found, like any other alliance's row)."""
    policy.require_operator(p)
    if alliance_id is not None and not p.is_platform and alliance_id != p.alliance_id:
        raise NotFound("alliance")
    rows, total = paginate(session, repository.list_runs(p, kind=kind, outcome=outcome, alliance_id=alliance_id),
                           params)
    return RunsPage(rows, total, params.page, params.page_size)


class Scheduler:
    """Runs the jobs every `interval` seconds in a daemon thread while the server runs (`LIANMENG_JOBS=inprocess`,
    the default). Each pass is a scheduled tick: its runs are keyed by the minute, like the worker's."""

    def __init__(self, database_url: str, interval: float) -> None:
        self.database_url = database_url
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lianmeng-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                now = clock.now()
                report = run_all(self.database_url, now, tick=tick_of(now))
                if report.runs_failed:
                    log.warning("jobs: %d runs failed (see /console/jobs)", report.runs_failed)
            except Exception:  # a failed pass must not kill the scheduler; the next pass retries
                log.exception("scheduled jobs failed")
