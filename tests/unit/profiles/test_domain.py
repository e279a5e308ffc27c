"""The completeness rules with no database: weights, what counts as present, averages, the week and the best
half hour."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.kit.clock import SHANGHAI
from lianmeng.profiles import domain
from lianmeng.profiles.domain import WEIGHTS, Profile, ProfileField

EMPTY = Profile(name=None, gender="undisclosed", birth_year=None, consents_answered=False, origin_store_id=None,
                tagged=False)
FULL = Profile(name="李娜", gender="female", birth_year=1988, consents_answered=True, origin_store_id=3, tagged=True)


def test_the_weights_add_up_to_100_and_name_each_field_once() -> None:
    assert sum(WEIGHTS.values()) == 100
    assert set(WEIGHTS) == set(ProfileField)
    assert domain.score(EMPTY) == 0 and domain.score(FULL) == 100


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "李娜"}, ProfileField.NAME), ({"gender": "male"}, ProfileField.GENDER),
    ({"gender": "other"}, ProfileField.GENDER), ({"birth_year": 1990}, ProfileField.BIRTH_YEAR),
    ({"consents_answered": True}, ProfileField.CONSENTS), ({"origin_store_id": 7}, ProfileField.STORE),
    ({"tagged": True}, ProfileField.TAG)])
def test_each_field_adds_exactly_its_weight(change: dict[str, object], field: ProfileField) -> None:
    one = replace(EMPTY, **change)  # type: ignore[arg-type]
    assert domain.score(one) == WEIGHTS[field]
    assert field not in domain.missing(one) and len(domain.missing(one)) == len(ProfileField) - 1


def test_a_blank_name_and_an_undisclosed_gender_are_missing() -> None:
    blank = replace(FULL, name="   ", gender="undisclosed")
    assert domain.score(blank) == 100 - WEIGHTS[ProfileField.NAME] - WEIGHTS[ProfileField.GENDER]
    assert domain.missing(blank) == [ProfileField.NAME, ProfileField.GENDER]


def test_missing_fields_come_heaviest_first_in_a_fixed_order() -> None:
    assert domain.missing(EMPTY) == [ProfileField.NAME, ProfileField.CONSENTS, ProfileField.TAG,
                                     ProfileField.GENDER, ProfileField.BIRTH_YEAR, ProfileField.STORE]
    assert domain.missing(FULL) == []


def test_consents_count_as_answered_when_both_were_recorded_or_staff_asked_both() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    assert not domain.consents_answered(None, None, None)
    assert not domain.consents_answered(at, None, None)  # only marketing given at enrolment: sharing not asked
    assert domain.consents_answered(at, at, None)
    assert domain.consents_answered(None, None, at)


def test_changed_lists_the_fields_an_edit_changed() -> None:
    assert domain.changed(EMPTY, EMPTY) == []
    after = replace(EMPTY, name="王", birth_year=1990, tagged=True)
    assert domain.changed(EMPTY, after) == [ProfileField.NAME, ProfileField.BIRTH_YEAR, ProfileField.TAG]
    assert domain.changed(replace(FULL, name="王"), FULL) == [ProfileField.NAME]  # a rename counts, score equal


def test_averages_round_half_up_and_are_zero_for_nobody() -> None:
    assert domain.average([]) == 0 and domain.average_of_sum(0, 0) == 0
    assert domain.average([0, 15]) == 8  # 7.5 → 8
    assert domain.average([20, 35, 35]) == 30
    assert domain.average([10, 10, 15]) == 12  # 11.67
    assert domain.average_of_sum(15, 2) == domain.average([0, 15])


def test_the_week_starts_monday_midnight_in_shanghai() -> None:
    sunday_night = datetime(2026, 12, 6, 23, 30, tzinfo=SHANGHAI)  # a Sunday
    assert domain.week_start(sunday_night) == datetime(2026, 11, 30, tzinfo=SHANGHAI)
    monday = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    assert domain.week_start(monday) == monday
    with pytest.raises(ValueError, match="timezone-aware"):
        domain.week_start(datetime(2026, 12, 7))


def test_the_best_half_hour_counts_saves_within_any_30_minutes() -> None:
    start = datetime(2026, 12, 7, 2, tzinfo=UTC)
    assert domain.best_burst([]) == 0
    hundred = [start + timedelta(seconds=17 * i) for i in range(105)]  # 105 saves in under 30 minutes
    assert domain.best_burst(hundred) == 105
    spread = [start, start + timedelta(minutes=29), start + timedelta(minutes=30), start + timedelta(minutes=59)]
    assert domain.best_burst(spread) == 2  # exactly 30 minutes apart is outside one window
    assert domain.best_burst(list(reversed(spread))) == 2
