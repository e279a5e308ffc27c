"""The jobs, each in its own transaction. Running them twice, or two runs at once, changes nothing twice:
every effect is a posting under a key derived from the row it settles, taken under a row lock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.commissions import service as commissions
from lianmeng.db import unit_of_work
from lianmeng.dedup import service as dedup
from lianmeng.jointcards import service as jointcards
from lianmeng.members import service as members
from lianmeng.notifications import service as notifications
from lianmeng.overlap import service as overlap
from lianmeng.ownership import service as ownership
from lianmeng.points import service as points
from lianmeng.prospects import service as prospects
from lianmeng.referrals import rollup as referral_rollups
from lianmeng.settlement import service as settlement
from lianmeng.tags import service as tags
from lianmeng.targeting import results as targeting_results
from lianmeng.targeting import sending as targeting
from lianmeng.values import service as values
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


def _each_due(database_url: str | None, at: datetime | None, due: Callable[[Session, datetime | None], list[int]],
              run: Callable[[Session, int, datetime | None], object]) -> int:
    """Find what is due in one unit of work, then run each in a unit of work of its own (one failure rolls back
    only its own); returns how many were due."""
    with unit_of_work(database_url) as session:
        keys = due(session, at)
    for key in keys:
        with unit_of_work(database_url) as session:
            run(session, key, at)
    return len(keys)


def run_all(database_url: str | None = None, at: datetime | None = None) -> JobReport:
    with unit_of_work(database_url) as session:
        released = commissions.release_matured(session, at)
    with unit_of_work(database_url) as session:
        expired = points.expire_due(session, at)
    with unit_of_work(database_url) as session:  # after the expiry: points already gone are not announced
        notices = notifications.warn_expiring_points(session, at)
    with unit_of_work(database_url) as session:
        card_fen = jointcards.expire_due(session, at)
    with unit_of_work(database_url) as session:
        statements = settlement.settle_due(session, at)
    with unit_of_work(database_url) as session:
        forgotten = members.purge_unconfirmed(session, at)
    with unit_of_work(database_url) as session:
        overlap_purged = prospects.purge_expired(session, at)
    overlap_recounted = recount_overlap(database_url, at)
    valued = refresh_values(database_url, at)  # before the offers: audiences select on fresh values and tags
    tagged = apply_tag_rules(database_url, at)
    sent = send_offers(database_url, at)
    back_in_pool = return_idle_members(database_url, at)
    return JobReport(released, expired, card_fen, statements, forgotten, overlap_purged, overlap_recounted,
                     targeted_offers_refreshed=refresh_targeted_offers(database_url, at), offers_sent=sent,
                     value_alliances_refreshed=valued, rule_tags_added=tagged.added,
                     rule_tags_removed=tagged.removed, members_back_in_pool=back_in_pool,
                     dedup_alliances_scanned=find_duplicates(database_url, at),
                     referral_rollups_refreshed=refresh_referral_rollups(database_url, at),
                     points_expiry_notices=notices,
                     webhook_deliveries=deliver_webhooks(database_url, at))  # last: sends what the jobs emitted


def deliver_webhooks(database_url: str | None = None, at: datetime | None = None) -> int:
    """Webhooks: the outbox dispatched and every delivery due sent (webhooks.delivery: a unit of work per step, no
    transaction open while a request is on the wire). Returns the attempts made."""
    return webhooks.deliver_due(database_url, at).attempts


def find_duplicates(database_url: str | None = None, at: datetime | None = None) -> int:
    """Duplicate candidates: each alliance due (dedup.service.due_alliances: daily, or after many new members)
    scanned in a unit of work of its own."""
    return _each_due(database_url, at, dedup.due_alliances, dedup.run)


def send_offers(database_url: str | None = None, at: datetime | None = None,
                batch: int = targeting.DEFAULT_BATCH) -> int:
    """Targeted offers: each step (one offer's arms, one batch of sends, the finished offers) in a unit of work
    of its own, until a step finds nothing to do. Returns the number of messages sent."""
    sent = 0
    while True:
        with unit_of_work(database_url) as session:
            step = targeting.send_due(session, at, batch)
        sent += step.sent
        if not step.did_something:
            return sent


def apply_tag_rules(database_url: str | None = None, at: datetime | None = None) -> tags.RulesApplied:
    """Rule tags: each alliance that uses tags and is due (tags.service.due_alliances) has its rules applied in a
    unit of work of its own."""
    with unit_of_work(database_url) as session:
        alliances = tags.due_alliances(session, at)
    added = removed = 0
    for alliance_id in alliances:
        with unit_of_work(database_url) as session:
            applied = tags.apply_rules(session, alliance_id, at)
        added, removed = added + applied.added, removed + applied.removed
    return tags.RulesApplied(added, removed)


def return_idle_members(database_url: str | None = None, at: datetime | None = None) -> int:
    """Ownership: members their owner has not served for the merchant's idle days go back to its pool, each merchant
    in a unit of work of its own (ownership.service.return_idle). Returns how many went back."""
    with unit_of_work(database_url) as session:
        merchants = ownership.merchants_due(session)
    back = 0
    for merchant_id in merchants:
        with unit_of_work(database_url) as session:
            back += ownership.return_idle(session, merchant_id, at)
    return back


def recount_overlap(database_url: str | None = None, at: datetime | None = None) -> int:
    """Customer overlap: each alliance whose memberships changed (and last counted ≥ REFRESH_MINUTES ago) is
    recounted in a unit of work of its own."""
    return _each_due(database_url, at, overlap.due_alliances, overlap.refresh_alliance)


def refresh_targeted_offers(database_url: str | None = None, at: datetime | None = None) -> int:
    """Targeted offers' results: each offer whose attribution window is open (last counted ≥ an hour ago) or closed
    since its last count is recounted in a unit of work of its own."""
    return _each_due(database_url, at, targeting_results.due_offers, targeting_results.refresh_offer)


def refresh_referral_rollups(database_url: str | None = None, at: datetime | None = None) -> int:
    """The dashboards' referral rollups (referrals.rollup): each alliance brought up to now (the days touched since
    its last refresh) in a unit of work of its own."""
    return _each_due(database_url, at, referral_rollups.due_alliances, referral_rollups.run)


def refresh_values(database_url: str | None = None, at: datetime | None = None) -> int:
    """The member value model: each alliance due (last refreshed ≥ 10 minutes ago) refreshed incrementally in a
    unit of work of its own (one alliance's failure does not roll back another's)."""
    return _each_due(database_url, at, values.due_alliances, values.refresh)


class Scheduler:
    """Runs the jobs every `interval` seconds in a daemon thread while the server runs."""

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
                report = run_all(self.database_url)
                if any((report.rebates_released, report.points_expired, report.joint_card_fen_expired,
                        report.statements_built)):
                    log.info("jobs: released %d rebates, expired %d points and %d fen of joint cards, built %d "
                             "statements", report.rebates_released, report.points_expired,
                             report.joint_card_fen_expired, report.statements_built)
                if report.offers_sent:
                    log.info("jobs: sent %d targeted offers", report.offers_sent)
                if report.targeted_offers_refreshed:
                    log.info("jobs: refreshed the results of %d targeted offers", report.targeted_offers_refreshed)
                if report.rule_tags_added or report.rule_tags_removed:
                    log.info("jobs: rule tags: %d added, %d removed", report.rule_tags_added,
                             report.rule_tags_removed)
                if report.members_back_in_pool:
                    log.info("jobs: %d members back in their merchants' pools (not served)",
                             report.members_back_in_pool)
                if report.overlap_alliances_recounted:
                    log.info("jobs: recounted the customer overlap of %d alliances",
                             report.overlap_alliances_recounted)
            except Exception:  # a failed run must not kill the scheduler; the next run retries
                log.exception("scheduled jobs failed")
