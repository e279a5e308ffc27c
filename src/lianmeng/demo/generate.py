"""The catalogue expanded into people and histories with one seeded Random: no session, no clock, no I/O.

The same seed and scale give the same staff, phones, card numbers, names and timelines; only ids and the
encrypted phone blobs (random nonces) differ between loads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from lianmeng.agreements.domain import TRANSITIONS, AgreementAction, AgreementStatus
from lianmeng.demo import data
from lianmeng.demo.data import AgreementSpec, MerchantSpec
from lianmeng.kit import clock, ids
from lianmeng.members.domain import Gender, normalize_phone
from lianmeng.merchants.domain import StaffRole

Actor = Literal["a", "b", "operator"]
DAY = timedelta(days=1)
MEMBER_HISTORY_DAYS = 730


@dataclass(frozen=True)
class StaffDraft:
    merchant: str
    store: int  # index in the merchant's stores
    name: str
    role: StaffRole


@dataclass(frozen=True)
class MemberDraft:
    origin: str
    store: int
    guide: int | None  # index among the store's shopping guides
    phone: str
    card_no: str
    name: str | None
    birth_year: int | None
    gender: Gender
    consent_marketing: bool
    consent_data_sharing: bool
    joined_at: datetime
    tier: str


@dataclass(frozen=True)
class MembershipDraft:
    member: int  # index in the member drafts
    merchant: str
    tier: str
    joined_at: datetime


@dataclass(frozen=True)
class EventDraft:
    action: str
    from_status: AgreementStatus | None
    to_status: AgreementStatus
    by: Actor
    at: datetime
    note: str = ""


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))


def member_counts(scale: float) -> dict[str, int]:
    """Members each merchant brought (its origin members) at this scale."""
    return {spec.key: scaled(spec.members, scale) for spec in data.MERCHANTS}


class Names:
    """Chinese names, unique within one demo load."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def full(self, gender: Gender) -> str:
        pool = data.GIVEN_FEMALE if gender is Gender.FEMALE else data.GIVEN_MALE
        if gender in (Gender.OTHER, Gender.UNDISCLOSED):
            pool = data.GIVEN_FEMALE + data.GIVEN_MALE
        while True:
            given = "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(data.SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name

    def polite(self, gender: Gender) -> str:
        """'王先生' / '李女士', as staff note a walk-in customer."""
        return self.rng.choice(data.SURNAMES) + ("女士" if gender is Gender.FEMALE else "先生")


def draft_staff(rng: random.Random, names: Names) -> list[StaffDraft]:
    """3–6 per store: a manager, at least one shopping guide, the rest by the trade's usual roles."""
    staff: list[StaffDraft] = []
    for spec in data.MERCHANTS:
        pool = data.STAFF_ROLES.get(spec.industry, data.DEFAULT_STAFF_ROLES)
        for store in range(len(spec.stores)):
            roles = [StaffRole.MANAGER, StaffRole.SHOPPING_GUIDE, *rng.choices(pool, k=rng.randint(1, 4))]
            for role in roles:
                gender = rng.choice((Gender.FEMALE, Gender.MALE))
                staff.append(StaffDraft(spec.key, store, names.full(gender), role))
    return staff


def guide_counts(staff: list[StaffDraft]) -> dict[tuple[str, int], int]:
    counts: dict[tuple[str, int], int] = {}
    for person in staff:
        if person.role is StaffRole.SHOPPING_GUIDE:
            counts[(person.merchant, person.store)] = counts.get((person.merchant, person.store), 0) + 1
    return counts


class _Unique:
    """Phones and card numbers that no other demo member has."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()
        self.cards: set[str] = set()

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(data.PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones and normalize_phone(phone) == phone:
                self.phones.add(phone)
                return phone

    def card_no(self) -> str:
        while True:
            card_no = ids.new_card_number(randbelow=self.rng.randrange)
            if card_no not in self.cards:
                self.cards.add(card_no)
                return card_no


def business_hours_before(rng: random.Random, end: datetime, days: int) -> datetime:
    """A moment in shop hours (Shanghai 09:00–21:59) within `days` before `end`, as UTC."""
    day = clock.shanghai(end).date() - timedelta(days=rng.randrange(1, days + 1))
    local = datetime.combine(day, time(rng.randint(9, 21), rng.randrange(60)), tzinfo=clock.SHANGHAI)
    return local.astimezone(UTC)


def _gender(rng: random.Random, spec: MerchantSpec) -> Gender:
    if rng.randrange(100) < 8:
        return Gender.UNDISCLOSED
    return Gender.FEMALE if rng.randrange(100) < spec.female_percent else Gender.MALE


def _name(rng: random.Random, names: Names, gender: Gender) -> str | None:
    roll = rng.randrange(100)
    if roll < 30 and gender in (Gender.FEMALE, Gender.MALE):
        return names.polite(gender)
    return names.full(gender) if roll < 60 else None


def _tier(rng: random.Random) -> str:
    return rng.choices([t for t, _ in data.TIERS], weights=[w for _, w in data.TIERS])[0]


def draft_members(
    rng: random.Random, names: Names, guides: dict[tuple[str, int], int], scale: float
) -> list[MemberDraft]:
    unique = _Unique(rng)
    members: list[MemberDraft] = []
    counts = member_counts(scale)
    for spec in data.MERCHANTS:
        for _ in range(counts[spec.key]):
            store = rng.randrange(len(spec.stores))
            guide_count = guides.get((spec.key, store), 0)
            guide = rng.randrange(guide_count) if guide_count and rng.randrange(100) < 75 else None
            gender = _gender(rng, spec)
            members.append(MemberDraft(
                origin=spec.key, store=store, guide=guide, phone=unique.phone(), card_no=unique.card_no(),
                name=_name(rng, names, gender),
                birth_year=rng.randint(1978, 2000) if rng.randrange(100) < 90 else None, gender=gender,
                consent_marketing=rng.randrange(100) < 70, consent_data_sharing=rng.randrange(100) < 40,
                joined_at=business_hours_before(rng, data.ANCHOR, MEMBER_HISTORY_DAYS), tier=_tier(rng),
            ))
    return members


def draft_memberships(rng: random.Random, members: list[MemberDraft]) -> list[MembershipDraft]:
    """Each member's membership at its origin merchant, then the cross memberships of data.CROSS_MEMBERSHIPS."""
    memberships = [MembershipDraft(i, m.origin, m.tier, m.joined_at) for i, m in enumerate(members)]
    held = {(i, m.origin) for i, m in enumerate(members)}
    for cross in data.CROSS_MEMBERSHIPS:
        pool = [i for i, m in enumerate(members) if m.origin in cross.origins]
        for i in sorted(rng.sample(pool, (len(pool) * cross.percent + 50) // 100)):
            target = rng.choice(cross.targets)
            if (i, target) in held:
                continue
            held.add((i, target))
            since = members[i].joined_at
            joined = since + timedelta(seconds=rng.randrange(int((data.ANCHOR - since).total_seconds())))
            memberships.append(MembershipDraft(i, target, _tier(rng), joined))
    return memberships


_DEFAULT_ACTOR: dict[AgreementAction, Actor] = {
    AgreementAction.PROPOSE: "a", AgreementAction.WITHDRAW: "a", AgreementAction.ACCEPT: "b",
    AgreementAction.REJECT: "b", AgreementAction.ACTIVATE: "a", AgreementAction.SUSPEND: "operator",
    AgreementAction.RESUME: "operator", AgreementAction.TERMINATE: "operator",
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.SHANGHAI).astimezone(UTC)


def draft_events(rng: random.Random, spec: AgreementSpec) -> list[EventDraft]:
    """create, then spec.history replayed through the status flow, with times in order and before the anchor."""
    alliance_wide = spec.b is None
    latest = clock.shanghai(data.ANCHOR).date() - rng.randint(35, 60) * DAY
    start = min(spec.valid_from - rng.randint(20, 45) * DAY, latest)
    at = _at(start, rng.randint(9, 17))
    events = [EventDraft("create", None, AgreementStatus.DRAFT, "operator" if alliance_wide else "a", at)]
    status = AgreementStatus.DRAFT
    for n, action in enumerate(spec.history, start=1):
        target = TRANSITIONS[(status, action)][0]
        if action is AgreementAction.ACTIVATE:
            later = _at(spec.valid_from, 9)  # the flow refuses to activate before valid_from
        elif status is AgreementStatus.ACTIVE:
            later = min(at + rng.randint(45, 150) * DAY, data.ANCHOR - DAY)
        else:
            later = at + timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 8))
        at = max(later, at + timedelta(hours=2))
        note = spec.closing_note if n == len(spec.history) else ""
        by: Actor = "operator" if alliance_wide else _DEFAULT_ACTOR[action]
        events.append(EventDraft(action.value, status, target, by, at, note))
        status = target
    return events
