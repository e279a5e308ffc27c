"""The job registry: each kind is "which alliances are due now" and "run one alliance", nothing else. The runner
(jobs/service.py), the in-process scheduler and the procrastinate worker (jobs/queue.py) all read this table.

Adding a kind is one entry here (and its member in domain.JobKind):

    Job(JobKind.WEBHOOK_DELIVERY, webhooks.alliances_with_due_deliveries, webhooks.deliver_due),

where `due(session, at)` returns alliance ids (or (alliance id, period) pairs, when the job has a natural period of
its own such as a settled month), and `run(session, alliance_id, at)` does one alliance's work in the caller's unit
of work and returns what it counted (an int, a dataclass of ints or a mapping). It never commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.commissions import service as commissions
from lianmeng.dedup import service as dedup
from lianmeng.distribution import service as distribution
from lianmeng.groupbuys import service as groupbuys
from lianmeng.groupbuys import sharing as group_buy_sharing
from lianmeng.jobs.domain import JobKind
from lianmeng.jointcards import service as jointcards
from lianmeng.members import service as members
from lianmeng.notifications import service as notifications
from lianmeng.overlap import service as overlap
from lianmeng.ownership import service as ownership
from lianmeng.points import service as points
from lianmeng.prospects import service as prospects
from lianmeng.referrals import rollup as referral_rollups
from lianmeng.revenue import service as revenue
from lianmeng.settlement import service as settlement
from lianmeng.tags import service as tags
from lianmeng.targeting import results as targeting_results
from lianmeng.targeting import sending as targeting
from lianmeng.values import service as values

Due = Callable[[Session, datetime], Sequence[int] | Sequence[tuple[int, str]]]
Run = Callable[[Session, int, datetime], object]

SEND_STEPS_PER_RUN = 50  # one alliance's sends per run at most 50 batches (50,000 messages); the rest next tick


@dataclass(frozen=True)
class Job:
    kind: JobKind
    due: Due
    run: Run


def send_offers_in(session: Session, alliance_id: int, at: datetime,
                   batch: int = targeting.DEFAULT_BATCH) -> dict[str, int]:
    """The alliance's offer sends, step after step (assign, send a batch, finish) until nothing is left or
    SEND_STEPS_PER_RUN steps, in this run's unit of work."""
    sent = assigned = finished = 0
    for _ in range(SEND_STEPS_PER_RUN):
        step = targeting.send_due(session, at, batch, alliance_id=alliance_id)
        sent, assigned, finished = sent + step.sent, assigned + step.assigned, finished + step.finished
        if not step.did_something:
            break
    return {"sent": sent, "assigned": assigned, "finished": finished}


JOBS: tuple[Job, ...] = (
    Job(JobKind.REBATES_RELEASE, commissions.alliances_due,
        lambda s, a, at: commissions.release_matured(s, at, alliance_id=a)),
    Job(JobKind.DISTRIBUTION_POINTS,  # coupons' sharers and packages' sharers (groupbuys.sharing)
        lambda s, at: sorted(set(distribution.alliances_due(s, at)) | set(group_buy_sharing.alliances_due(s, at))),
        lambda s, a, at: distribution.release_points(s, at, alliance_id=a)
        + group_buy_sharing.release_points(s, at, alliance_id=a)),
    Job(JobKind.POINTS_EXPIRY, points.alliances_due, lambda s, a, at: points.expire_due(s, at, alliance_id=a)),
    Job(JobKind.POINTS_EXPIRY_NOTICE, notifications.expiry_notice_alliances,
        lambda s, a, at: notifications.warn_expiring_points(s, at, alliance_id=a)),
    Job(JobKind.JOINT_CARD_EXPIRY, jointcards.alliances_due,
        lambda s, a, at: jointcards.expire_due(s, at, alliance_id=a)),
    Job(JobKind.OPERATOR_FEES, revenue.alliances_due, revenue.charge_due),
    Job(JobKind.GROUP_BUY_EXPIRY, groupbuys.alliances_due,
        lambda s, a, at: groupbuys.expire_due(s, at, alliance_id=a).model_dump()),
    Job(JobKind.SETTLEMENT, settlement.due_periods, lambda s, a, at: settlement.settle_due(s, at, alliance_id=a)),
    Job(JobKind.UNPROVED_PHONES, members.alliances_with_unconfirmed,
        lambda s, a, at: members.purge_unconfirmed(s, at, alliance_id=a)),
    Job(JobKind.PROSPECT_INDEX_PURGE, prospects.alliances_to_purge,
        lambda s, a, at: prospects.purge_expired(s, at, alliance_id=a)),
    Job(JobKind.OVERLAP_RECOUNT, overlap.due_alliances, overlap.refresh_alliance),
    Job(JobKind.MEMBER_VALUES, values.due_alliances, values.refresh),
    Job(JobKind.TAG_RULES, tags.due_alliances, tags.apply_rules),
    Job(JobKind.OFFER_SENDING, targeting.alliances_sending, send_offers_in),
    Job(JobKind.IDLE_MEMBERS, ownership.alliances_due, ownership.return_idle_in_alliance),
    Job(JobKind.OFFER_RESULTS, targeting_results.due_alliances, targeting_results.refresh_alliance),
    Job(JobKind.DUPLICATES, dedup.due_alliances, dedup.run),
    Job(JobKind.REFERRAL_ROLLUPS, referral_rollups.due_alliances, referral_rollups.run),
)
BY_KIND: dict[JobKind, Job] = {job.kind: job for job in JOBS}
