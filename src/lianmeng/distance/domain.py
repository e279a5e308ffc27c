"""Pure rules of distance decay (seed 000 §2 standard 5): how conversion falls with the distance between the store
that referred a member and the store that received them. No session, clock or I/O (docs/distance-decay.md).

What is counted (the service builds the points from the alliance's referrals)
  * An arrival (到店) is a referral coupon's first use (use 1) at a merchant other than the one that handed it
    out: referrals.domain.FIGURES["arrived"], between two different merchants.
  * It converted (成交) when an order is attached to a use of that coupon at the receiving merchant
    (FIGURES["converted"]): the member's first order there.
  * The referring store is the store of whoever handed the coupon out (Coupon.referrer_store_id: the guide's
    store or the claim link's); the receiving store is where the coupon was used (Redemption.store_id). A side
    without a store (an admin handed it out, the till named none) is its merchant's store when it has exactly one.
  * The distance is the great-circle distance between the two stores (kit.geo), in km.

Model
  rate(km) = a·exp(−b·km): a binomial GLM with a log link on grouped counts (arrivals, conversions per distance),
  fitted by statsmodels. ln rate is linear in km, so "conversion halves every ln 2 / b km" is a figure of the fit
  (its 95% interval from b's). The band is the 95% interval of the mean rate: exp(η ± 1.96·se(η)) with
  η = ln a − b·km and se(η) from the fit's covariance, capped at 100%.

Enough data (`sufficiency`)
  At least MIN_ARRIVALS arrivals, spread over at least MIN_BANDS distance bands of BAND_KM km that each hold at
  least K_MIN arrivals, with at least one conversion and one arrival that did not convert. Until then, and when
  the fit does not converge, the seed's prior (45% at 3 km, 12% at 15 km) is used, labelled "prior".

Shown bins (`observed_bins`)
  The observed rates are drawn per band of BAND_KM km; a band with fewer than K_MIN arrivals is merged with the
  next one out (the last one into the previous), so no cell under k is ever shown. For a merchant, a band must also
  hold either none or at least K_MIN arrivals of referrals it took no part in: subtracting its own arrivals from a
  band then never reveals fewer than k of other merchants' arrivals.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.overlap.domain import K_MIN

# seed 000: a partner 3 km away converted 45%, one 15 km away 12% ("every +5 km halves conversion")
PRIOR_POINTS: tuple[tuple[float, float], ...] = ((3.0, 0.45), (15.0, 0.12))
# 5 km in 15 minutes and 10 km in 30: the seed's pairs imply 20 km/h door to door in a Chinese city
URBAN_SPEED_KMH = 20.0

MIN_ARRIVALS = 100
MIN_BANDS = 3
BAND_KM = 2.0
Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile: a two-sided 95% band
GRID_STEP_KM = 0.5
GRID_MIN_KM = 15.0  # the chart always reaches the seed's far point


class DecaySource(LabelledEnum):
    PRIOR = "prior", "先验(种子数据)", "Prior (seed figures)"
    FITTED = "fitted", "本联盟拟合", "Fitted to this alliance"


SOURCE_LABELS: dict[DecaySource, tuple[str, str]] = pairs(DecaySource)


class DecayScope(LabelledEnum):
    ALLIANCE = "alliance", "全联盟的引流", "The alliance's referrals"
    OWN = "own", "本商户参与的引流", "Referrals this merchant took part in"


SCOPE_LABELS: dict[DecayScope, tuple[str, str]] = pairs(DecayScope)


@dataclass(frozen=True)
class ConversionEstimate:
    """Expected conversion (arrival → first order) at a distance, with a band, and where it came from."""

    km: float
    rate: float
    low: float
    high: float
    source: str  # "prior" (seed 000) | "fitted" (this alliance's referrals): a DecaySource


@dataclass(frozen=True)
class DistancePoint:
    """Arrivals at one distance (one pair of stores) and how many converted. `mine`: the viewing merchant took part
    in these referrals (as referrer or receiver); always False for the operator."""

    km: float
    arrivals: int
    conversions: int
    mine: bool = False


def travel_minutes(km: float) -> float:
    """Door to door in the city at URBAN_SPEED_KMH (no map service: the seed's own 5 km / 15 min)."""
    return km / URBAN_SPEED_KMH * 60


# --- the curve ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecayCurve:
    """rate(km) = exp(intercept + slope·km), i.e. a = exp(intercept), b = −slope; `cov` is the covariance of
    (intercept, slope) from the fit, None for the prior (a curve with no band)."""

    source: DecaySource
    intercept: float
    slope: float
    cov: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def a(self) -> float:
        return math.exp(self.intercept)

    @property
    def b(self) -> float:
        """Decay per km (ln of the rate falls by b per km)."""
        return -self.slope

    @property
    def halving_km(self) -> float | None:
        """ln 2 / b: how many km more halve conversion; None when the rate does not fall with distance."""
        return math.log(2) / self.b if self.b > 0 else None

    def halving_interval(self) -> tuple[float | None, float | None]:
        """95% interval of the halving distance from b's: (ln2/b_high, ln2/b_low); None for an open end (b's
        interval reaches 0: conversion may not fall at all) and for the prior."""
        if self.cov is None:
            return None, None
        se = math.sqrt(max(self.cov[1][1], 0.0))
        b_low, b_high = self.b - Z_95 * se, self.b + Z_95 * se
        return (math.log(2) / b_high if b_high > 0 else None, math.log(2) / b_low if b_low > 0 else None)

    def estimate(self, km: float) -> ConversionEstimate:
        eta = self.intercept + self.slope * km
        rate = min(1.0, math.exp(eta))
        if self.cov is None:
            return ConversionEstimate(km=km, rate=rate, low=rate, high=rate, source=self.source)
        (v00, v01), (_, v11) = self.cov
        se = math.sqrt(max(v00 + 2 * km * v01 + km * km * v11, 0.0))
        low, high = min(1.0, math.exp(eta - Z_95 * se)), min(1.0, math.exp(eta + Z_95 * se))
        return ConversionEstimate(km=km, rate=rate, low=low, high=high, source=self.source)


def prior_curve() -> DecayCurve:
    """The exponential through the seed's two points: b = ln(p1/p2)/(d2 − d1), a = p1·exp(b·d1)."""
    (d1, p1), (d2, p2) = PRIOR_POINTS
    b = math.log(p1 / p2) / (d2 - d1)
    return DecayCurve(DecaySource.PRIOR, math.log(p1) + b * d1, -b)


def prior_conversion(km: float) -> ConversionEstimate:
    """The seed's prior at `km`: rate = a·exp(−b·km) through (3 km, 45%) and (15 km, 12%)."""
    return prior_curve().estimate(km)


# --- enough data ----------------------------------------------------------------------------------------------


def band_of(km: float) -> int:
    """0 for [0, 2) km, 1 for [2, 4) km, …"""
    return int(km // BAND_KM)


@dataclass(frozen=True)
class Sufficiency:
    arrivals: int
    conversions: int
    bands: int  # bands of BAND_KM km holding at least K_MIN arrivals

    @property
    def enough(self) -> bool:
        return (self.arrivals >= MIN_ARRIVALS and self.bands >= MIN_BANDS
                and 0 < self.conversions < self.arrivals)


def sufficiency(points: Iterable[DistancePoint]) -> Sufficiency:
    per_band: dict[int, int] = {}
    arrivals = conversions = 0
    for p in points:
        per_band[band_of(p.km)] = per_band.get(band_of(p.km), 0) + p.arrivals
        arrivals += p.arrivals
        conversions += p.conversions
    return Sufficiency(arrivals, conversions, sum(1 for n in per_band.values() if n >= K_MIN))


# --- the fit --------------------------------------------------------------------------------------------------


def grouped(points: Iterable[DistancePoint]) -> tuple[tuple[float, int, int], ...]:
    """(km to 0.01, arrivals, conversions) per distinct distance, in order: the GLM's rows (and its cache key)."""
    rows: dict[float, list[int]] = {}
    for p in points:
        if p.arrivals <= 0:
            continue
        row = rows.setdefault(round(p.km, 2), [0, 0])
        row[0] += p.arrivals
        row[1] += p.conversions
    return tuple((km, n, c) for km, (n, c) in sorted(rows.items()))


def fit_curve(points: Iterable[DistancePoint]) -> DecayCurve | None:
    """The binomial GLM with a log link on the points grouped by distance, whatever their number; None when it
    does not converge or puts a rate above 100% at an observed distance. `fit_decay` decides whether to use it."""
    rows = grouped(points)
    return _glm(rows) if rows else None


@lru_cache(maxsize=256)
def _glm(rows: tuple[tuple[float, int, int], ...]) -> DecayCurve | None:
    """Started from the prior, which keeps the log link's IRLS inside (0, 1). statsmodels warns that the log link
    does not keep rates below 1 (DomainWarning: the check after the fit does) and flags a saturated fit (as many
    distances as parameters, e.g. the seed's two points) as "perfect prediction": neither is a failure here."""
    import numpy as np
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, DomainWarning, PerfectSeparationWarning

    km = np.array([r[0] for r in rows], dtype=float)
    arrivals = np.array([r[1] for r in rows], dtype=float)
    conversions = np.array([r[2] for r in rows], dtype=float)
    endog = np.column_stack([conversions, arrivals - conversions])
    exog = np.column_stack([np.ones_like(km), km])
    prior = prior_curve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DomainWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            model = sm.GLM(endog, exog, family=sm.families.Binomial(link=sm.families.links.Log()))
            result = model.fit(start_params=[prior.intercept, prior.slope])
        except (ConvergenceWarning, ValueError, np.linalg.LinAlgError):
            return None
    if not bool(getattr(result, "converged", True)):
        return None
    intercept, slope = (float(v) for v in result.params)
    cov = np.asarray(result.cov_params(), dtype=float)
    covariance = ((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1])))
    if not all(math.isfinite(v) for v in (intercept, slope, *covariance[0], *covariance[1])):
        return None
    if intercept + slope * float(km.min()) > 1e-9:  # a rate above 100% where there are data: not a usable fit
        return None
    return DecayCurve(DecaySource.FITTED, intercept, slope, covariance)


@dataclass(frozen=True)
class DecayFit:
    """The curve used (fitted, or the prior while there is not enough data) and the data it was judged on.
    `fit_failed`: there was enough data but the GLM did not converge (the prior is used)."""

    curve: DecayCurve
    sufficiency: Sufficiency
    fit_failed: bool = False

    @property
    def source(self) -> DecaySource:
        return self.curve.source

    def estimate(self, km: float) -> ConversionEstimate:
        return self.curve.estimate(km)


def fit_decay(points: Sequence[DistancePoint]) -> DecayFit:
    """The alliance's decay from its points when `sufficiency` says enough, else the seed's prior."""
    enough = sufficiency(points)
    if not enough.enough:
        return DecayFit(prior_curve(), enough)
    curve = fit_curve(points)
    if curve is None:
        return DecayFit(prior_curve(), enough, fit_failed=True)
    return DecayFit(curve, enough)


def grid(points: Iterable[DistancePoint]) -> list[float]:
    """0, 0.5, 1, … km up to the farthest point (rounded up to a whole band) or GRID_MIN_KM, whichever is more."""
    farthest = max((p.km for p in points if p.arrivals > 0), default=0.0)
    end = max(GRID_MIN_KM, math.ceil(farthest / BAND_KM) * BAND_KM)
    return [i * GRID_STEP_KM for i in range(round(end / GRID_STEP_KM) + 1)]


def band(curve: DecayCurve, kms: Iterable[float]) -> list[ConversionEstimate]:
    return [curve.estimate(km) for km in kms]


# --- what may be shown ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservedBin:
    """Arrivals from `km_from` (included) to `km_to` (excluded) and how many converted; `arrivals` and
    `conversions` are None when even all the points together are fewer than K_MIN (nothing may be shown)."""

    km_from: float
    km_to: float
    arrivals: int | None
    conversions: int | None

    @property
    def rate(self) -> float | None:
        if self.arrivals is None or self.conversions is None or self.arrivals == 0:
            return None
        return self.conversions / self.arrivals


@dataclass
class _Acc:
    start: int
    end: int
    arrivals: int = 0
    conversions: int = 0
    others: int = 0

    def add(self, other: _Acc) -> None:
        self.arrivals += other.arrivals
        self.conversions += other.conversions
        self.others += other.others
        self.start, self.end = min(self.start, other.start), max(self.end, other.end)

    def shareable(self, k: int) -> bool:
        return self.arrivals >= k and (self.others == 0 or self.others >= k)


def observed_bins(points: Iterable[DistancePoint], k: int = K_MIN) -> list[ObservedBin]:
    """Bands of BAND_KM km merged outwards until each holds at least k arrivals and either none or at least k of
    others' (not `mine`) arrivals; a short remainder joins the groups before it until the rule holds. Empty bands
    between groups are skipped. When no grouping can satisfy the rule: one bin with nothing shown."""
    per_band: dict[int, _Acc] = {}
    for p in points:
        if p.arrivals <= 0:
            continue
        index = band_of(p.km)
        per_band.setdefault(index, _Acc(index, index + 1)).add(
            _Acc(index, index + 1, p.arrivals, p.conversions, 0 if p.mine else p.arrivals))
    if not per_band:
        return []
    groups: list[_Acc] = []
    current: _Acc | None = None
    for index in sorted(per_band):
        if current is None:
            current = _Acc(index, index + 1)
        current.add(per_band[index])
        if current.shareable(k):
            groups.append(current)
            current = None
    if current is not None:
        groups.append(current)
    while len(groups) > 1 and not groups[-1].shareable(k):
        last = groups.pop()
        groups[-1].add(last)
    if not groups[0].shareable(k):
        return [ObservedBin(groups[0].start * BAND_KM, groups[0].end * BAND_KM, None, None)]
    return [ObservedBin(g.start * BAND_KM, g.end * BAND_KM, g.arrivals, g.conversions) for g in groups]
