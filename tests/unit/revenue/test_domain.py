"""The pure fee rules: bounds, rounding, pro-rating, the alliance's and a merchant's start, due dates, waivers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from lianmeng.revenue import domain
from lianmeng.revenue.domain import CommissionBase, FeeKind, FeeTerms, Waiver
from lianmeng.revenue.errors import Problem

TERMS = FeeTerms(joining_fee_fen=50_000, annual_fee_fen=365_000, free_months=3, fees_start_on=date(2026, 1, 1),
                 min_merchants=0, prorate_first_year=True, commission_bp=200, commission_base=CommissionBase.REFERRED)


@pytest.mark.parametrize(("change", "code"), [
    ({"joining_fee_fen": -1}, Problem.JOINING_FEE_OUT_OF_RANGE),
    ({"joining_fee_fen": domain.MAX_FEE_FEN + 1}, Problem.JOINING_FEE_OUT_OF_RANGE),
    ({"annual_fee_fen": -1}, Problem.ANNUAL_FEE_OUT_OF_RANGE),
    ({"commission_bp": 3001}, Problem.COMMISSION_RATE_OUT_OF_RANGE),
    ({"commission_bp": -1}, Problem.COMMISSION_RATE_OUT_OF_RANGE),
    ({"free_months": 121}, Problem.FREE_MONTHS_OUT_OF_RANGE),
    ({"min_merchants": -1}, Problem.MIN_MERCHANTS_OUT_OF_RANGE),
])
def test_bounds_refuse_naming_the_problem(change: dict[str, int], code: Problem) -> None:
    with pytest.raises(domain.Refused) as refused:
        domain.check_terms(replace(TERMS, **change))  # type: ignore[arg-type]
    assert refused.value.code is code


def test_the_bounds_themselves_are_accepted() -> None:
    domain.check_terms(replace(TERMS, commission_bp=3000, joining_fee_fen=domain.MAX_FEE_FEN, free_months=0))
    domain.check_terms(replace(TERMS, commission_bp=0, annual_fee_fen=0))


@pytest.mark.parametrize(("numerator", "denominator", "rounded"), [
    (5, 10, 1), (4, 10, 0), (15, 10, 2), (14999, 10_000, 1), (15000, 10_000, 2), (-15, 10, -2), (-14, 10, -1),
    (0, 7, 0)])
def test_round_half_up(numerator: int, denominator: int, rounded: int) -> None:
    assert domain.round_half_up(numerator, denominator) == rounded


def test_commission_rounds_half_up_in_fen() -> None:
    assert domain.commission_fen(80_000, 200) == 1_600
    assert domain.commission_fen(25, 200) == 1  # 0.5 fen → 1
    assert domain.commission_fen(24, 200) == 0  # 0.48 fen → 0
    assert domain.commission_fen(-25, 200) == -1  # more refunded than sold gives the share back
    assert domain.commission_fen(12_345, 3000) == 3_704  # 3703.5


def test_pro_rating_by_days_left_in_the_year() -> None:
    assert domain.prorated(365_000, date(2027, 1, 1)) == 365_000
    assert domain.prorated(365_000, date(2027, 12, 31)) == 1_000
    assert domain.prorated(365_000, date(2027, 7, 2)) == 183_000  # 183 days
    assert domain.prorated(366_000, date(2028, 12, 31)) == 1_000  # a leap year has 366 days
    assert domain.prorated(100, date(2027, 7, 2)) == 50  # 50.1 → 50
    assert domain.prorated(1, date(2027, 7, 2)) == 1  # 0.501 → 1


def test_add_months_keeps_the_day_or_the_months_last() -> None:
    assert domain.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert domain.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_the_alliance_starts_on_its_date_or_when_it_has_grown() -> None:
    joins = [date(2026, 1, 5), date(2026, 3, 1), date(2026, 6, 9)]
    assert domain.alliance_start(TERMS, joins) == date(2026, 1, 1)
    assert domain.alliance_start(replace(TERMS, min_merchants=3), joins) == date(2026, 6, 9)
    assert domain.alliance_start(replace(TERMS, min_merchants=4), joins) is None
    late = replace(TERMS, min_merchants=2, fees_start_on=date(2026, 5, 1))
    assert domain.alliance_start(late, joins) == date(2026, 5, 1)


def test_due_fees_after_the_free_period_with_the_first_year_pro_rated() -> None:
    joined = date(2026, 4, 1)  # free until 1 July
    assert domain.due_fees(joined, TERMS, date(2026, 1, 1), date(2026, 6, 30)) == []
    due = domain.due_fees(joined, TERMS, date(2026, 1, 1), date(2027, 1, 31))
    assert [(f.kind, f.period, f.due_on, f.amount_fen) for f in due] == [
        (FeeKind.JOINING, "join", date(2026, 7, 1), 50_000),
        (FeeKind.ANNUAL, "2026", date(2026, 7, 1), 184_000),  # 184 days of 365
        (FeeKind.ANNUAL, "2027", date(2027, 1, 1), 365_000)]
    whole = domain.due_fees(joined, replace(TERMS, prorate_first_year=False), date(2026, 1, 1), date(2026, 7, 31))
    assert [f.amount_fen for f in whole] == [50_000, 365_000]


def test_who_joined_while_it_was_free_pays_no_joining_fee() -> None:
    start = date(2026, 6, 9)  # the day the alliance grew to its threshold
    due = domain.due_fees(date(2026, 1, 5), replace(TERMS, free_months=0), start, date(2026, 12, 31))
    assert [(f.kind, f.due_on) for f in due] == [(FeeKind.ANNUAL, start)]
    assert domain.due_fees(date(2026, 1, 5), TERMS, None, date(2030, 1, 1)) == []


def test_the_next_fee_due() -> None:
    upcoming = domain.next_due(date(2026, 4, 1), TERMS, date(2026, 1, 1), date(2026, 8, 1))
    assert upcoming is not None and (upcoming.kind, upcoming.due_on) == (FeeKind.ANNUAL, date(2027, 1, 1))


def test_a_waiver_covers_its_kind_and_its_days_or_for_good() -> None:
    waivers = [Waiver(1, FeeKind.ANNUAL, date(2026, 1, 1), date(2026, 12, 31)),
               Waiver(2, FeeKind.COMMISSION, date(2026, 3, 1), None)]
    assert domain.waiver_for(FeeKind.ANNUAL, date(2026, 7, 1), waivers) is waivers[0]
    assert domain.waiver_for(FeeKind.ANNUAL, date(2027, 1, 1), waivers) is None
    assert domain.waiver_for(FeeKind.JOINING, date(2026, 7, 1), waivers) is None
    assert domain.waiver_for(FeeKind.COMMISSION, date(2040, 1, 1), waivers) is waivers[1]
    with pytest.raises(domain.Refused):
        domain.check_waiver_dates(date(2026, 2, 1), date(2026, 1, 31))
