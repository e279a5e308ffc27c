"""The uplift statistics against values computed by hand and by statsmodels directly, and the seed's table:
treated 70/200 against random 16/200 → 35% vs 8%, 4.4×."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from lianmeng.targeting import uplift
from lianmeng.targeting.uplift import Revenue, UpliftVerdict


def test_rates_by_hand() -> None:
    assert uplift.rate(70, 200) == 0.35
    assert uplift.rate(16, 200) == 0.08
    assert uplift.rate(0, 0) is None
    assert uplift.rate_interval(0, 0) is None


def test_the_seeds_table_35_against_8_is_4_4_times_with_newcomb_and_log_adjusted_intervals() -> None:
    out = uplift.compare((70, 200), (16, 200), Revenue([], 200), Revenue([], 200), uplift.RANDOM)
    assert out["treated_rate"] == 0.35 and out["baseline_rate"] == 0.08
    assert out["ratio"] == pytest.approx(4.375) and out["ratio_text"] == "4.4×"
    assert out["difference"] == pytest.approx(0.27)
    # Newcomb's hybrid score interval, by hand from the two Wilson intervals (Newcomb 1998, method 10)
    l1, u1 = proportion_confint(70, 200, alpha=0.05, method="wilson")
    l2, u2 = proportion_confint(16, 200, alpha=0.05, method="wilson")
    low = 0.27 - math.sqrt((0.35 - l1) ** 2 + (u2 - 0.08) ** 2)
    high = 0.27 + math.sqrt((u1 - 0.35) ** 2 + (0.08 - l2) ** 2)
    assert out["difference_low"] == pytest.approx(low) and out["difference_high"] == pytest.approx(high)
    assert (round(out["difference_low"], 4), round(out["difference_high"], 4)) == (0.1922, 0.3447)
    # log-adjusted: 0.5 added to each count, Katz's log interval
    a, b = 70.5, 16.5
    se = math.sqrt(1 / a - 1 / 200.5 + 1 / b - 1 / 200.5)
    centre = math.log((a / 200.5) / (b / 200.5))
    assert out["ratio_low"] == pytest.approx(math.exp(centre - 1.959964 * se), rel=1e-5)
    assert out["ratio_high"] == pytest.approx(math.exp(centre + 1.959964 * se), rel=1e-5)
    assert (round(out["ratio_low"], 2), round(out["ratio_high"], 2)) == (2.59, 7.04)
    assert out["verdict"] == UpliftVerdict.HIGHER
    assert "区间不含 0" in out["words_zh"] and "excludes 0" in out["words_en"]


@pytest.mark.parametrize(("t", "b"), [((42, 120), (3, 14)), ((28, 80), (5, 60)), ((5, 1000), (9, 1000))])
def test_intervals_match_statsmodels(t: tuple[int, int], b: tuple[int, int]) -> None:
    diff = uplift.difference_interval(t, b)
    ratio = uplift.ratio_interval(t, b)
    assert diff is not None and ratio is not None
    assert (diff.low, diff.high) == pytest.approx(confint_proportions_2indep(*t, *b, method="newcomb",
                                                                              compare="diff"))
    assert (ratio.low, ratio.high) == pytest.approx(confint_proportions_2indep(*t, *b, method="log-adjusted",
                                                                                compare="ratio"))


def test_an_interval_that_includes_zero_is_not_significant() -> None:
    out = uplift.compare((40, 400), (35, 400), Revenue([], 400), Revenue([], 400), uplift.HOLDOUT)
    assert out["difference_low"] < 0 < out["difference_high"]
    assert out["verdict"] == UpliftVerdict.UNCLEAR
    assert out["words_en"] == "Not significant: the interval includes 0"
    assert out["words_zh"] == "不显著:区间包含 0"


def test_a_lower_treated_rate_is_said_to_be_lower() -> None:
    assert uplift.compare((10, 1000), (60, 1000), Revenue([], 1000), Revenue([], 1000),
                          uplift.HOLDOUT)["verdict"] == UpliftVerdict.LOWER


@pytest.mark.parametrize(("t", "b"), [((10, 29), (3, 100)), ((10, 100), (3, 29)), ((10, 100), (0, 100)),
                                      ((0, 100), (5, 100))])
def test_small_arms_or_no_conversion_are_too_small(t: tuple[int, int], b: tuple[int, int]) -> None:
    out = uplift.compare(t, b, Revenue([], t[1]), Revenue([], b[1]), uplift.HOLDOUT)
    assert out["verdict"] == UpliftVerdict.TOO_SMALL
    assert "样本太小" in out["words_zh"] and "Sample too small" in out["words_en"]


def test_no_conversion_in_the_holdout_makes_the_ratio_infinite_with_the_methods_interval() -> None:
    out = uplift.compare((42, 120), (0, 14), Revenue([], 120), Revenue([], 14), uplift.HOLDOUT)
    assert out["ratio"] is None and out["ratio_infinite"] is True and out["ratio_text"] == "∞"
    low, high = confint_proportions_2indep(42, 120, 0, 14, method="log-adjusted", compare="ratio")
    assert (out["ratio_low"], out["ratio_high"]) == pytest.approx((low, high))
    assert "无穷大" in out["words_zh"] and "infinite" in out["words_en"]
    assert out["verdict"] == UpliftVerdict.TOO_SMALL


def test_empty_arms_give_nothing_to_compare() -> None:
    out = uplift.compare((0, 0), (5, 100), Revenue([], 0), Revenue([], 100), uplift.HOLDOUT)
    assert out["treated_rate"] is None and out["difference"] is None and out["difference_low"] is None
    assert out["ratio_low"] is None and out["ratio_text"] == "—"
    assert out["incremental_revenue_fen"] is None and out["incremental_revenue_low_fen"] is None
    assert out["verdict"] == UpliftVerdict.TOO_SMALL
    assert uplift.ratio_interval((0, 100), (0, 100)) is None


def test_incremental_revenue_by_hand() -> None:
    # treated: 3 buyers of ¥100 among 10 → ¥30 a member; holdout: 1 buyer of ¥100 among 20 → ¥5; × 10 treated
    assert uplift.incremental_revenue(Revenue([10_000] * 3, 10), Revenue([10_000], 20)) == 25_000
    assert uplift.incremental_revenue(Revenue([1], 3), Revenue([], 3)) == 1
    assert uplift.incremental_revenue(Revenue([], 0), Revenue([], 3)) is None


def test_the_bootstrap_is_seeded_and_matches_a_plain_resampling() -> None:
    rng = np.random.default_rng(7)
    treated = Revenue([int(v) for v in rng.integers(5_000, 50_000, 120)], 400)
    holdout = Revenue([int(v) for v in rng.integers(5_000, 50_000, 20)], 200)
    interval = uplift.revenue_interval(treated, holdout)
    assert interval == uplift.revenue_interval(treated, holdout)
    point = uplift.incremental_revenue(treated, holdout)
    assert interval is not None and point is not None and interval[0] < point < interval[1]
    # the textbook bootstrap (resample all n members, zeros included) gives nearly the same interval
    plain = np.random.default_rng(11)
    t_all = np.array([*treated.nonzero, *[0] * (400 - 120)], dtype=float)
    h_all = np.array([*holdout.nonzero, *[0] * (200 - 20)], dtype=float)
    diffs = [(plain.choice(t_all, 400).mean() - plain.choice(h_all, 200).mean()) * 400 for _ in range(2_000)]
    low, high = np.quantile(diffs, [0.025, 0.975])
    assert interval[0] == pytest.approx(low, rel=0.08) and interval[1] == pytest.approx(high, rel=0.08)


def test_the_bootstrap_with_no_buyers_is_zero() -> None:
    assert uplift.revenue_interval(Revenue([], 100), Revenue([], 100)) == (0, 0)


def test_the_bootstrap_stays_fast_at_100000_recipients() -> None:
    rng = np.random.default_rng(3)
    treated = Revenue([int(v) for v in rng.integers(1_000, 100_000, 35_000)], 90_000)
    holdout = Revenue([int(v) for v in rng.integers(1_000, 100_000, 800)], 10_000)
    started = time.perf_counter()
    interval = uplift.revenue_interval(treated, holdout)
    assert time.perf_counter() - started < 5
    assert interval is not None and interval[0] < uplift.incremental_revenue(treated, holdout) < interval[1]  # type: ignore[operator]


counts = st.integers(min_value=0, max_value=5_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n)))


@settings(max_examples=150, deadline=None)
@given(counts, counts)
def test_any_counts_give_plain_json_and_intervals_around_the_estimates(t: tuple[int, int], b: tuple[int, int]
                                                                       ) -> None:
    out = uplift.compare(t, b, Revenue([100] * t[0], t[1]), Revenue([100] * b[0], b[1]), uplift.HOLDOUT)
    json.dumps(out, allow_nan=False)  # storable in a JSON column on PostgreSQL: no NaN, no infinity
    if out["difference"] is not None:
        assert out["difference_low"] - 1e-9 <= out["difference"] <= out["difference_high"] + 1e-9
    if out["ratio"] is not None and out["ratio_low"] is not None and t[0] and b[0]:
        assert out["ratio_low"] <= out["ratio"] * (1 + 1e-9) and out["ratio"] <= out["ratio_high"] * (1 + 1e-9)
    assert out["verdict"] in set(UpliftVerdict)
