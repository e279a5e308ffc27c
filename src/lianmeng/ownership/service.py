"""Use cases of ownership: assign in bulk, claim from the pool, release, hand over, return idle members, merge.

Services never commit: the API, the pages, the CLI and the jobs commit once. Every change of owner closes the open
history period and opens the next one in the same transaction, so the history always tells who owned whom when.
A claim inserts the (merchant, member) row under its unique key in a savepoint: of two staff claiming one member
at once, the second insert fails (PostgreSQL waits for the first to commit) and gets 409.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.db import insert_once, job_lock
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.models import Staff
from lianmeng.ownership import domain, repository
from lianmeng.ownership.domain import OwnershipChange, OwnershipRefused
from lianmeng.ownership.errors import Problem
from lianmeng.ownership.models import MemberOwner, OwnershipPeriod, OwnershipSettings
from lianmeng.ownership.schemas import AssignIn, HandOverIn, SettingsIn
from lianmeng.tenancy import Principal, policy

JOB_LOCK_NAMESPACE = 14_004  # pg advisory lock namespace of the idle-return job (one key per merchant)


def _refused(refusal: OwnershipRefused) -> AppError:
    if refusal.status == 409:
        return Conflict(refusal.code, **refusal.params)
    return Invalid(refusal.code, **refusal.params)


def _user(actor: Principal | None) -> int | None:
    return actor.id if actor is not None and actor.kind == "user" else None


# --- the history ---------------------------------------------------------------------------------------------------


def _start(session: Session, alliance_id: int, merchant_id: int, member_id: int, staff_id: int,
           change: OwnershipChange, at: datetime, by: int | None, other_member_id: int | None = None,
           ) -> MemberOwner | None:
    """A new owner where the member has none at the merchant; None when someone holds it already (a concurrent
    claim won)."""
    row = MemberOwner(alliance_id=alliance_id, merchant_id=merchant_id, member_id=member_id, staff_id=staff_id,
                      since=at, change=change.value)
    if not insert_once(session, row):
        return None
    period = OwnershipPeriod(alliance_id=alliance_id, merchant_id=merchant_id, member_id=member_id,
                             staff_id=staff_id, started_at=at, start_change=change.value, started_by_user_id=by,
                             other_member_id=other_member_id)
    session.add(period)
    session.flush()
    row.history_id = period.id
    return row


def _end_periods(session: Session, rows: Sequence[MemberOwner], change: OwnershipChange, at: datetime,
                 by: int | None, other_member_id: int | None = None) -> None:
    found = repository.periods(session, [r.history_id for r in rows if r.history_id is not None])
    for row in rows:
        period = found.get(row.history_id or 0)
        if period is not None and period.ended_at is None:
            period.ended_at, period.end_change, period.ended_by_user_id = at, change.value, by
            if other_member_id is not None:
                period.other_member_id = other_member_id


def _end(session: Session, rows: Sequence[MemberOwner], change: OwnershipChange, at: datetime, by: int | None,
         other_member_id: int | None = None) -> None:
    """These owners stop: their periods close, their members go to the pool."""
    if not rows:
        return
    _end_periods(session, rows, change, at, by, other_member_id)
    repository.remove(session, rows)
    session.flush()


def _move(session: Session, rows: Sequence[MemberOwner], staff_id: int, ended: OwnershipChange,
          started: OwnershipChange, at: datetime, by: int | None) -> None:
    """These members change owner: the old periods close, new ones open, the rows keep their key."""
    rows = [r for r in rows if r.staff_id != staff_id]
    if not rows:
        return
    _end_periods(session, rows, ended, at, by)
    for row in rows:
        period = OwnershipPeriod(alliance_id=row.alliance_id, merchant_id=row.merchant_id, member_id=row.member_id,
                                 staff_id=staff_id, started_at=at, start_change=started.value, started_by_user_id=by)
        session.add(period)
        session.flush()
        row.staff_id, row.since, row.change, row.history_id = staff_id, at, started.value, period.id
    session.flush()


# --- settings --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    merchant_id: int
    daily_claim_limit: int
    idle_days: int


def _terms(session: Session, merchant_id: int) -> Terms:
    row = repository.settings_of(session, merchant_id)
    if row is None:
        return Terms(merchant_id, domain.DEFAULT_DAILY_CLAIM_LIMIT, domain.DEFAULT_IDLE_DAYS)
    return Terms(merchant_id, row.daily_claim_limit, row.idle_days)


def terms(session: Session, actor: Principal) -> Terms:
    return _terms(session, policy.ownership_merchant(actor))


def set_terms(session: Session, actor: Principal, data: SettingsIn) -> Terms:
    merchant_id = policy.require_ownership_admin(actor)
    try:
        domain.check_settings(data.daily_claim_limit, data.idle_days)
    except OwnershipRefused as refusal:
        raise _refused(refusal) from None
    row = repository.settings_of(session, merchant_id, lock=True)
    if row is None:
        alliance_id = actor.alliance_id
        assert alliance_id is not None  # an ownership admin is a merchant's, in an alliance
        row = OwnershipSettings(alliance_id=alliance_id, merchant_id=merchant_id)
        session.add(row)
    before = {"daily_claim_limit": row.daily_claim_limit, "idle_days": row.idle_days}
    row.daily_claim_limit, row.idle_days, row.updated_by_user_id = data.daily_claim_limit, data.idle_days, _user(
        actor)
    session.flush()
    audit.record(session, actor, AuditAction.OWNERSHIP_SETTINGS, merchant_id, before=before,
                 after={"daily_claim_limit": row.daily_claim_limit, "idle_days": row.idle_days}, only_changes=True)
    return _terms(session, merchant_id)


# --- bulk assignment -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    assigned: int
    unchanged: int
    to_pool: int
    per_staff: dict[int, int]


def assign(session: Session, actor: Principal, data: AssignIn) -> Assigned:
    """A merchant admin assigns the members the basis selects, round-robin over the chosen staff (each next member
    to whoever holds fewest). `rest_to_pool`: the merchant's other owned members go back to the pool."""
    merchant_id = policy.require_ownership_admin(actor)
    alliance_id = actor.alliance_id
    assert alliance_id is not None
    staff = repository.active_staff(session, merchant_id, data.staff_ids)
    if len(staff) != len(set(data.staff_ids)):
        raise NotFound("staff")
    if data.basis in (domain.AssignBasis.ORIGIN_STORE, domain.AssignBasis.STORE_ORDERS) and data.store_id is None:
        raise Invalid(Problem.OWNERSHIP_STORE_REQUIRED)
    if data.basis is domain.AssignBasis.VALUE_CLASS and not data.rfm_classes:
        raise Invalid(Problem.OWNERSHIP_CLASSES_REQUIRED)
    if data.store_id is not None:
        store = merchants_repo.get_store(session, actor, data.store_id)
        if store.merchant_id != merchant_id:
            raise NotFound("store")
    member_ids = repository.members_by_basis(session, merchant_id, data.basis, store_id=data.store_id,
                                             rfm_classes=[c.value for c in data.rfm_classes],
                                             only_unowned=data.only_unowned)
    now = clock.now()
    by = _user(actor)
    try:
        domain.check_bulk_size(len(member_ids))
        plan = domain.round_robin(member_ids, list(data.staff_ids), repository.loads(session, merchant_id))
    except OwnershipRefused as refusal:
        raise _refused(refusal) from None
    current = repository.owner_rows(session, merchant_id, member_ids, lock=True)
    per_staff: dict[int, int] = {}
    assigned = unchanged = 0
    by_target: dict[int, list[MemberOwner]] = {}
    for member_id, staff_id in plan.items():
        row = current.get(member_id)
        if row is not None and row.staff_id == staff_id:
            unchanged += 1
            continue
        if row is None:
            if _start(session, alliance_id, merchant_id, member_id, staff_id, OwnershipChange.BULK_ASSIGNED, now,
                      by) is None:
                continue  # claimed a moment ago by someone else: theirs now
        else:
            by_target.setdefault(staff_id, []).append(row)
        assigned += 1
        per_staff[staff_id] = per_staff.get(staff_id, 0) + 1
    for staff_id, rows in by_target.items():
        _move(session, rows, staff_id, OwnershipChange.RE_ASSIGNED, OwnershipChange.BULK_ASSIGNED, now, by)
    to_pool = 0
    if data.rest_to_pool:
        chosen = set(plan)
        rest = [row for row in repository.owner_rows(
            session, merchant_id, _owned_member_ids(session, merchant_id), lock=True).values()
            if row.member_id not in chosen]
        _end(session, rest, OwnershipChange.RE_ASSIGNED, now, by)
        to_pool = len(rest)
    return Assigned(assigned, unchanged, to_pool, per_staff)


def _owned_member_ids(session: Session, merchant_id: int) -> list[int]:
    return list(session.scalars(select(MemberOwner.member_id).where(MemberOwner.merchant_id == merchant_id)))


# --- the pool: claim and release -------------------------------------------------------------------------------


def _day_start(now: datetime) -> datetime:
    local = clock.shanghai(now)
    return datetime.combine(local.date(), time(0), tzinfo=clock.SHANGHAI)


@dataclass(frozen=True)
class ClaimState:
    """A staff member's claims today and what is left of the daily limit."""

    limit: int
    claimed_today: int

    @property
    def remaining(self) -> int:
        return domain.remaining_claims(self.claimed_today, self.limit)


def claim_state(session: Session, actor: Principal) -> ClaimState:
    merchant_id, staff_id = policy.require_claimer(actor)
    limit = _terms(session, merchant_id).daily_claim_limit
    return ClaimState(limit, repository.claims_since(session, merchant_id, staff_id, _day_start(clock.now())))


def claim(session: Session, actor: Principal, member_id: int) -> MemberOwner:
    """The caller takes a member from its merchant's pool, within its daily limit. The staff row is locked first,
    so one staff member's concurrent claims are counted one after another; the unique (merchant, member) key
    decides between different staff."""
    merchant_id, staff_id = policy.require_claimer(actor)
    member = repository.is_member_of(session, merchant_id, member_id)
    if member is None:
        raise NotFound("member")
    staff = repository.lock_staff(session, staff_id)
    if staff is None or not staff.active:
        raise Forbidden(Problem.OWNERSHIP_STAFF_INACTIVE)
    now = clock.now()
    limit = _terms(session, merchant_id).daily_claim_limit
    try:
        domain.check_claim(repository.claims_since(session, merchant_id, staff_id, _day_start(now)), limit)
    except OwnershipRefused as refusal:
        raise _refused(refusal) from None
    held = repository.owner_row(session, merchant_id, member_id)
    if held is not None:
        raise Conflict(Problem.OWNERSHIP_ALREADY_YOURS if held.staff_id == staff_id else "ownership_already_owned")
    row = _start(session, member.alliance_id, merchant_id, member_id, staff_id, OwnershipChange.POOL_CLAIMED, now,
                 _user(actor))
    if row is None:
        raise Conflict(Problem.OWNERSHIP_ALREADY_OWNED)
    return row


def release(session: Session, actor: Principal, member_id: int) -> None:
    """Back to the pool: by its owner, or by the merchant's admin."""
    merchant_id = policy.ownership_merchant(actor)
    row = repository.owner_row(session, merchant_id, member_id, lock=True)
    if row is None or not (actor.manages_merchant or row.staff_id == actor.staff_id):
        raise NotFound("member_owner")
    _end(session, [row], OwnershipChange.OWNER_RELEASED, clock.now(), _user(actor))


# --- staff leaving -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandedOver:
    staff_id: int
    successor_staff_id: int | None
    moved: int
    deactivated: bool


def _hand_over(session: Session, staff: Staff, successor: Staff | None, by: int | None, *, leaving: bool) -> int:
    rows = repository.rows_of_staff(session, staff.id)
    now = clock.now()
    if successor is None:
        _end(session, rows, OwnershipChange.STAFF_LEFT if leaving else OwnershipChange.OWNER_RELEASED, now, by)
    else:
        _move(session, rows, successor.id, OwnershipChange.HANDED_OVER, OwnershipChange.HANDED_OVER, now, by)
    return len(rows)


def hand_over(session: Session, actor: Principal, data: HandOverIn) -> HandedOver:
    """A staff member's members go to a named successor at the same merchant, or to the pool; `deactivate` also
    marks the staff member as gone. Its rebates are untouched: frozen ones still release to it (commissions)."""
    merchant_id = policy.require_ownership_admin(actor)
    staff = merchants_repo.get_staff(session, actor, data.staff_id)
    if staff.merchant_id != merchant_id:
        raise NotFound("staff")
    successor = None
    if data.successor_staff_id is not None:
        if data.successor_staff_id == staff.id:
            raise Invalid(Problem.OWNERSHIP_SUCCESSOR_SELF)
        found = repository.active_staff(session, merchant_id, [data.successor_staff_id])
        if not found:
            raise NotFound("staff")
        successor = found[0]
    moved = _hand_over(session, staff, successor, _user(actor), leaving=data.deactivate)
    if data.deactivate:
        staff.active = False
    session.flush()
    return HandedOver(staff.id, successor.id if successor else None, moved, data.deactivate)


def staff_left(session: Session, staff: Staff, actor: Principal | None) -> int:
    """A staff member was deactivated (merchants.service.update_staff) without naming a successor: its members
    go to the pool. Returns how many."""
    return _hand_over(session, staff, None, _user(actor), leaving=True)


# --- idle owners: the job ----------------------------------------------------------------------------------------


def merchants_due(session: Session, alliance_id: int | None = None) -> list[int]:
    return repository.merchants_with_owners(session, alliance_id)


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances where some merchant has owned members (each is checked for idle ones)."""
    return repository.alliances_with_owners(session)


def return_idle_in_alliance(session: Session, alliance_id: int, at: datetime | None = None) -> int:
    """`return_idle` for every merchant of the alliance with owned members, in the caller's unit of work."""
    return sum(return_idle(session, merchant_id, at) for merchant_id in merchants_due(session, alliance_id))


def return_idle(session: Session, merchant_id: int, at: datetime | None = None) -> int:
    """The merchant's members whose owner has not served them for its idle days go back to the pool. Idempotent:
    a second run finds them in the pool already. Two runs take turns per merchant."""
    job_lock(session, JOB_LOCK_NAMESPACE, merchant_id)
    now = at or clock.now()
    cutoff = domain.idle_cutoff(now, _terms(session, merchant_id).idle_days)
    rows = repository.idle_rows(session, merchant_id, cutoff)
    _end(session, rows, OwnershipChange.IDLE_RETURNED, now, None)
    return len(rows)


# --- merging members (the seam helper 3's merge wires) -----------------------------------------------------------


def move_on_merge(session: Session, alliance_id: int, survivor_id: int, absorbed_id: int) -> None:
    """The survivor keeps its owner at a merchant where it has one; elsewhere it takes the absorbed member's. The
    absorbed member's periods close as merged (naming the survivor) so `restore_on_unmerge` can undo it."""
    now = clock.now()
    ordered = sorted((survivor_id, absorbed_id))
    rows = {m: repository.rows_of_member(session, alliance_id, m, lock=True) for m in ordered}
    survivor = {r.merchant_id: r for r in rows[survivor_id]}
    absorbed = {r.merchant_id: r for r in rows[absorbed_id]}
    moving = domain.moved_on_merge({m: r.staff_id for m, r in survivor.items()},
                                   {m: r.staff_id for m, r in absorbed.items()})
    _end(session, list(absorbed.values()), OwnershipChange.MERGE_MOVED, now, None, other_member_id=survivor_id)
    for merchant_id in moving:
        old = absorbed[merchant_id]
        _start(session, old.alliance_id, merchant_id, survivor_id, old.staff_id, OwnershipChange.MERGE_MOVED, now,
               None, other_member_id=absorbed_id)


def restore_on_unmerge(session: Session, alliance_id: int, survivor_id: int, absorbed_id: int) -> None:
    """Undo `move_on_merge`: owners the survivor took over from the absorbed member go back to it (if the survivor
    still has that owner there), and the absorbed member gets back each owner it had before the merge where it has
    none now and the staff member is still active."""
    now = clock.now()
    ended = repository.merge_periods(session, alliance_id, absorbed_id, survivor_id)
    taken = [r for r in repository.rows_of_member(session, alliance_id, survivor_id, lock=True)
             if r.change == OwnershipChange.MERGE_MOVED.value]
    back = {p.merchant_id: p for p in reversed(ended)}  # the latest merge's period per merchant wins
    giving_back = [r for r in taken if r.merchant_id in back and back[r.merchant_id].staff_id == r.staff_id]
    _end(session, giving_back, OwnershipChange.MERGE_MOVED, now, None, other_member_id=absorbed_id)
    has = {r.merchant_id for r in repository.rows_of_member(session, alliance_id, absorbed_id)}
    staff_ids = {p.staff_id for p in back.values()}
    active = {s.id for m in {p.merchant_id for p in back.values()}
              for s in repository.active_staff(session, m, staff_ids)}
    for merchant_id, period in sorted(back.items()):
        if merchant_id in has or period.staff_id not in active:
            continue
        _start(session, period.alliance_id, merchant_id, absorbed_id, period.staff_id, OwnershipChange.MERGE_MOVED,
               now, None, other_member_id=survivor_id)


# --- reads for the doors -----------------------------------------------------------------------------------------


def owners_for_attribution(session: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(member, merchant) → owner, for the referral attribution of orders (orders.service._attribute)."""
    return repository.owners_of(session, pairs)


@dataclass(frozen=True)
class StaffLoad:
    staff: Staff
    owned: int


@dataclass(frozen=True)
class Overview:
    merchant_id: int
    staff: list[StaffLoad]
    pool: int
    terms: Terms


def overview(session: Session, actor: Principal) -> Overview:
    """The merchant admin's view: each staff member with how many members it owns, and the pool's size."""
    merchant_id = policy.require_ownership_admin(actor)
    return Overview(merchant_id, [StaffLoad(s, n) for s, n in repository.staff_counts(session, merchant_id)],
                    repository.pool_count(session, merchant_id), _terms(session, merchant_id))


def pool_query(actor: Principal) -> tuple[int, Select[Any]]:
    merchant_id = policy.ownership_merchant(actor)
    return merchant_id, repository.pool(merchant_id)


def my_members(session: Session, actor: Principal) -> list[Member]:
    merchant_id, staff_id = policy.require_claimer(actor)
    return repository.members_of_owner(session, merchant_id, staff_id)
