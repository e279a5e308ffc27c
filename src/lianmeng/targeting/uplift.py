"""The statistics of a targeted offer's results: pure functions, no session, no clock.

* Conversion rate per arm, with a Wilson 95% interval (the whiskers of the chart).
* Absolute uplift: treated rate − baseline rate (the holdout's, or the random arm's), 95% interval by Newcomb's
  hybrid score method; relative uplift: treated rate ÷ baseline rate, 95% interval on the log scale with 0.5 added
  to every cell ("log-adjusted", defined even when the baseline has no conversion). Both from statsmodels'
  `confint_proportions_2indep`, a maintained implementation of the methods Newcomb (1998) and Fagerland et al.
  (2015) recommend for small and unbalanced samples, where the textbook Wald interval is known to fail.
* Incremental revenue: (mean revenue per treated member − mean revenue per baseline member) × treated members, with
  a seeded percentile bootstrap (each arm resampled on its own). Most revenues are 0, so a resample draws how many
  non-zero members it takes (binomial) and only those values: the cost grows with the buyers, not the recipients.
* Plain words: significant or not (does the interval include 0?), or "sample too small" when an arm has fewer than
  MIN_ARM members or no conversion at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.targeting.domain import ARM_LABELS, Arm

TREATED = Arm.TREATED.value
HOLDOUT = Arm.HOLDOUT.value
RANDOM = Arm.RANDOM.value
ARMS = (TREATED, HOLDOUT, RANDOM)
ARM_WORDS: dict[str, tuple[str, str]] = {arm.value: words for arm, words in ARM_LABELS.items()}

MIN_ARM = 30  # below this many members an arm's rate is too noisy to compare
LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 2_000
BOOTSTRAP_SEED = 20_261_207
_CHUNK_DRAWS = 4_000_000  # values drawn per bootstrap chunk: bounds memory at 100,000 buyers


class UpliftVerdict(LabelledEnum):
    """What a comparison of the treated arm with a baseline arm says, in plain words (VERDICT_WORDS)."""

    HIGHER = "uplift_higher", "显著提升", "Significant uplift"  # the whole interval of the difference lies above 0
    LOWER = "uplift_lower", "显著下降", "Significant drop"  # … below 0
    UNCLEAR = "uplift_unclear", "不显著", "Not significant"  # the interval includes 0
    # an arm below MIN_ARM members, or without any conversion
    TOO_SMALL = "sample_too_small", "样本太小", "Sample too small"


VERDICT_WORDS: dict[UpliftVerdict, tuple[str, str]] = {
    UpliftVerdict.HIGHER: ("显著:区间不含 0,推荐组转化率确实更高", "Significant: the interval excludes 0, "
                           "the treated arm converts more"),
    UpliftVerdict.LOWER: ("显著:区间不含 0,推荐组转化率反而更低", "Significant: the interval excludes 0, "
                          "the treated arm converts less"),
    UpliftVerdict.UNCLEAR: ("不显著:区间包含 0", "Not significant: the interval includes 0"),
    UpliftVerdict.TOO_SMALL: (f"样本太小:每组至少需 {MIN_ARM} 人且有成交", f"Sample too small: each arm needs "
                              f"{MIN_ARM} members or more and at least one conversion"),
}
VERDICT_LABELS: dict[UpliftVerdict, tuple[str, str]] = pairs(UpliftVerdict)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def includes(self, value: float) -> bool:
        return self.low <= value <= self.high


def rate(converted: int, members: int) -> float | None:
    """The share of an arm that converted; None for an empty arm."""
    return converted / members if members else None


def rate_interval(converted: int, members: int) -> Interval | None:
    """Wilson score interval of one arm's rate (it stays inside [0, 1] and works at 0 conversions)."""
    if not members:
        return None
    from statsmodels.stats.proportion import proportion_confint  # imported when used: it takes ~0.6 s to load

    low, high = proportion_confint(converted, members, alpha=1 - LEVEL, method="wilson")
    return Interval(float(low), float(high))


def difference_interval(treated: tuple[int, int], baseline: tuple[int, int]) -> Interval | None:
    """Newcomb's interval of rate(treated) − rate(baseline); arguments are (converted, members)."""
    if not treated[1] or not baseline[1]:
        return None
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(treated[0], treated[1], baseline[0], baseline[1], method="newcomb",
                                           compare="diff", alpha=1 - LEVEL)
    return Interval(float(low), float(high))


def ratio_interval(treated: tuple[int, int], baseline: tuple[int, int]) -> Interval | None:
    """Log-adjusted interval of rate(treated) ÷ rate(baseline); None when undefined (empty arm, or no conversion
    in either arm: 0/0 says nothing)."""
    if not treated[1] or not baseline[1] or (treated[0] == 0 and baseline[0] == 0):
        return None
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(treated[0], treated[1], baseline[0], baseline[1],
                                           method="log-adjusted", compare="ratio", alpha=1 - LEVEL)
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    return Interval(float(low), float(high))


def too_small(*arms: tuple[int, int]) -> bool:
    """An arm below MIN_ARM members, or one without a single conversion: no honest comparison is possible."""
    return any(members < MIN_ARM or converted == 0 for converted, members in arms)


def verdict(treated: tuple[int, int], baseline: tuple[int, int], difference: Interval | None) -> UpliftVerdict:
    if too_small(treated, baseline) or difference is None:
        return UpliftVerdict.TOO_SMALL
    if difference.includes(0.0):
        return UpliftVerdict.UNCLEAR
    return UpliftVerdict.HIGHER if difference.low > 0 else UpliftVerdict.LOWER


# --- incremental revenue ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revenue:
    """An arm's revenues: the non-zero ones (fen), and how many members the arm has in all."""

    nonzero: Sequence[int]
    members: int

    @property
    def total(self) -> int:
        return int(sum(self.nonzero))


def incremental_revenue(treated: Revenue, baseline: Revenue) -> int | None:
    """(mean per treated member − mean per baseline member) × treated members, in whole fen (half up)."""
    if not treated.members or not baseline.members:
        return None
    exact = treated.total - baseline.total * treated.members / baseline.members
    return math.floor(exact + 0.5)


def _resampled_sums(rng: np.random.Generator, arm: Revenue, resamples: int) -> np.ndarray:
    """The arm's total in each of `resamples` bootstrap resamples (n draws with replacement from n members).

    A resample's number of non-zero members is Binomial(n, k/n); given it, they are a uniform draw with
    replacement from the k non-zero values. Drawn in chunks so memory stays bounded."""
    values = np.asarray(arm.nonzero, dtype=np.float64)
    k, n = len(values), arm.members
    if k == 0:
        return np.zeros(resamples)
    picks = rng.binomial(n, k / n, size=resamples)
    sums = np.empty(resamples)
    start = 0
    while start < resamples:
        stop = start + 1
        drawn = int(picks[start])
        while stop < resamples and drawn + picks[stop] <= _CHUNK_DRAWS:
            drawn += int(picks[stop])
            stop += 1
        running = np.concatenate(([0.0], np.cumsum(values[rng.integers(0, k, size=drawn)])))
        ends = np.cumsum(picks[start:stop])
        chunk = running[ends] - running[ends - picks[start:stop]]  # exact: integer fen stay far below 2**53
        sums[start:stop] = chunk
        start = stop
    return sums


def revenue_interval(treated: Revenue, baseline: Revenue, resamples: int = BOOTSTRAP_RESAMPLES,
                     seed: int = BOOTSTRAP_SEED) -> tuple[int, int] | None:
    """Percentile bootstrap 95% interval of the incremental revenue (fen), reproducible for a given seed."""
    if not treated.members or not baseline.members:
        return None
    rng = np.random.default_rng(seed)
    t = _resampled_sums(rng, treated, resamples) / treated.members
    b = _resampled_sums(rng, baseline, resamples) / baseline.members
    incremental = (t - b) * treated.members
    alpha = (1 - LEVEL) / 2
    low, high = np.quantile(incremental, [alpha, 1 - alpha])
    return math.floor(float(low) + 0.5), math.floor(float(high) + 0.5)


# --- one comparison, as stored ------------------------------------------------------------------------------------


def ratio_text(ratio: float | None, infinite: bool = False) -> str:
    """"4.4×" (one decimal); "∞" when the baseline converted nobody; "—" when undefined."""
    if infinite:
        return "∞"
    return "—" if ratio is None else f"{ratio:.1f}×"


def compare(treated: tuple[int, int], baseline: tuple[int, int], treated_revenue: Revenue,
            baseline_revenue: Revenue, baseline_arm: str) -> dict[str, object]:
    """Everything the page, the API and the export show for treated vs one baseline arm, as plain JSON values.
    Rates and their differences are fractions (0.35 is 35%); money is integer fen."""
    t_rate, b_rate = rate(*treated), rate(*baseline)
    difference = difference_interval(treated, baseline)
    ratio_ci = ratio_interval(treated, baseline)
    infinite = bool(t_rate and b_rate == 0)
    ratio = t_rate / b_rate if t_rate is not None and b_rate else None
    revenue_ci = revenue_interval(treated_revenue, baseline_revenue)
    said = verdict(treated, baseline, difference)
    zh, en = VERDICT_WORDS[said]
    if infinite:
        zh += ";对照组无人成交,倍数为无穷大"
        en += "; nobody converted in the comparison arm, so the ratio is infinite"
    return {
        "baseline": baseline_arm,
        "treated_rate": t_rate, "baseline_rate": b_rate,
        "difference": None if t_rate is None or b_rate is None else t_rate - b_rate,
        "difference_low": difference.low if difference else None,
        "difference_high": difference.high if difference else None,
        "ratio": ratio, "ratio_infinite": infinite, "ratio_text": ratio_text(ratio, infinite),
        "ratio_low": ratio_ci.low if ratio_ci else None, "ratio_high": ratio_ci.high if ratio_ci else None,
        "incremental_revenue_fen": incremental_revenue(treated_revenue, baseline_revenue),
        "incremental_revenue_low_fen": revenue_ci[0] if revenue_ci else None,
        "incremental_revenue_high_fen": revenue_ci[1] if revenue_ci else None,
        "verdict": said.value, "words_zh": zh, "words_en": en,
    }
