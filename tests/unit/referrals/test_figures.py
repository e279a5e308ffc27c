"""What the dashboard draws and counts, alone: the weekly chart never runs past the current week, every figure has
one definition, the alliance's revenue is the referrer the counter shows, and what a coupon's use costs."""

from __future__ import annotations

from datetime import date

import pytest

from lianmeng.coupons.domain import CouponKind, use_cost_fen
from lianmeng.referrals.domain import FIGURES, Period, is_alliance_revenue, week_of, weeks_in
from lianmeng.referrals.schemas import FunnelRow
from lianmeng.referrals.web import CHART_WEEKS, chart_span, choose_period

TODAY = date(2026, 12, 9)  # a Wednesday of 2026-W50


def test_a_period_running_past_today_is_charted_up_to_the_current_week() -> None:
    december = Period(date(2026, 12, 1), date(2026, 12, 31))
    span = chart_span(december, TODAY)
    assert span.end == TODAY
    weeks = weeks_in(span)
    assert weeks[-1] == week_of(TODAY)  # 2026-W50: no empty W51, W52, W53 after it
    assert len(weeks) == CHART_WEEKS


def test_a_past_period_is_charted_whole_and_a_future_one_draws_no_week_after_its_first() -> None:
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert chart_span(november, TODAY).end == date(2026, 11, 30)
    next_year = Period(date(2027, 1, 4), date(2027, 1, 31))
    span = chart_span(next_year, TODAY)
    assert span.end == date(2027, 1, 4) and weeks_in(span)[-1].start == date(2027, 1, 4)


@pytest.mark.parametrize(("kind", "date_from", "date_to", "field"), [
    ("nonsense", "", "", "period"),
    ("month", "2026-11-01", "", "date_from"),
    ("week", "", "2026-11-30", "date_to"),
    ("custom", "2026-11-31", "", "date_from"),
    ("custom", "2026-11-05", "2026-11-01", "date_to"),
    ("custom", "2024-01-01", "2026-11-01", "date_from"),
])
def test_no_period_is_substituted_for_one_that_cannot_be_used(kind: str, date_from: str, date_to: str,
                                                              field: str) -> None:
    choice = choose_period("zh-CN", kind, date_from, date_to, TODAY)
    assert choice.period is None and set(choice.errors) == {field}


def test_dates_without_a_period_are_custom_dates() -> None:
    choice = choose_period("zh-CN", "", "2026-11-01", "2026-11-30", TODAY)
    assert choice.kind == "custom" and choice.period == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert choose_period("zh-CN", "", "", "", TODAY).kind == "month"


def test_every_counted_figure_of_the_funnel_is_defined_once() -> None:
    counted = set(FunnelRow.model_fields) & set(FIGURES)
    assert counted == set(FIGURES)
    for key in FIGURES:
        assert FunnelRow.model_fields[key].description == FIGURES[key].description


def test_the_alliances_revenue_is_an_order_credited_to_another_merchant() -> None:
    assert is_alliance_revenue(2, 1)
    assert not is_alliance_revenue(2, None)  # nobody sent the member
    assert not is_alliance_revenue(2, 2)  # its own customer


def test_a_use_costs_the_discount_or_a_free_items_set_cost() -> None:
    assert use_cost_fen(CouponKind.AMOUNT_OFF, 2_000, None) == 2_000
    assert use_cost_fen(CouponKind.CASH_VOUCHER, 30_000, None) == 30_000
    assert use_cost_fen(CouponKind.PERCENT_OFF, 1_550, None) == 1_550
    assert use_cost_fen(CouponKind.FREE_ITEM, 30_000, 6_000) == 6_000
    assert use_cost_fen(CouponKind.FREE_ITEM, 50_000, 0) == 0  # a spare gym week: set, and nothing
    assert use_cost_fen(CouponKind.FREE_ITEM, 30_000, None) is None  # not known: reports count the value and say so
