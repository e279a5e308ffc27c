"""Use cases of profile completeness: the queue, one member's profile with its neighbours, saving (through the
members and tags services, recording what changed), and the leaderboard. Services never commit."""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid
from lianmeng.kit.pagination import Page, PageParams
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.models import Member
from lianmeng.members.schemas import MemberUpdate
from lianmeng.merchants.models import Store
from lianmeng.profiles import domain, repository
from lianmeng.profiles.models import ProfileEdit
from lianmeng.profiles.repository import QueueFilter
from lianmeng.profiles.schemas import (
    LeaderboardOut,
    MemberCompleteness,
    MerchantRow,
    ProfileSaved,
    ProfileUpdate,
    StaffRow,
)
from lianmeng.tags import service as tags_service
from lianmeng.tags.schemas import StaffTagIn
from lianmeng.tenancy import Principal
from lianmeng.vehicles import repository as vehicles_repo
from lianmeng.vehicles import service as vehicles_service
from lianmeng.vehicles.schemas import VehicleCreate


def merchant_of(p: Principal) -> int:
    """Profiles are filled in by a merchant's staff (admins, staff, integrations), never a promoter, who serves
    nobody; the operator reads per-merchant averages only."""
    if not p.is_merchant_side or p.merchant_id is None or p.promoter:
        raise Forbidden()
    return p.merchant_id


def profile_of(session: Session, member: Member, merchant_id: int) -> domain.Profile:
    return _profile(member, repository.is_tagged(session, member.id, merchant_id))


def _profile(member: Member, tagged: bool) -> domain.Profile:
    return domain.Profile(
        name=member.name, gender=member.gender, birth_year=member.birth_year,
        consents_answered=domain.consents_answered(member.consent_marketing_at, member.consent_data_sharing_at,
                                                   member.consents_answered_at),
        origin_store_id=member.origin_store_id, tagged=tagged)


def _row(member: Member, score: int, profile: domain.Profile) -> MemberCompleteness:
    return MemberCompleteness(member_id=member.id, card_no=member.card_no, phone_masked=member.phone_masked,
                              name=member.name, score=score, missing=domain.missing(profile),
                              origin_store_id=member.origin_store_id, responsible_staff_id=member.origin_staff_id)


def queue(session: Session, p: Principal, filters: QueueFilter, paging: PageParams) -> Page[MemberCompleteness]:
    """The caller's members, least complete first."""
    merchant_id = merchant_of(p)
    total = repository.count_queue(session, p, merchant_id, filters)
    rows = session.execute(repository.queue(p, merchant_id, filters).limit(paging.page_size)
                           .offset(paging.offset)).all()
    tagged = repository.tagged_among(session, [member.id for member, _ in rows], merchant_id)
    items = [_row(member, int(score), _profile(member, member.id in tagged)) for member, score in rows]
    return Page[MemberCompleteness](items=items, total=total, page=paging.page, page_size=paging.page_size)


def stores_for_filter(session: Session, p: Principal) -> list[Store]:
    return repository.stores_of(session, p.alliance_id, merchant_of(p))


@dataclass(frozen=True)
class ProfileView:
    member: Member
    profile: domain.Profile
    score: int
    missing: list[domain.ProfileField]
    previous_id: int | None
    next_id: int | None
    stores: list[Store]
    may_set_store: bool
    plates: list[str] = field(default_factory=list)  # the member's plates, masked (vehicles)


def view(session: Session, p: Principal, member_id: int, filters: QueueFilter) -> ProfileView:
    """One member's profile, and who comes before and after it in the queue with these filters."""
    merchant_id = merchant_of(p)
    member = members_repo.get_member(session, p, member_id)
    profile = profile_of(session, member, merchant_id)
    score = domain.score(profile)
    previous_id, next_id = repository.neighbours(session, p, merchant_id, filters, (score, member.id))
    own = member.origin_merchant_id == merchant_id
    plates = [v.plate_masked for v in vehicles_repo.vehicles_of(session, p, member.id) if v.plate_masked]
    return ProfileView(member, profile, score, domain.missing(profile), previous_id, next_id,
                       repository.stores_of(session, member.alliance_id, merchant_id) if own else [], own, plates)


def next_after(session: Session, p: Principal, filters: QueueFilter, key: tuple[int, int]) -> int | None:
    """The member after position (score, id) — the position a member had before it was saved, so "save & next"
    moves on to whoever followed it, not past everyone its new score overtook."""
    _, next_id = repository.neighbours(session, p, merchant_of(p), filters, key)
    return next_id


@dataclass(frozen=True)
class Saved:
    out: ProfileSaved
    key_before: tuple[int, int]


def save(session: Session, p: Principal, member_id: int, data: ProfileUpdate) -> Saved:
    """Apply what the staff member filled in through the members service (its validation and tenancy) and the
    tags service; record the fields that changed. Saving the same values again changes and records nothing."""
    merchant_id = merchant_of(p)
    member = members_repo.get_member(session, p, member_id)
    before = profile_of(session, member, merchant_id)
    changes = data.model_dump(exclude_unset=True)
    tag = changes.pop("tag", None)
    plate = changes.pop("plate", None)
    if changes:
        members_service.update_member(session, p, member.id, MemberUpdate.model_validate(changes))
    if tag:
        with suppress(Conflict):  # this merchant already gave the member this tag: nothing to add
            tags_service.add_staff_tag(session, p, member.id, StaffTagIn(tag=tag))
    if plate:
        _record_plate(session, p, member.id, plate)
    session.flush()
    after = profile_of(session, member, merchant_id)
    changed = domain.changed(before, after)
    score_before, score_after = domain.score(before), domain.score(after)
    if changed:
        session.add(ProfileEdit(alliance_id=member.alliance_id, merchant_id=merchant_id, member_id=member.id,
                                staff_id=p.staff_id, user_id=p.id if p.kind == "user" else None,
                                fields=",".join(f.value for f in changed), score_before=score_before,
                                score_after=score_after, at=clock.now()))
        session.flush()
    out = ProfileSaved(member_id=member.id, score_before=score_before, score=score_after, changed=changed,
                       missing=domain.missing(after))
    return Saved(out, (score_before, member.id))


def _record_plate(session: Session, p: Principal, member_id: int, plate: str) -> None:
    """The member's car, recorded as the vehicles service records it; already on this member: nothing to add."""
    try:
        vehicles_service.add_vehicle(session, p, member_id, VehicleCreate(plate=plate))
    except Conflict as error:
        if error.code != "vehicle_exists":
            raise


# --- the leaderboard ------------------------------------------------------------------------------------------


def week_start(now: datetime | None = None) -> datetime:
    return domain.week_start(clock.shanghai(now or clock.now())).astimezone(UTC)


def leaderboard(session: Session, p: Principal, now: datetime | None = None) -> LeaderboardOut:
    """A merchant's staff ranked by the average completeness of their members (then by records improved this
    week); the operator sees each merchant's average and nothing about any member."""
    since = week_start(now)
    if p.is_operator:
        return _merchants_board(session, p, since)
    merchant_id = merchant_of(p)
    totals = repository.by_staff(session, p, merchant_id)
    members = sum(n for n, _ in totals.values())
    overall = domain.average_of_sum(sum(s for _, s in totals.values()), members)
    edited: dict[int, set[int]] = defaultdict(set)
    times: dict[int, list[datetime]] = defaultdict(list)
    for staff_id, member_id, at in repository.edits_since(session, p.alliance_id, merchant_id, since):
        if staff_id is not None:
            edited[staff_id].add(member_id)
            times[staff_id].append(at)
    rows = []
    for staff in repository.staff_of(session, p.alliance_id, merchant_id):
        n, total = totals.get(staff.id, (0, 0))
        rows.append(StaffRow(staff_id=staff.id, name=staff.name, members=n,
                             average=domain.average_of_sum(total, n), improved_this_week=len(edited[staff.id]),
                             best_half_hour=domain.best_burst(times[staff.id])))
    rows.sort(key=lambda r: (-r.average, -r.improved_this_week, r.staff_id))
    unassigned = sum(n for staff_id, (n, _) in totals.items() if staff_id is None)
    return LeaderboardOut(week_start=since, average=overall, members=members, unassigned_members=unassigned,
                          staff=rows, merchants=[])


def _merchants_board(session: Session, p: Principal, since: datetime) -> LeaderboardOut:
    if p.alliance_id is None:
        raise Invalid("validation_error", details={"alliance_id": "a platform login reads no alliance's board"})
    totals = repository.by_merchant(session, p.alliance_id)
    improved = repository.improved_by_merchant(session, p.alliance_id, since)
    rows = []
    for merchant in repository.merchants_of(session, p.alliance_id):
        n, total = totals.get(merchant.id, (0, 0))
        rows.append(MerchantRow(merchant_id=merchant.id, name=merchant.name, members=n,
                                average=domain.average_of_sum(total, n),
                                improved_this_week=improved.get(merchant.id, 0)))
    rows.sort(key=lambda r: (-r.average, -r.members, r.merchant_id))
    pairs = sum(n for n, _ in totals.values())
    overall = domain.average_of_sum(sum(s for _, s in totals.values()), pairs)
    return LeaderboardOut(week_start=since, average=overall, members=pairs, unassigned_members=0, staff=[],
                          merchants=rows)
