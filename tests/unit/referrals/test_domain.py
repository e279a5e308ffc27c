"""Referral report rules: periods and ISO weeks in Shanghai time, rates, averages, ratings and rankings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.referrals.domain import (
    LeaderboardPeriod,
    Period,
    PeriodRefused,
    Week,
    acquisition_cost_fen,
    average_fen,
    average_rating,
    conversion_rate_bp,
    is_complaint,
    leaderboard_period,
    ranked,
    report_period,
    round_half_up_div,
    utc_bounds,
    week_of,
    weeks_in,
)

TODAY = date(2026, 11, 12)  # a Thursday


# --- periods --------------------------------------------------------------------------------------------------


def test_default_period_is_the_last_28_days_up_to_today() -> None:
    assert report_period(None, None, TODAY) == Period(date(2026, 10, 16), TODAY)
    assert report_period(None, None, TODAY).days == 28


def test_only_one_end_given() -> None:
    assert report_period(None, date(2026, 1, 31), TODAY) == Period(date(2026, 1, 4), date(2026, 1, 31))
    assert report_period(date(2026, 11, 1), None, TODAY) == Period(date(2026, 11, 1), TODAY)


def test_a_single_day_is_a_period() -> None:
    assert report_period(TODAY, TODAY, TODAY).days == 1


def test_inverted_period_is_refused() -> None:
    with pytest.raises(PeriodRefused) as refused:
        report_period(date(2026, 11, 2), date(2026, 11, 1), TODAY)
    assert refused.value.code == "report_range_inverted"
    assert refused.value.params == {"date_from": "2026-11-02", "date_to": "2026-11-01"}


def test_at_most_366_days() -> None:
    assert report_period(date(2024, 1, 1), date(2024, 12, 31), TODAY).days == 366  # a leap year: allowed
    with pytest.raises(PeriodRefused) as refused:
        report_period(date(2024, 1, 1), date(2025, 1, 1), TODAY)
    assert (refused.value.code, refused.value.params["days"]) == ("report_range_too_long", 367)
    with pytest.raises(PeriodRefused):
        report_period(date(2026, 11, 1), None, date(2027, 11, 2))  # from given, to = a far today


def test_utc_bounds_are_shanghai_midnights() -> None:
    start, end = utc_bounds(Period(date(2026, 11, 1), date(2026, 11, 7)))
    assert start.astimezone(UTC) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 11, 7, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=7)


# --- weeks ----------------------------------------------------------------------------------------------------


def test_week_labels_are_iso_weeks() -> None:
    assert week_of(date(2026, 11, 2)) == Week("2026-W45", date(2026, 11, 2))  # a Monday
    assert week_of(date(2026, 11, 8)) == Week("2026-W45", date(2026, 11, 2))  # its Sunday
    assert week_of(date(2026, 11, 9)) == Week("2026-W46", date(2026, 11, 9))


def test_week_labels_use_the_iso_year_around_new_year() -> None:
    assert week_of(date(2024, 12, 30)) == Week("2025-W01", date(2024, 12, 30))
    assert week_of(date(2021, 1, 3)) == Week("2020-W53", date(2020, 12, 28))
    assert week_of(date(2026, 1, 1)).label == "2026-W01"


def test_weeks_in_a_period_include_partial_first_and_last_weeks() -> None:
    weeks = weeks_in(Period(date(2026, 11, 5), date(2026, 11, 17)))
    assert [w.label for w in weeks] == ["2026-W45", "2026-W46", "2026-W47"]
    assert [w.start for w in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert [w.label for w in weeks_in(Period(TODAY, TODAY))] == ["2026-W46"]
    assert len(weeks_in(Period(date(2024, 1, 1), date(2024, 12, 31)))) == 53


def test_leaderboard_week_is_monday_to_sunday() -> None:
    assert leaderboard_period(LeaderboardPeriod.WEEK, TODAY) == Period(date(2026, 11, 9), date(2026, 11, 15))
    assert leaderboard_period(LeaderboardPeriod.WEEK, date(2026, 11, 15)) == Period(date(2026, 11, 9),
                                                                                 date(2026, 11, 15))
    assert leaderboard_period(LeaderboardPeriod.WEEK, date(2026, 11, 9)).start == date(2026, 11, 9)


@pytest.mark.parametrize(("at", "start", "end"), [
    (date(2026, 11, 12), date(2026, 11, 1), date(2026, 11, 30)),
    (date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29)),
    (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
    (date(2026, 1, 31), date(2026, 1, 1), date(2026, 1, 31)),
])
def test_leaderboard_month_is_the_calendar_month(at: date, start: date, end: date) -> None:
    assert leaderboard_period(LeaderboardPeriod.MONTH, at) == Period(start, end)


# --- figures --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "d", "expected"), [
    (5, 2, 3), (7, 2, 4), (4, 3, 1), (5, 3, 2), (0, 7, 0), (185_000, 3, 61_667), (-5, 2, -3), (-4, 3, -1),
])
def test_round_half_up_div(n: int, d: int, expected: int) -> None:
    assert round_half_up_div(n, d) == expected


def test_round_half_up_div_needs_a_positive_denominator() -> None:
    with pytest.raises(ValueError):
        round_half_up_div(1, 0)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=10**6))
def test_round_half_up_div_is_within_half_of_the_exact_quotient(n: int, d: int) -> None:
    got = round_half_up_div(n, d)
    exact = Fraction(n, d)
    assert -Fraction(1, 2) < got - exact <= Fraction(1, 2)


def test_conversion_rate_in_basis_points() -> None:
    assert conversion_rate_bp(3, 5) == 6_000
    assert conversion_rate_bp(1, 3) == 3_333
    assert conversion_rate_bp(2, 3) == 6_667
    assert conversion_rate_bp(1, 8) == 1_250
    assert conversion_rate_bp(5, 5) == 10_000
    assert conversion_rate_bp(0, 4) == 0
    assert conversion_rate_bp(0, 0) is None


def test_averages_of_fen_round_half_up() -> None:
    assert average_fen(185_000, 3) == 61_667
    assert average_fen(5, 2) == 3
    assert average_fen(100, 4) == 25
    assert average_fen(0, 0) is None
    assert average_fen(1_000, 0) is None


def test_acquisition_cost_adds_discount_commission_and_incentives() -> None:
    assert acquisition_cost_fen(10_000, 9_000, 3_000) == 22_000
    assert average_fen(acquisition_cost_fen(10_000, 9_000, 3_000), 3) == 7_333


@pytest.mark.parametrize(("total", "count", "expected"), [
    (9, 2, "4.5"), (13, 3, "4.3"), (14, 3, "4.7"), (5, 1, "5.0"), (1, 1, "1.0"), (11, 4, "2.8"), (7, 4, "1.8"),
    (0, 0, None),
])
def test_average_rating_has_one_decimal(total: int, count: int, expected: str | None) -> None:
    assert average_rating(total, count) == expected


def test_ratings_of_one_or_two_are_complaints() -> None:
    assert [is_complaint(r) for r in range(1, 6)] == [True, True, False, False, False]


# --- ranking --------------------------------------------------------------------------------------------------


def test_ranking_by_metric_with_ties_broken_by_id() -> None:
    rows = [(7, 3), (2, 5), (9, 5), (4, 0), (1, 3)]  # (id, metric)
    got = ranked(rows, metric=lambda r: r[1], ident=lambda r: r[0])
    assert got == [(1, (2, 5)), (2, (9, 5)), (3, (1, 3)), (4, (7, 3)), (5, (4, 0))]


def test_ranking_is_independent_of_input_order_and_honours_the_limit() -> None:
    rows = [(7, 3), (2, 5), (9, 5), (4, 0), (1, 3)]
    expected = ranked(rows, metric=lambda r: r[1], ident=lambda r: r[0], limit=3)
    assert expected == [(1, (2, 5)), (2, (9, 5)), (3, (1, 3))]
    assert ranked(list(reversed(rows)), metric=lambda r: r[1], ident=lambda r: r[0], limit=3) == expected
    assert ranked([], metric=lambda r: 0, ident=lambda r: 0) == []


def test_dates_outside_any_business_years_are_refused_not_overflowed() -> None:
    from lianmeng.referrals.domain import LeaderboardPeriod, PeriodRefused, leaderboard_period, report_period

    for bad in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(PeriodRefused) as refused:
            report_period(bad, None, date(2026, 11, 23))
        assert refused.value.code == "report_date_out_of_range"
        with pytest.raises(PeriodRefused):
            leaderboard_period(LeaderboardPeriod.MONTH, bad)
