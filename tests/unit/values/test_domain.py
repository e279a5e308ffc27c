"""The value model's pure rules against known values."""

from __future__ import annotations

import pytest

from lianmeng.values import domain
from lianmeng.values.domain import Figures, RfmClass, Scored


def test_quintile_scores_of_ten_distinct_values() -> None:
    assert domain.scores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_ties_get_the_score_of_the_lowest_member_of_the_tie() -> None:
    # seven one-time buyers, two two-time, one regular: the one-timers are all 1, not 4
    assert domain.scores([1, 1, 1, 1, 1, 1, 1, 2, 2, 9]) == [1, 1, 1, 1, 1, 1, 1, 4, 4, 5]
    assert domain.scores([5, 5, 5]) == [1, 1, 1]
    assert domain.scores([42]) == [1]


def test_recency_scores_fewer_days_higher() -> None:
    assert domain.scores([0, 10, 100, 300, 3], higher_is_better=False) == [5, 3, 2, 1, 4]


def test_quintile_score_bounds() -> None:
    assert domain.quintile_score(0, 1) == 1
    assert domain.quintile_score(4, 5) == 5
    assert domain.quintile_score(3, 4) == 4
    with pytest.raises(ValueError):
        domain.quintile_score(5, 5)
    with pytest.raises(ValueError):
        domain.quintile_score(0, 0)


@pytest.mark.parametrize(("highs", "expected"), [
    ((True, True, True), RfmClass.IMPORTANT_VALUE),
    ((True, False, True), RfmClass.IMPORTANT_DEVELOP),
    ((False, True, True), RfmClass.IMPORTANT_RETAIN),
    ((False, False, True), RfmClass.IMPORTANT_WINBACK),
    ((True, True, False), RfmClass.GENERAL_VALUE),
    ((True, False, False), RfmClass.GENERAL_DEVELOP),
    ((False, True, False), RfmClass.GENERAL_RETAIN),
    ((False, False, False), RfmClass.GENERAL_WINBACK),
])
def test_the_eight_classes(highs: tuple[bool, bool, bool], expected: RfmClass) -> None:
    assert domain.rfm_class(*highs) is expected


def test_above_mean_is_strict() -> None:
    assert domain.above_mean(4, 9, 3)  # mean 3
    assert not domain.above_mean(3, 9, 3)  # equal to the mean: low
    assert not domain.above_mean(2, 9, 3)


def test_score_scope_known_values() -> None:
    rows = [
        Figures(recency_days=2, frequency=9, monetary_fen=900_000),  # recent, frequent, big
        Figures(recency_days=200, frequency=1, monetary_fen=800_000),  # long ago, once, big
        Figures(recency_days=5, frequency=1, monetary_fen=10_000),  # recent, once, small
        Figures(recency_days=150, frequency=6, monetary_fen=20_000),  # long ago, often, small
        Figures(recency_days=400, frequency=0, monetary_fen=0),  # lapsed: outside the ranking
    ]
    assert domain.score_scope(rows) == [
        Scored(4, 4, 4, RfmClass.IMPORTANT_VALUE),  # four ranked: the best of them is 1 + 5 × 3 ÷ 4 = 4
        Scored(1, 1, 3, RfmClass.IMPORTANT_WINBACK),
        Scored(3, 1, 1, RfmClass.GENERAL_DEVELOP),
        Scored(2, 3, 2, RfmClass.GENERAL_RETAIN),
        Scored(1, 1, 1, RfmClass.GENERAL_WINBACK),
    ]


def test_a_scope_with_nobody_active_is_all_lapsed() -> None:
    assert domain.score_scope([Figures(None, 0, 0)]) == [Scored(1, 1, 1, RfmClass.GENERAL_WINBACK)]


@pytest.mark.parametrize(("fen", "expected"), [
    (0, 1), (49_999, 1), (50_000, 2), (100_000, 3), (199_999, 3), (200_000, 4), (500_000, 5), (1_000_000, 6),
    (2_000_000, 7), (5_000_000, 8), (10_000_000, 9), (99_000_000, 9),
])
def test_spend_stars_ladder(fen: int, expected: int) -> None:
    assert domain.spend_stars(fen) == expected


def test_star_rules_in_order() -> None:
    # plenty of orders, recent: the spend ladder
    assert domain.stars(2_000_000, 12, 1, 3) == 7
    # visiting three merchants earns one more
    assert domain.stars(2_000_000, 12, 3, 3) == 8
    # ...but never above nine
    assert domain.stars(10_000_000, 12, 5, 3) == 9
    # fewer than six orders: at most six, whatever the spend
    assert domain.stars(10_000_000, 5, 5, 3) == 6
    assert domain.stars(50_000, 1, 1, 3) == 2
    # inactive for more than 180 days: at most three
    assert domain.stars(10_000_000, 12, 5, 181) == 3
    assert domain.stars(10_000_000, 12, 5, 180) == 9
    assert domain.stars(60_000, 12, 1, 400) == 2
    # no order in the window: one star
    assert domain.stars(0, 0, 0, None) == 1


def test_star_text_and_window() -> None:
    assert domain.star_text(3) == "★★★☆☆☆☆☆☆"
    assert domain.star_text(None) == "—"
    assert domain.window_valid(30) and domain.window_valid(730) and domain.window_valid(365)
    assert not domain.window_valid(29) and not domain.window_valid(731)


def test_every_class_has_words() -> None:
    assert set(domain.RFM_CLASS_LABELS) == set(RfmClass) == set(domain.CLASS_OF.values())
