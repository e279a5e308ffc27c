"""Overlap rules without a database: suppression below k (zero included), shares, totals over shown cells only,
and which pairs are untapped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lianmeng.overlap.domain import (
    K_MIN,
    SUPPRESSED_TEXT,
    UNTAPPED_MAX_FLOW_PER_100,
    PairFigures,
    is_untapped,
    share_bp,
    shown_text,
    suppress,
    untapped_pairs,
    visible_total,
)


def test_k_is_ten_and_the_suppressed_text_names_it() -> None:
    assert K_MIN == 10
    assert SUPPRESSED_TEXT == "< 10"


def test_every_count_below_k_zero_included_is_shown_the_same() -> None:
    assert {shown_text(n) for n in range(K_MIN)} == {"< 10"}
    assert shown_text(None) == "< 10"
    assert shown_text(10) == "10"
    assert shown_text(12_345) == "12,345"
    assert [suppress(n) for n in (0, 9, 10)] == [None, None, 10]


def test_share_is_in_basis_points_rounded_half_up_and_never_of_a_hidden_count() -> None:
    assert share_bp(12, 40) == 3000
    assert share_bp(10, 30) == 3333  # 3333.33…
    assert share_bp(20, 30) == 6667  # 6666.67…
    assert share_bp(10, 80_000) == 1  # 1.25 → 1
    assert share_bp(10, 16_000) == 6  # 6.25 → 6
    assert share_bp(10, 8) == 12_500  # the base is the viewer's, a stale base can be smaller
    assert share_bp(9, 10) is None  # a share of a suppressed count would reveal it
    assert share_bp(None, 10) is None
    assert share_bp(10, 0) is None


@settings(deadline=None)  # the machine is shared: a slow example is not a failure
@given(st.lists(st.integers(min_value=0, max_value=500), max_size=30))
def test_a_total_is_the_sum_of_the_shown_cells_so_it_reveals_no_hidden_one(cells: list[int]) -> None:
    shown = [c for c in cells if c >= K_MIN]
    total = visible_total(cells)
    assert total == sum(shown)
    # whatever the hidden cells are, the total is the same: nothing can be subtracted to find one
    assert visible_total([c if c >= K_MIN else 0 for c in cells]) == total
    assert visible_total([c if c >= K_MIN else K_MIN - 1 for c in cells]) == total


def _pair(shared: int, base_a: int = 100, base_b: int = 50, arrivals: int = 0) -> PairFigures:
    return PairFigures(1, 2, shared, base_a, base_b, arrivals)


def test_a_pair_is_untapped_with_a_fifth_of_the_smaller_side_shared_and_few_arrivals() -> None:
    assert is_untapped(_pair(10, base_b=50))  # 20 % of 50, no arrivals
    assert not is_untapped(_pair(9, base_b=45))  # 20 % but below k: never used
    assert not is_untapped(_pair(10, base_b=51))  # 19.6 % of the smaller side
    assert is_untapped(_pair(40, arrivals=1))  # 2.5 per 100
    limit = 40 * UNTAPPED_MAX_FLOW_PER_100 // 100  # 2 arrivals per 40 shared is 5 per 100: no longer "little"
    assert not is_untapped(_pair(40, arrivals=limit))
    assert is_untapped(_pair(40, arrivals=limit - 1))


def test_untapped_pairs_are_ranked_by_shared_customers_then_fewest_arrivals() -> None:
    pairs = [PairFigures(1, 2, 20, 40, 40, 0), PairFigures(1, 3, 30, 40, 60, 1), PairFigures(2, 3, 30, 40, 60, 0),
             PairFigures(3, 4, 30, 600, 600, 0)]  # the last: 5 % of the smaller side, not high overlap
    assert [(p.merchant_a, p.merchant_b) for p in untapped_pairs(pairs)] == [(2, 3), (1, 3), (1, 2)]
    assert len(untapped_pairs(pairs, limit=1)) == 1
