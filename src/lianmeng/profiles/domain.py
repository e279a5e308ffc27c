"""Pure rules of profile completeness (资料完整度): which fields count, what each is worth, averages, the week a
leaderboard counts and the best half hour of a staff member's edits. No session, no clock.

Weights (sum 100), chosen for what an alliance can use a profile for (docs/profiles.md):

| field | weight | present when |
|---|---|---|
| name | 20 | a name that is not blank |
| gender | 15 | anything but "undisclosed" |
| birth year | 15 | given |
| consents | 20 | both questions (marketing, data sharing) answered, yes or no |
| origin store | 10 | the store that enrolled the member is known |
| tag | 20 | at least one tag the merchant may see (its own, or declared by the member) |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lianmeng.kit.clock import require_aware
from lianmeng.kit.vocab import LabelledEnum, pairs


class ProfileField(LabelledEnum):
    NAME = "name", "姓名", "Name"
    GENDER = "gender", "性别", "Gender"
    BIRTH_YEAR = "birth_year", "出生年份", "Birth year"
    CONSENTS = "consents", "授权确认", "Consents answered"
    STORE = "origin_store", "开卡门店", "Enrolling store"
    TAG = "tag", "标签", "Tags"


WEIGHTS: dict[ProfileField, int] = {
    ProfileField.NAME: 20,
    ProfileField.GENDER: 15,
    ProfileField.BIRTH_YEAR: 15,
    ProfileField.CONSENTS: 20,
    ProfileField.STORE: 10,
    ProfileField.TAG: 20,
}
FIELD_LABELS: dict[ProfileField, tuple[str, str]] = pairs(ProfileField)
FULL = 100
UNDISCLOSED = "undisclosed"
BURST_WINDOW = timedelta(minutes=30)  # seed 004: "staff updating 100+ records in half an hour"
assert sum(WEIGHTS.values()) == FULL


@dataclass(frozen=True)
class Profile:
    """What the score reads of one member, as one merchant sees it."""

    name: str | None
    gender: str
    birth_year: int | None
    consents_answered: bool
    origin_store_id: int | None
    tagged: bool


def present(profile: Profile) -> frozenset[ProfileField]:
    found = {
        ProfileField.NAME: bool((profile.name or "").strip()),
        ProfileField.GENDER: profile.gender != UNDISCLOSED,
        ProfileField.BIRTH_YEAR: profile.birth_year is not None,
        ProfileField.CONSENTS: profile.consents_answered,
        ProfileField.STORE: profile.origin_store_id is not None,
        ProfileField.TAG: profile.tagged,
    }
    return frozenset(field for field, ok in found.items() if ok)


def score(profile: Profile) -> int:
    """0–100: the sum of the weights of the fields present."""
    return sum(WEIGHTS[field] for field in present(profile))


def missing(profile: Profile) -> list[ProfileField]:
    """The fields still to fill in, heaviest first (what a staff member should ask for first)."""
    have = present(profile)
    return sorted((f for f in ProfileField if f not in have), key=lambda f: (-WEIGHTS[f], list(ProfileField).index(f)))


def consents_answered(marketing_at: datetime | None, sharing_at: datetime | None,
                      answered_at: datetime | None) -> bool:
    """Both questions were put to the member: either each consent was given or changed at a known time, or a staff
    member recorded both answers at once (a "no" to a question that was already "no" changes no consent time)."""
    return answered_at is not None or (marketing_at is not None and sharing_at is not None)


def changed(before: Profile, after: Profile) -> list[ProfileField]:
    """The fields an edit changed, in a fixed order (what `profile_edits` records)."""
    pairs = {
        ProfileField.NAME: (before.name, after.name),
        ProfileField.GENDER: (before.gender, after.gender),
        ProfileField.BIRTH_YEAR: (before.birth_year, after.birth_year),
        ProfileField.CONSENTS: (before.consents_answered, after.consents_answered),
        ProfileField.STORE: (before.origin_store_id, after.origin_store_id),
        ProfileField.TAG: (before.tagged, after.tagged),
    }
    return [field for field in ProfileField if pairs[field][0] != pairs[field][1]]


def average(scores: Iterable[int]) -> int:
    """The rounded mean (half up) of some scores; 0 for none."""
    values = list(scores)
    if not values:
        return 0
    return (2 * sum(values) + len(values)) // (2 * len(values))


def average_of_sum(total: int, count: int) -> int:
    """The same rounding from a sum and a count (what SQL aggregates give)."""
    return 0 if count <= 0 else (2 * total + count) // (2 * count)


def week_start(local_now: datetime) -> datetime:
    """Monday 00:00 of the week containing `local_now`, in its own zone (pass Asia/Shanghai time): the
    leaderboard's "this week" as the shop counts it."""
    require_aware(local_now, "local_now")
    monday = local_now - timedelta(days=local_now.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def best_burst(times: Sequence[datetime], window: timedelta = BURST_WINDOW) -> int:
    """The most records saved within any `window` (two pointers over the sorted times)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
