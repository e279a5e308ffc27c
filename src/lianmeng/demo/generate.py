"""The catalogue expanded into people and histories with one seeded Random: no session, no clock, no I/O.

The same seed and scale give the same staff, phones, card numbers, names and timelines; only ids and the
encrypted phone blobs (random nonces) differ between loads.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from lianmeng.agreements.domain import TRANSITIONS, AgreementAction, AgreementEventKind, AgreementStatus
from lianmeng.coupons.domain import CouponKind
from lianmeng.demo import data
from lianmeng.demo.data import AgreementSpec, MerchantSpec
from lianmeng.distance.domain import prior_curve
from lianmeng.kit import clock, ids
from lianmeng.kit.geo import distance_m
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
    action: AgreementEventKind
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
    events = [EventDraft(AgreementEventKind.CREATE, None, AgreementStatus.DRAFT,
                         "operator" if alliance_wide else "a", at)]
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
        events.append(EventDraft(AgreementEventKind(action.value), status, target, by, at, note))
        status = target
    return events


# --- referral history (引流历史) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDraft:
    at: datetime  # the arrival's moment (paid at the till), or a later visit (order attached to the arrival)
    amount_fen: int  # what the member paid, after the coupon
    item: str
    external_id: str


@dataclass(frozen=True)
class FeedbackDraft:
    at: datetime
    rating: int
    comment: str


@dataclass(frozen=True)
class ArrivalDraft:
    at: datetime
    store: int  # index in the receiving merchant's stores
    staff: int  # index in the staff drafts: who served the member at the till
    bill_fen: int  # the bill before the coupon (0: only the free item)
    order: OrderDraft | None
    feedback: FeedbackDraft | None


@dataclass(frozen=True)
class CouponDraft:
    flow: int  # index in data.FLOWS
    target: str  # the receiving merchant
    member: int  # index in the member drafts; always a member the referring merchant brought (origin)
    guide: int  # index in the staff drafts: the referring merchant's shopping guide who handed it out
    issued_at: datetime
    claimed: bool  # claimed at the counter when handed out
    claimed_at: datetime | None  # claimed later from the wallet (never used)
    arrival: ArrivalDraft | None


@dataclass(frozen=True)
class FlowCounts:
    issued: int
    arrivals: int
    conversions: int


def half_up_percent(count: int, percent: int) -> int:
    """count × percent / 100, rounded half up: 480 × 62% → 298."""
    return (count * percent + 50) // 100


def flow_counts(spec: data.FlowSpec, arrivals: int) -> FlowCounts:
    issued = max(arrivals, (arrivals * 100 + spec.arrival_percent - 1) // spec.arrival_percent)
    return FlowCounts(issued, arrivals, half_up_percent(arrivals, spec.conversion_percent))


def history_start(end: datetime) -> datetime:
    return end - timedelta(weeks=data.HISTORY_WEEKS)


def amounts_averaging(rng: random.Random, count: int, average_fen: int, low_fen: int, high_fen: int) -> list[int]:
    """`count` first orders in whole ¥10 (or yuan) steps, spread like real bills, summing to exactly count ×
    average_fen: drawn log-normally around the average, then the difference spread evenly over all of them."""
    if count == 0:
        return []
    step = 1000 if average_fen % 1000 == 0 else 100 if average_fen % 100 == 0 else 1
    sigma = 0.55
    mu = math.log(average_fen) - sigma * sigma / 2
    low, high = -(-low_fen // step) * step, high_fen // step * step
    values = [min(max(round(rng.lognormvariate(mu, sigma) / step) * step, low), high) for _ in range(count)]
    share, extra = divmod((count * average_fen - sum(values)) // step, count)
    values = [v + share * step for v in values]
    for i in rng.sample(range(count), extra):
        values[i] += step
    while min(values) <= 0:  # only for absurd ranges: move money from the largest order to the smallest
        smallest, largest = values.index(min(values)), values.index(max(values))
        values[smallest] += step
        values[largest] -= step
    assert sum(values) == count * average_fen
    return values


def moment_between(rng: random.Random, after: datetime, before: datetime, opens: int = 9,
                   closes: int = 21) -> datetime | None:
    """A moment in shop hours (Shanghai `opens`:00 to `closes`:59) strictly between two instants; None if the gap
    holds none."""
    if after >= before:
        return None
    first, last = clock.shanghai(after).date(), clock.shanghai(before).date()
    days = (last - first).days
    for _ in range(20):
        day = first + timedelta(days=rng.randint(0, days))
        local = datetime.combine(day, time(rng.randint(opens, closes), rng.randrange(60)), tzinfo=clock.SHANGHAI)
        moment = local.astimezone(UTC)
        if after < moment < before:
            return moment
    return None


def _issue_moment(rng: random.Random, start: datetime, end: datetime, joined_at: datetime) -> datetime | None:
    """When the guide handed the coupon out: a week of the history by data.WEEK_WEIGHTS, after the member joined,
    early enough for a visit before `end`."""
    latest = end - 2 * DAY
    earliest = max(start, joined_at + DAY)
    if earliest >= latest:
        return None
    for _ in range(5):
        week = rng.choices(range(data.HISTORY_WEEKS), weights=data.WEEK_WEIGHTS)[0]
        begin = start + timedelta(weeks=week)
        moment = moment_between(rng, max(begin, earliest), min(begin + timedelta(weeks=1), latest))
        if moment is not None:
            return moment
    return moment_between(rng, earliest, latest)


def _rating(rng: random.Random, converted: bool) -> int:
    weights = (55, 35, 7, 2, 1) if converted else (25, 35, 25, 10, 5)
    return rng.choices((5, 4, 3, 2, 1), weights=weights)[0]


def _till_staff(staff: list[StaffDraft], merchant: str, store: int) -> list[int]:
    crew = [i for i, s in enumerate(staff) if s.merchant == merchant and s.store == store]
    serving = [i for i in crew if staff[i].role is not StaffRole.MANAGER]
    return serving or crew


DEMO_DECAY_PER_KM = prior_curve().b
"""How fast conversion falls with distance in the demo: the seed's (45% at 3 km, 12% at 15 km: ln 2 / b = 6.3 km),
so the alliance's fit on the demo recovers it (docs/distance-decay.md)."""


def store_km(a: data.StoreSpec, b: data.StoreSpec) -> float:
    return distance_m(a.latitude, a.longitude, b.latitude, b.longitude) / 1000


def converting_by_distance(rng: random.Random, kms: list[float], count: int, decay_per_km: float) -> set[int]:
    """Exactly `count` of the arrivals at these distances, arrival i chosen with probability
    p_i = min(1, c·exp(−b·km_i)) where c makes the p_i add up to `count`: a flow keeps seed 000's conversion figure
    while its near arrivals convert more than its far ones. Systematic sampling: the arrivals in random order lay
    their p_i end to end and the points u, u + 1, …, u + count − 1 (u uniform in [0, 1)) pick one arrival each, so
    each is picked with exactly its p_i."""
    n = len(kms)
    if count <= 0:
        return set()
    if count >= n:
        return set(range(n))
    weights = [math.exp(-decay_per_km * km) for km in kms]
    low, high = 0.0, 1.0 / min(weights)
    for _ in range(100):  # sum(min(1, c·w)) grows with c: bisect for the c that gives `count`
        middle = (low + high) / 2
        low, high = (middle, high) if sum(min(1.0, middle * w) for w in weights) < count else (low, middle)
    chances = [min(1.0, high * w) for w in weights]
    order = list(range(n))
    rng.shuffle(order)
    start, laid, nth = rng.random(), 0.0, 0
    chosen: set[int] = set()
    for i in order:
        laid += chances[i]
        while nth < count and start + nth < laid:
            chosen.add(i)
            nth += 1
    for i in sorted(range(n), key=lambda i: -chances[i]):  # rounding can leave the last point just past the end
        if len(chosen) >= count:
            break
        chosen.add(i)
    return chosen


def draft_history(rng: random.Random, staff: list[StaffDraft], members: list[MemberDraft],
                  memberships: list[MembershipDraft], end: datetime) -> tuple[list[CouponDraft], list[MembershipDraft]]:
    """The coupons of data.FLOWS over the ten weeks before `end`, with their arrivals, first orders and ratings.
    Returns them in no particular order, and the memberships with each arrival's cross membership dated to the
    arrival (the member joined the receiving merchant when first served there)."""
    start = history_start(end)
    specs = {spec.key: spec for spec in data.MERCHANTS}
    guides: dict[tuple[str, int], list[int]] = {}
    for i, person in enumerate(staff):
        if person.role is StaffRole.SHOPPING_GUIDE:
            guides.setdefault((person.merchant, person.store), []).append(i)
    position = {(m.member, m.merchant): n for n, m in enumerate(memberships)}
    memberships = list(memberships)
    coupons: list[CouponDraft] = []
    for flow_index, flow in enumerate(data.FLOWS):
        holders = sorted({(m.member, m.merchant) for m in memberships
                          if m.merchant in flow.targets and members[m.member].origin in flow.origins
                          and m.merchant != members[m.member].origin})
        counts = flow_counts(flow, len(holders))
        stores = [rng.randrange(len(specs[target].stores)) for _, target in holders]
        kms = [store_km(specs[members[m].origin].stores[members[m].store], specs[target].stores[store])
               for (m, target), store in zip(holders, stores, strict=True)]
        converting = converting_by_distance(rng, kms, counts.conversions, DEMO_DECAY_PER_KM)
        later = set(rng.sample(sorted(converting), half_up_percent(len(converting), flow.later_percent)))
        amounts = iter(amounts_averaging(rng, counts.conversions, flow.average_order_fen, *flow.order_range_fen))
        arrived = {member for member, _ in holders}
        others = [i for i, m in enumerate(members) if m.origin in flow.origins and i not in arrived]
        passive = sorted(rng.sample(others, min(len(others), counts.issued - counts.arrivals)))
        recipients: list[tuple[int, str, int | None]] = [(m, target, n) for n, (m, target) in enumerate(holders)]
        recipients += [(member, rng.choice(flow.targets), None) for member in passive]
        for member_index, target, holder in recipients:
            member = members[member_index]
            issued_at = _issue_moment(rng, start, end, member.joined_at)
            if issued_at is None:
                raise ValueError(f"member {member_index} joined too late for the referral history")
            store_guides = guides[(member.origin, member.store)]
            guide = store_guides[member.guide] if member.guide is not None else rng.choice(store_guides)
            claimed = rng.randrange(100) < data.CLAIMED_AT_COUNTER_PERCENT
            arrival = None
            claimed_at = None
            if holder is not None:
                amount = next(amounts) if holder in converting else None
                arrival = _arrival(rng, flow, specs[target], stores[holder], staff, issued_at, end, amount,
                                   later=holder in later, external_id=f"DEMO-{flow.key}-{holder + 1:04d}")
                n = position[(member_index, target)]
                memberships[n] = MembershipDraft(member_index, target, memberships[n].tier, arrival.at)
            elif not claimed and rng.randrange(100) < data.CLAIMED_LATER_PERCENT:
                claimed_at = moment_between(rng, issued_at, min(issued_at + 5 * DAY, end))
            coupons.append(CouponDraft(flow_index, target, member_index, guide, issued_at, claimed, claimed_at,
                                       arrival))
    return coupons, memberships


def _arrival(rng: random.Random, flow: data.FlowSpec, target: MerchantSpec, store: int, staff: list[StaffDraft],
             issued_at: datetime, end: datetime, amount: int | None, *, later: bool, external_id: str) -> ArrivalDraft:
    """The member uses the coupon at `store` within two weeks (and its validity); a conversion pays at the till, or
    on a later visit within ten days."""
    limit = min(issued_at + timedelta(days=min(14, flow.coupon.valid_days)), end - timedelta(hours=2))
    at = moment_between(rng, issued_at + timedelta(hours=2), limit) or issued_at + (limit - issued_at) / 2
    server = rng.choice(_till_staff(staff, target.key, store))
    order = None
    if amount is not None:
        order_at = at
        if later:
            order_at = moment_between(rng, at + timedelta(hours=20), min(at + 10 * DAY, end)) or at
        order = OrderDraft(order_at, amount, rng.choice(flow.items), external_id)
    if order is not None and order.at == at:  # paid at the till: the bill before the coupon
        bill = amount_before_coupon(flow.coupon, order.amount_fen)
    elif flow.coupon.kind is CouponKind.CASH_VOUCHER:
        bill = rng.randrange(flow.coupon.value_fen // 3, flow.coupon.value_fen + 1, 100)  # the voucher covers it
    else:
        bill = 0  # only the free item
    feedback = None
    if rng.randrange(100) < data.FEEDBACK_PERCENT:
        rated = moment_between(rng, (order.at if order else at) + timedelta(hours=1), min(at + 12 * DAY, end))
        if rated is not None:
            rating = _rating(rng, order is not None)
            feedback = FeedbackDraft(rated, rating, rng.choice(data.FEEDBACK_COMMENTS[rating]))
    return ArrivalDraft(at, store, server, bill, order, feedback)


def amount_before_coupon(coupon: data.CouponSpec, paid_fen: int) -> int:
    """The bill that leaves `paid_fen` to pay once the coupon is taken off (coupons.domain.discount_fen)."""
    if coupon.kind in (CouponKind.FREE_ITEM, CouponKind.CASH_VOUCHER, CouponKind.AMOUNT_OFF):
        return paid_fen + coupon.value_fen
    raise ValueError(f"no demo coupon of kind {coupon.kind.value}")
