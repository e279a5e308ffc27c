"""The member value model's rules (会员价值模型), pure: no session, no clock.

Three sections, each mirrored by `values/repository.py` in set-based SQL (the SQL is built from the constants
here, and an integration test checks that the two agree):

1. RFM scores 1–5 by quintile within a scope (one merchant, or the whole alliance).
2. The eight RFM classes: each axis is "high" when the member's score is above the scope's mean score.
3. The alliance's nine-star ladder from alliance-wide spend, frequency, breadth and recency.

Who is ranked: only members with at least one order in the window. A member whose orders all aged out of the
window keeps a row with zero figures, the lowest scores (1, 1, 1), the class general_winback (一般挽留) and one
star — so an audience can still find lapsed members — but does not move the quintiles or the means of the
members who are active.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lianmeng.kit.vocab import LabelledEnum, pairs

DEFAULT_WINDOW_DAYS = 365
MIN_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 730
SCORES = 5
REFRESH_MINUTES = 10  # the jobs refresh an alliance at most this often

# --- 1. quintile scores ----------------------------------------------------------------------------------------


def quintile_score(smaller: int, ranked: int) -> int:
    """1 + ⌊5 × smaller ÷ ranked⌋, where `smaller` counts the ranked members of the scope with a strictly worse
    value. Ties: equal values get equal scores — the score of the lowest member of the tie (a merchant where 70%
    bought once gives all of them 1, not 4). One ranked member, or all tied: everyone scores 1. Integer
    arithmetic, exactly as the SQL does it (RANK() − 1 is `smaller`)."""
    if ranked <= 0 or not 0 <= smaller < ranked:
        raise ValueError("smaller must be in [0, ranked)")
    return 1 + SCORES * smaller // ranked


def scores(values: Sequence[int], higher_is_better: bool = True) -> list[int]:
    """The quintile score of each value among `values` (for recency pass days with higher_is_better=False:
    fewer days since the last order is better)."""
    keyed = list(values) if higher_is_better else [-v for v in values]
    return [quintile_score(sum(1 for other in keyed if other < mine), len(keyed)) for mine in keyed]


# --- 2. the eight RFM classes ----------------------------------------------------------------------------------


class RfmClass(LabelledEnum):
    IMPORTANT_VALUE = "important_value", "重要价值", "Important: value"  # 重要价值: R high, F high, M high
    IMPORTANT_DEVELOP = "important_develop", "重要发展", "Important: develop"  # 重要发展: R high, F low, M high
    IMPORTANT_RETAIN = "important_retain", "重要保持", "Important: retain"  # 重要保持: R low, F high, M high
    IMPORTANT_WINBACK = "important_winback", "重要挽留", "Important: win back"  # 重要挽留: R low, F low, M high
    GENERAL_VALUE = "general_value", "一般价值", "General: value"  # 一般价值: R high, F high, M low
    GENERAL_DEVELOP = "general_develop", "一般发展", "General: develop"  # 一般发展: R high, F low, M low
    GENERAL_RETAIN = "general_retain", "一般保持", "General: retain"  # 一般保持: R low, F high, M low
    GENERAL_WINBACK = "general_winback", "一般挽留", "General: win back"  # 一般挽留: R low, F low, M low


RFM_CLASS_LABELS: dict[RfmClass, tuple[str, str]] = pairs(RfmClass)

# (R high, F high, M high) → class; the order of the table is the order shown in charts.
CLASS_OF: dict[tuple[bool, bool, bool], RfmClass] = {
    (True, True, True): RfmClass.IMPORTANT_VALUE,
    (True, False, True): RfmClass.IMPORTANT_DEVELOP,
    (False, True, True): RfmClass.IMPORTANT_RETAIN,
    (False, False, True): RfmClass.IMPORTANT_WINBACK,
    (True, True, False): RfmClass.GENERAL_VALUE,
    (True, False, False): RfmClass.GENERAL_DEVELOP,
    (False, True, False): RfmClass.GENERAL_RETAIN,
    (False, False, False): RfmClass.GENERAL_WINBACK,
}
LAPSED_CLASS = RfmClass.GENERAL_WINBACK


def above_mean(score: int, score_sum: int, ranked: int) -> bool:
    """Strictly above the scope's mean score (score > sum ÷ n, compared as score × n > sum: no floats). A score
    equal to the mean is low: when everyone ties, nobody stands out."""
    return score * ranked > score_sum


def rfm_class(r_high: bool, f_high: bool, m_high: bool) -> RfmClass:
    return CLASS_OF[(r_high, f_high, m_high)]


@dataclass(frozen=True)
class Figures:
    """A member's raw figures in one scope over the window."""

    recency_days: int | None  # days since the last order (ever); None: never ordered
    frequency: int  # orders in the window
    monetary_fen: int  # orders minus refunds in the window


@dataclass(frozen=True)
class Scored:
    r: int
    f: int
    m: int
    rfm_class: RfmClass


def score_scope(rows: Sequence[Figures]) -> list[Scored]:
    """Scores and classes of every row of one scope: the reference implementation the SQL must agree with."""
    ranked = [i for i, row in enumerate(rows) if row.frequency > 0]
    out = [Scored(1, 1, 1, LAPSED_CLASS) for _ in rows]
    if not ranked:
        return out
    r = scores([rows[i].recency_days or 0 for i in ranked], higher_is_better=False)
    f = scores([rows[i].frequency for i in ranked])
    m = scores([rows[i].monetary_fen for i in ranked])
    n = len(ranked)
    sums = sum(r), sum(f), sum(m)
    for k, i in enumerate(ranked):
        cls = rfm_class(above_mean(r[k], sums[0], n), above_mean(f[k], sums[1], n), above_mean(m[k], sums[2], n))
        out[i] = Scored(r[k], f[k], m[k], cls)
    return out


# --- 3. the nine-star ladder -----------------------------------------------------------------------------------

# Alliance-wide net spend over the window (fen) needed for each star: ¥0, ¥500, ¥1,000, ¥2,000, ¥5,000, ¥10,000,
# ¥20,000, ¥50,000, ¥100,000.
STAR_SPEND_FEN: tuple[int, ...] = (0, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000,
                                   10_000_000)
MAX_STARS = len(STAR_SPEND_FEN)
BREADTH_BONUS_MERCHANTS = 3  # visiting this many merchants in the window earns one star more
TOP_STARS_MIN_ORDERS = 6  # 7 stars and above need this many orders in the window (not one big purchase)
TOP_STARS_FROM = 7
INACTIVE_DAYS = 180  # no order for longer than this: at most INACTIVE_CAP stars
INACTIVE_CAP = 3


def spend_stars(monetary_fen: int) -> int:
    """1–9 from spend alone: the number of thresholds reached (¥0 reaches the first)."""
    return max(1, sum(1 for threshold in STAR_SPEND_FEN if monetary_fen >= threshold))


def stars(monetary_fen: int, frequency: int, merchants_visited: int, recency_days: int | None) -> int:
    """The alliance's star level, applied in this order:
    1. spend stars from alliance-wide net spend (table STAR_SPEND_FEN);
    2. +1 when the member visited ≥ 3 merchants in the window (the alliance's point is cross-merchant custom);
    3. at most 6 when fewer than 6 orders in the window (a single large purchase is not a top customer);
    4. at most 3 when inactive > 180 days (never ordered counts as inactive);
    5. no order in the window: 1."""
    if frequency <= 0:
        return 1
    level = spend_stars(monetary_fen)
    if merchants_visited >= BREADTH_BONUS_MERCHANTS:
        level += 1
    level = min(level, MAX_STARS)
    if frequency < TOP_STARS_MIN_ORDERS:
        level = min(level, TOP_STARS_FROM - 1)
    if recency_days is None or recency_days > INACTIVE_DAYS:
        level = min(level, INACTIVE_CAP)
    return level


def star_text(level: int | None) -> str:
    """★★★☆☆☆☆☆☆ — filled stars then hollow ones up to nine; "—" when not rated."""
    if level is None:
        return "—"
    return "★" * level + "☆" * (MAX_STARS - level)


def window_valid(days: int) -> bool:
    return MIN_WINDOW_DAYS <= days <= MAX_WINDOW_DAYS
