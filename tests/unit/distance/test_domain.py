"""Distance decay rules: the fit on the seed's figures, the enough-data rule, the band against a known truth, the
k-safe bins and the travel time."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from lianmeng.distance.domain import (
    BAND_KM,
    MIN_ARRIVALS,
    MIN_BANDS,
    SCOPE_LABELS,
    SOURCE_LABELS,
    URBAN_SPEED_KMH,
    DecayCurve,
    DecayScope,
    DecaySource,
    DistancePoint,
    fit_curve,
    fit_decay,
    grid,
    observed_bins,
    prior_conversion,
    prior_curve,
    sufficiency,
    travel_minutes,
)
from lianmeng.overlap.domain import K_MIN

SEED = [DistancePoint(3.0, 200, 90), DistancePoint(15.0, 200, 24)]  # 45% at 3 km, 12% at 15 km, as counts


def fitted(points: list[DistancePoint]) -> DecayCurve:
    curve = fit_curve(points)
    assert curve is not None and curve.source is DecaySource.FITTED
    return curve


def test_fed_the_seeds_numbers_the_fit_reproduces_them_and_roughly_halves_every_five_km() -> None:
    curve = fitted(SEED)
    assert curve.estimate(3).rate == pytest.approx(0.45, abs=1e-6)
    assert curve.estimate(15).rate == pytest.approx(0.12, abs=1e-6)
    # the seed's two points imply b = ln(0.45/0.12)/12 km: halving every 6.3 km, "roughly every +5 km"
    assert curve.b == pytest.approx(math.log(0.45 / 0.12) / 12, rel=1e-6)
    assert curve.halving_km == pytest.approx(6.29, abs=0.01)
    assert 5.0 <= curve.halving_km <= 7.0  # type: ignore[operator]
    assert curve.estimate(8).rate / curve.estimate(3).rate == pytest.approx(0.58, abs=0.01)  # +5 km: ~ half
    low, high = curve.halving_interval()
    assert low is not None and high is not None and low < 5.0 < 6.29 < high  # the seed's 5 km is inside


def test_the_prior_is_the_exponential_through_the_seeds_points_without_a_band() -> None:
    for km, rate in ((3.0, 0.45), (15.0, 0.12)):
        estimate = prior_conversion(km)
        assert estimate.rate == pytest.approx(rate) and estimate.low == estimate.high == estimate.rate
        assert estimate.source == "prior"
    assert prior_curve().halving_km == pytest.approx(fitted(SEED).halving_km)
    assert prior_curve().halving_interval() == (None, None)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.DomainWarning")
def test_the_band_is_statsmodels_own_prediction_interval() -> None:
    points = [DistancePoint(km, 60, round(60 * 0.6 * math.exp(-0.12 * km))) for km in (0.5, 2.5, 4.5, 7.0, 9.0)]
    curve = fitted(points)
    endog = np.column_stack([[p.conversions for p in points], [p.arrivals - p.conversions for p in points]])
    exog = np.column_stack([np.ones(5), [p.km for p in points]])
    result = sm.GLM(endog, exog, family=sm.families.Binomial(link=sm.families.links.Log())).fit()
    frame = result.get_prediction(np.array([[1.0, 6.0]])).summary_frame(alpha=0.05)
    estimate = curve.estimate(6.0)
    assert estimate.rate == pytest.approx(float(frame["mean"].iloc[0]), rel=1e-6)
    assert estimate.low == pytest.approx(float(frame["mean_ci_lower"].iloc[0]), rel=1e-6)
    assert estimate.high == pytest.approx(float(frame["mean_ci_upper"].iloc[0]), rel=1e-6)


def simulate(rng: random.Random, arrivals: int, a: float, b: float) -> list[DistancePoint]:
    points = []
    for _ in range(arrivals):
        km = round(rng.uniform(0.3, 10.0), 1)
        points.append(DistancePoint(km, 1, int(rng.random() < a * math.exp(-b * km))))
    return points


def test_the_band_contains_the_truth_on_simulated_data() -> None:
    """300 arrivals drawn from a known curve, 100 times: the 95% band holds the true rate at 5 km in about 95% of
    the runs, and the fitted halving distance centres on the true one."""
    rng = random.Random(12)
    a, b = 0.6, math.log(2) / 5  # halves every 5 km
    truth = a * math.exp(-b * 5)
    covered, halvings = 0, []
    for _ in range(100):
        fit = fit_decay(simulate(rng, 300, a, b))
        assert fit.source is DecaySource.FITTED
        estimate = fit.estimate(5.0)
        covered += estimate.low <= truth <= estimate.high
        halvings.append(fit.curve.halving_km or math.inf)
    assert 88 <= covered <= 100
    assert sorted(halvings)[50] == pytest.approx(5.0, abs=0.6)


def test_a_large_sample_recovers_the_curve_and_holds_it_in_a_narrow_band() -> None:
    fit = fit_decay(simulate(random.Random(3), 5_000, 0.5, 0.1))
    for km in (1.0, 5.0, 9.0):
        estimate = fit.estimate(km)
        assert estimate.low <= 0.5 * math.exp(-0.1 * km) <= estimate.high
        assert estimate.high - estimate.low < 0.06


def spread(arrivals: int, bands: int, rate: float = 0.4) -> list[DistancePoint]:
    """`arrivals` split evenly over the first `bands` bands."""
    each = arrivals // bands
    return [DistancePoint(BAND_KM * i + 1.0, each + (arrivals % bands if i == 0 else 0),
                          round((each + (arrivals % bands if i == 0 else 0)) * rate * math.exp(-0.1 * i * BAND_KM)))
            for i in range(bands)]


def test_enough_data_takes_min_arrivals_over_min_bands_each_holding_k() -> None:
    assert (MIN_ARRIVALS, MIN_BANDS, K_MIN) == (100, 3, 10)
    assert sufficiency(spread(100, 3)).enough
    assert fit_decay(spread(100, 3)).source is DecaySource.FITTED
    assert not sufficiency(spread(99, 3)).enough
    assert fit_decay(spread(99, 3)).source is DecaySource.PRIOR
    assert not sufficiency(spread(400, 2)).enough  # many arrivals, but at two distances only
    thin = [*spread(100, 2), DistancePoint(9.0, K_MIN - 1, 2)]  # a third band under k does not count
    assert sufficiency(thin).bands == 2 and not sufficiency(thin).enough
    assert sufficiency([*spread(100, 2), DistancePoint(9.0, K_MIN, 2)]).enough
    nobody_bought = [DistancePoint(p.km, p.arrivals, 0) for p in spread(300, 4)]
    assert not sufficiency(nobody_bought).enough and fit_decay(nobody_bought).source is DecaySource.PRIOR
    assert fit_decay([]).source is DecaySource.PRIOR and fit_decay([]).estimate(3).rate == pytest.approx(0.45)


def test_rates_are_capped_at_one_where_the_curve_would_pass_it() -> None:
    every_one_bought_nearby = [DistancePoint(1.0, 50, 50), DistancePoint(3.0, 50, 40), DistancePoint(5.0, 50, 30)]
    fit = fit_decay(every_one_bought_nearby)
    assert fit.source is DecaySource.FITTED and fit.curve.a > 1.0  # at 0 km the exponential passes 100%…
    assert fit.estimate(0.0).rate == 1.0 and fit.estimate(0.0).high == 1.0  # … and is shown as 100%
    assert fit.estimate(5.0).rate == pytest.approx(0.6, abs=0.05)


def test_enough_data_that_the_glm_cannot_fit_shows_the_prior_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from lianmeng.distance import domain

    monkeypatch.setattr(domain, "fit_curve", lambda points: None)
    fit = domain.fit_decay(spread(300, 4))
    assert fit.sufficiency.enough and fit.fit_failed and fit.source is DecaySource.PRIOR


def test_conversion_that_rises_with_distance_has_no_halving_distance() -> None:
    rising = [DistancePoint(km, 100, 20 + 3 * i) for i, km in enumerate((1.0, 3.0, 5.0, 7.0))]
    curve = fitted(rising)
    assert curve.b < 0 and curve.halving_km is None


def test_travel_time_is_distance_at_the_documented_urban_speed() -> None:
    assert URBAN_SPEED_KMH == 20.0
    assert travel_minutes(5) == 15 and travel_minutes(10) == 30  # seed 000: ≤ 5 km / 15 min, ≤ 10 km / 30 min


def test_the_grid_reaches_the_farthest_point_or_fifteen_km() -> None:
    assert grid([])[-1] == 15.0 and grid([])[1] == 0.5
    assert grid([DistancePoint(21.3, 4, 1)])[-1] == 22.0


# --- bins under k ---------------------------------------------------------------------------------------------


def test_bins_under_k_are_merged_outwards_and_the_last_inwards() -> None:
    points = [DistancePoint(0.5, 30, 15), DistancePoint(2.5, 4, 2), DistancePoint(4.5, 8, 3),
              DistancePoint(6.5, 25, 5), DistancePoint(12.0, 3, 0)]
    bins = observed_bins(points)
    assert [(b.km_from, b.km_to, b.arrivals, b.conversions) for b in bins] == [
        (0.0, 2.0, 30, 15), (2.0, 6.0, 12, 5), (6.0, 14.0, 28, 5)]
    assert all(b.arrivals is not None and b.arrivals >= K_MIN for b in bins)
    assert bins[0].rate == 0.5


def test_fewer_than_k_in_all_shows_nothing() -> None:
    bins = observed_bins([DistancePoint(1.0, 4, 2), DistancePoint(7.0, 5, 0)])
    assert len(bins) == 1 and bins[0].arrivals is None and bins[0].conversions is None and bins[0].rate is None
    assert observed_bins([]) == []


def test_a_merchant_never_sees_a_band_with_fewer_than_k_arrivals_of_others() -> None:
    """Own arrivals subtracted from a band must leave none or at least k of other merchants'."""
    points = [DistancePoint(0.5, 40, 20, mine=True), DistancePoint(1.5, 3, 1),  # band 0: 3 of others
              DistancePoint(2.5, 12, 5),  # band 1: 12 of others
              DistancePoint(5.0, 20, 6, mine=True)]  # band 2: only its own
    bins = observed_bins(points)
    assert [(b.km_from, b.km_to, b.arrivals) for b in bins] == [(0.0, 4.0, 55), (4.0, 6.0, 20)]
    operator_view = observed_bins([DistancePoint(p.km, p.arrivals, p.conversions) for p in points])
    assert [(b.km_from, b.km_to) for b in operator_view] == [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 30), st.integers(0, 40), st.booleans()), max_size=25))
def test_every_bin_shown_holds_k_and_others_none_or_k(rows: list[tuple[float, int, bool]]) -> None:
    points = [DistancePoint(km, n, n // 3, mine) for km, n, mine in rows]
    bins = observed_bins(points)
    total = sum(p.arrivals for p in points)
    shown = [b for b in bins if b.arrivals is not None]
    if shown:
        assert sum(b.arrivals or 0 for b in shown) == total  # nothing dropped: no subtraction reveals a cell
    for b in shown:
        inside = [p for p in points if b.km_from <= p.km < b.km_to and p.arrivals > 0]
        others = sum(p.arrivals for p in inside if not p.mine)
        assert b.arrivals is not None and b.arrivals >= K_MIN and (others == 0 or others >= K_MIN)
        assert b.arrivals == sum(p.arrivals for p in inside)


def test_every_scope_and_source_has_both_labels() -> None:
    for table, enum in ((SCOPE_LABELS, DecayScope), (SOURCE_LABELS, DecaySource)):
        assert set(table) == set(enum)
        assert all(zh and en and zh != en for zh, en in table.values())
