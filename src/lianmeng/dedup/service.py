"""Use cases of duplicate candidates: the batch run (job, CLI, operator), the review queue and its decisions.

The batch (`run`) reads the alliance's members (name, birth year, gender, origin store, the phone's last digits)
and scores pairs with splink (`linking.find_member_pairs`); stores and merchants are few, so they are compared
pairwise within buckets (same name sound, nearby coordinates, same credit code) by the domain's rules. Pairs at or
above the alliance's review threshold are kept in `dedup_candidates`; a pair a reviewer already decided is never
proposed again. Above the auto threshold, and only if the alliance turned automatic merging on, the job merges
through the same `merge_confirmed` a reviewer's "merge" uses.

Freshness: `due_alliances` — at most once a day, sooner after NEW_MEMBERS_TRIGGER new members.

Nothing here commits: the door (request, job, CLI) does.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.db import job_lock
from lianmeng.dedup import domain, linking, repository
from lianmeng.dedup.domain import CandidateState, DedupKind, PairComparison, PlaceRecord, ThresholdDecision, Thresholds
from lianmeng.dedup.errors import Problem
from lianmeng.dedup.models import DedupCandidate, DedupSettings
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Forbidden, Invalid, NotFound
from lianmeng.merging import service as merging
from lianmeng.merging.domain import PlaceKind
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.principal import SYSTEM as SYSTEM_REVIEWER  # the job decides as the system
from lianmeng.vehicles import repository as vehicles_repo

LOCK_NAMESPACE = 0x4444  # "DD": the first key of the run's advisory locks
RUN_EVERY_HOURS = 24
NEW_MEMBERS_TRIGGER = 1_000


@dataclass(frozen=True)
class RunReport:
    alliance_id: int
    members: int
    member_pairs: int
    place_pairs: int
    auto_merged: int
    seconds: float


# --- thresholds --------------------------------------------------------------------------------------------


def thresholds(session: Session, alliance_id: int) -> Thresholds:
    row = repository.settings_row(session, alliance_id)
    if row is None:
        return Thresholds()
    return Thresholds(row.review_threshold, row.auto_threshold, row.auto_merge)


def _settings(session: Session, alliance_id: int) -> DedupSettings:
    row = repository.settings_row(session, alliance_id)
    if row is None:
        default = Thresholds()
        row = DedupSettings(alliance_id=alliance_id, review_threshold=default.review,
                            auto_threshold=default.auto, auto_merge=default.auto_merge,
                            members_at_last_run=0, pairs_found=0, seconds=0.0)
        session.add(row)
    return row


def read_thresholds(session: Session, p: Principal, alliance_id: int | None) -> tuple[int, Thresholds]:
    """The operator reads the alliance's thresholds."""
    policy.require_operator(p)
    alliance = alliance_of(p, alliance_id)
    return alliance, thresholds(session, alliance)


def set_thresholds(session: Session, p: Principal, alliance_id: int | None, review: float, auto: float,
                   auto_merge: bool) -> Thresholds:
    """The operator sets the alliance's thresholds (applied from the next run)."""
    policy.require_operator(p)
    alliance = alliance_of(p, alliance_id)
    try:
        wanted = Thresholds(review, auto, auto_merge)
    except ValueError:
        raise Invalid(Problem.DEDUP_THRESHOLDS) from None
    row = _settings(session, alliance)
    before = {"review_threshold": row.review_threshold, "auto_threshold": row.auto_threshold,
              "auto_merge": row.auto_merge}
    row.review_threshold, row.auto_threshold, row.auto_merge = wanted.review, wanted.auto, wanted.auto_merge
    session.flush()
    audit.record(session, p, AuditAction.DEDUP_SETTINGS, alliance, alliance_id=alliance, before=before,
                 after={"review_threshold": row.review_threshold, "auto_threshold": row.auto_threshold,
                        "auto_merge": row.auto_merge}, only_changes=True)
    return wanted


def alliance_of(p: Principal, alliance_id: int | None = None) -> int:
    """The alliance the caller works on: its own; the platform names one."""
    if p.is_platform:
        if alliance_id is None:
            raise Invalid(Problem.DEDUP_ALLIANCE_REQUIRED)
        return alliance_id
    if p.alliance_id is None:
        raise Forbidden()
    if alliance_id is not None and alliance_id != p.alliance_id:
        raise NotFound("alliance")
    return p.alliance_id


# --- the batch ---------------------------------------------------------------------------------------------


def due_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """Alliances with members never scanned, scanned more than RUN_EVERY_HOURS ago (and grown since), or grown
    by NEW_MEMBERS_TRIGGER members since the last run."""
    now = at or clock.now()
    due = []
    for alliance_id in repository.alliances_with_members(session):
        row = repository.settings_row(session, alliance_id)
        if row is None or row.last_run_at is None:
            due.append(alliance_id)
            continue
        grown = repository.member_count(session, alliance_id) - row.members_at_last_run
        if grown >= NEW_MEMBERS_TRIGGER or (grown > 0 and row.last_run_at <= now - timedelta(hours=RUN_EVERY_HOURS)):
            due.append(alliance_id)
    return due


def run(session: Session, alliance_id: int, at: datetime | None = None) -> RunReport:
    """Find the alliance's candidates now (one unit of work; a second run at once waits for this one)."""
    job_lock(session, LOCK_NAMESPACE, alliance_id)
    started = time.perf_counter()
    limits = thresholds(session, alliance_id)
    records = {r.id: r for r in repository.member_records(session, alliance_id)}
    pairs = linking.find_member_pairs(records.values(), limits.review)
    known = repository.existing(session, alliance_id, DedupKind.MEMBER)
    auto = 0
    for pair in pairs:
        comparison = domain.compare_members(records[pair.left_id], records[pair.right_id])
        candidate = _keep(session, known, alliance_id, DedupKind.MEMBER, pair.left_id, pair.right_id, pair.score,
                          comparison)
        if (candidate is not None and candidate.status == CandidateState.PENDING
                and domain.decide(pair.score, limits) is ThresholdDecision.AUTO_MERGE):
            auto += _auto_merge(session, candidate, at)
    places = _place_pairs(session, alliance_id)
    row = _settings(session, alliance_id)
    row.last_run_at = at or clock.now()
    row.members_at_last_run = len(records)
    row.pairs_found = len(pairs) + places
    row.seconds = round(time.perf_counter() - started, 3)
    session.flush()
    return RunReport(alliance_id, len(records), len(pairs), places, auto, row.seconds)


def _auto_merge(session: Session, candidate: DedupCandidate, at: datetime | None) -> int:
    """Merge one pair in a savepoint, the older record (the smaller id) surviving; a merge the merging rules
    refuse (e.g. a balance would go negative) leaves the pair pending for a reviewer and the run goes on."""
    try:
        with session.begin_nested():
            merge_confirmed(session, SYSTEM_REVIEWER, candidate, candidate.left_id, "automatic: score above the "
                            "alliance's auto-merge threshold", status=CandidateState.AUTO, at=at)
    except AppError:
        session.refresh(candidate)
        return 0
    return 1


def run_now(session: Session, p: Principal, alliance_id: int | None = None) -> RunReport:
    """The operator finds candidates at once (otherwise the scheduled jobs do, daily)."""
    policy.require_operator(p)
    return run(session, alliance_of(p, alliance_id))


def _keep(session: Session, known: dict[tuple[int, int], DedupCandidate], alliance_id: int, kind: DedupKind,
          left: int, right: int, score: float, comparison: PairComparison) -> DedupCandidate | None:
    """Insert a new pair, refresh a pending one; a decided pair is left as it was (None)."""
    fields = {"agree": comparison.agree, "disagree": comparison.disagree}
    candidate = known.get((left, right))
    if candidate is None:
        candidate = DedupCandidate(alliance_id=alliance_id, kind=kind, left_id=left, right_id=right,
                                   score=round(score, 6), fields=fields, status=CandidateState.PENDING, reason="")
        session.add(candidate)
        known[(left, right)] = candidate
        session.flush()
        return candidate
    if candidate.status != CandidateState.PENDING:
        return None
    candidate.score, candidate.fields = round(score, 6), fields
    return candidate


def _buckets(records: Iterable[PlaceRecord]) -> dict[str, list[PlaceRecord]]:
    """Blocking for places: the name's first two syllables, the coordinates' ~1 km cell, the credit code."""
    buckets: dict[str, list[PlaceRecord]] = defaultdict(list)
    for r in records:
        syllables = domain.pinyin_syllables(r.name)
        if syllables:
            buckets["n:" + "".join(syllables[:2])].append(r)
        if r.latitude is not None and r.longitude is not None:
            buckets[f"g:{round(r.latitude, 2)}:{round(r.longitude, 2)}"].append(r)
        if r.credit_code:
            buckets["c:" + r.credit_code.upper()].append(r)
    return buckets


def _compare_places(session: Session, alliance_id: int, kind: DedupKind, records: list[PlaceRecord]) -> int:
    known = repository.existing(session, alliance_id, kind)
    seen: set[tuple[int, int]] = set()
    kept = 0
    for bucket in _buckets(records).values():
        for a, b in combinations(sorted(bucket, key=lambda r: r.id), 2):
            if (a.id, b.id) in seen:
                continue
            seen.add((a.id, b.id))
            comparison = domain.compare_places(a, b)
            if comparison.score >= domain.PLACE_REVIEW:
                _keep(session, known, alliance_id, kind, a.id, b.id, comparison.score, comparison)
                kept += 1
    return kept


def _place_pairs(session: Session, alliance_id: int) -> int:
    stores = [record for record, _ in repository.store_records(session, alliance_id, unmerged=True)]
    return (_compare_places(session, alliance_id, DedupKind.STORE, stores)
            + _compare_places(session, alliance_id, DedupKind.MERCHANT,
                              repository.merchant_records(session, alliance_id, unmerged=True)))


# --- review ------------------------------------------------------------------------------------------------


def list_candidates(session: Session, p: Principal, *, status: str | None = None, kind: str | None = None,
                    alliance_id: int | None = None, limit: int = 50, offset: int = 0
                    ) -> tuple[list[DedupCandidate], int]:
    policy.require_staff_login(p)
    if alliance_id is not None:
        alliance_of(p, alliance_id)  # another alliance's id: 404, as for any of its rows
    return repository.queue(session, p, status=status, kind=kind, alliance_id=alliance_id, limit=limit,
                            offset=offset)


def candidate(session: Session, p: Principal, candidate_id: int) -> DedupCandidate:
    found = repository.readable(session, p, candidate_id)
    if found is None:
        raise NotFound("dedup_candidate")
    return found


def side_by_side(session: Session, found: DedupCandidate) -> list[dict[str, Any]]:
    """The two records as the reviewer compares them: member pairs with the masked phone only."""
    if found.kind != DedupKind.MEMBER:
        records = _places(session, found)
        return [{"id": r.id, "name": r.name, "address": r.address, "credit_code": r.credit_code,
                 "latitude": r.latitude, "longitude": r.longitude} for r in records]
    members = repository.members_by_id(session, [found.left_id, found.right_id])
    plates = vehicles_repo.plate_hashes(session, found.alliance_id, members)
    masked = vehicles_repo.plates_masked(session, found.alliance_id, members)
    out = []
    for member_id in (found.left_id, found.right_id):
        m = members.get(member_id)
        if m is None:
            continue
        out.append({"id": m.id, "card_no": m.card_no, "name": m.name, "birth_year": m.birth_year,
                    "gender": m.gender, "origin_store_id": m.origin_store_id, "phone_masked": m.phone_masked,
                    "status": m.status, "created_at": m.created_at,
                    "plates": masked.get(m.id, []), "plate_hashes": plates.get(m.id, ())})
    return out


def _places(session: Session, found: DedupCandidate) -> list[PlaceRecord]:
    if found.kind == DedupKind.STORE:
        records = [r for r, _ in repository.store_records(session, found.alliance_id)]
    else:
        records = repository.merchant_records(session, found.alliance_id)
    return [r for r in records if r.id in (found.left_id, found.right_id)]


def _decidable(session: Session, p: Principal, candidate_id: int) -> DedupCandidate:
    found = candidate(session, p, candidate_id)
    if not (p.is_operator or p.manages_merchant) or p.promoter:
        raise Forbidden()
    if found.status not in (CandidateState.PENDING, CandidateState.CONFIRMED):
        raise Invalid(Problem.DEDUP_DECIDED)
    return found


def reject(session: Session, p: Principal, candidate_id: int, reason: str = "",
           at: datetime | None = None) -> DedupCandidate:
    """"Not a duplicate": the pair is closed and never proposed again."""
    found = _decidable(session, p, candidate_id)
    _decided(found, p, CandidateState.REJECTED, reason, at)
    session.flush()
    return found


def merge(session: Session, p: Principal, candidate_id: int, survivor_id: int, reason: str = "",
          at: datetime | None = None) -> DedupCandidate:
    """"The same": merge the pair, keeping `survivor_id` (one of the two). A store or merchant pair only by the
    operator (merging.service.merge_places refuses a merchant with business on record, in words)."""
    found = _decidable(session, p, candidate_id)
    if found.kind != DedupKind.MEMBER and not p.is_operator:
        raise Invalid(Problem.DEDUP_MERGE_MEMBERS_ONLY)
    if survivor_id not in (found.left_id, found.right_id):
        raise Invalid(Problem.DEDUP_SURVIVOR)
    merge_confirmed(session, p, found, survivor_id, reason, at=at)
    session.flush()
    return found


def merge_confirmed(session: Session, p: Principal, found: DedupCandidate, survivor_id: int, reason: str,
                    status: CandidateState = CandidateState.MERGED, at: datetime | None = None) -> None:
    """The one place a candidate becomes a merge: `merging.service.merge_members` moves everything to the survivor
    (by ledger postings) and keeps the absorbed member as a tombstone; a store or merchant pair goes through
    `merging.service.merge_places` (the absorbed one closed, pointing to the survivor); then the candidate is
    closed."""
    absorbed_id = found.right_id if survivor_id == found.left_id else found.left_id
    if found.kind == DedupKind.MEMBER:
        merging.merge_members(session, p, survivor_id, absorbed_id, reason or "duplicate candidate")
    else:
        merging.merge_places(session, p, PlaceKind(found.kind), survivor_id, absorbed_id,
                             reason or "duplicate candidate")
    _decided(found, p, status, reason, at)
    found.survivor_id = survivor_id


def _decided(found: DedupCandidate, p: Principal, status: CandidateState, reason: str, at: datetime | None) -> None:
    found.status = status
    found.reason = reason[:200]
    found.decided_at = at or clock.now()
    found.decided_by_user_id = p.id if p.kind == "user" else None
