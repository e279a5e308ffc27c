"""The k rule of segment reports against known tables: cells under k, complementary cells, "too few", rates,
free-text cells pooled, and nothing but counts in a report."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.segments.domain import (
    K_DEFAULT,
    MemberFacts,
    build_report,
    rate_bp,
    shown_counts,
    suppress,
)

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def test_cells_under_k_are_suppressed_and_cells_at_k_shown() -> None:
    assert suppress([10, 25, 40], 10) == [10, 25, 40]
    assert suppress([9, 25, 40, 12], 10) == [None, 25, 40, None]  # 9 alone is recoverable: 12 hidden too


def test_one_suppressed_cell_takes_the_next_smallest_with_it() -> None:
    # total 80 is shown: with 3 alone hidden it would be 80 − 77
    assert suppress([3, 30, 20, 27], 10) == [None, 30, None, 27]


def test_complement_continues_until_the_hidden_sum_reaches_k() -> None:
    # 1 + 2 = 3 < k: the hidden cells would add up to a small recoverable number; 15 is hidden too
    assert suppress([1, 2, 15, 50], 10) == [None, None, None, 50]


def test_zero_cells_are_suppressed_and_a_lone_zero_still_takes_a_complement() -> None:
    assert suppress([0, 40, 30], 10) == [None, 40, None]
    assert suppress([0, 0, 40, 30], 10) == [None, None, 40, 30]  # two hidden cells adding up to 0: nobody to find


def test_ties_take_the_first_cell_in_the_dimensions_order() -> None:
    assert suppress([5, 20, 20], 10) == [None, None, 20]


def test_every_cell_can_end_up_hidden() -> None:
    assert suppress([5, 12], 10) == [None, None]
    assert suppress([], 10) == []


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [(3, 10, 3_000), (1, 3, None), (2, 30, 667),
                                                                    (0, 12, 0), (7, 9, None)])
def test_rates_are_basis_points_rounded_half_up_and_suppressed_under_k(numerator: int, denominator: int,
                                                                       expected: int | None) -> None:
    assert rate_bp(numerator, denominator, K_DEFAULT) == expected


def fact(**changes: object) -> MemberFacts:
    base = MemberFacts(birth_year=1990, gender="female", spend_fen=600_000, orders=4,
                       last_order_at=NOW - timedelta(days=10), top_item="小保养", tier="gold", coupons_handed=False,
                       coupon_claimed=False, coupon_redeemed=False)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_segment_under_k_shows_only_too_few() -> None:
    report = build_report([fact()] * 9, 10, NOW)
    assert report["too_few"] is True and report["total"] is None and report["dimensions"] == []
    assert report["response"] is None and shown_counts(report) == []


def test_k_below_the_alliance_floor_is_refused() -> None:
    with pytest.raises(ValueError):
        build_report([fact()] * 20, 9, NOW)


def cells(report: dict[str, object], dimension: str) -> dict[str, int | None]:
    for d in report["dimensions"]:  # type: ignore[attr-defined]
        if d["dimension"] == dimension:
            return {c["en"]: c["count"] for c in d["cells"]}
    raise AssertionError(dimension)


def test_a_known_segment() -> None:
    # 30 women born 1990 (age 36) and 12 men born 2000 (26) and 3 of unknown age and gender
    members = ([fact() for _ in range(30)] + [fact(gender="male", birth_year=2000, spend_fen=50_000, orders=1,
                                                   top_item="洗车", tier="standard") for _ in range(12)]
               + [fact(gender="undisclosed", birth_year=None, orders=0, spend_fen=0, last_order_at=None,
                       top_item=None, tier=None) for _ in range(3)])
    report = build_report(members, 10, NOW)
    assert report["total"] == 45
    # 0 + 0 + 0 + 3 hidden add up to 3 < k, recoverable as a sum: the smallest shown cell (12) goes too
    assert cells(report, "age_band") == {"Under 25": None, "25–34": None, "35–44": 30, "45–54": None,
                                         "55 and over": None, "Not given": None}
    # one hidden cell (3): the next smallest (12) goes with it
    assert cells(report, "gender") == {"Men": None, "Women": 30, "Not disclosed": None}
    # both items have ≥ k members so both are named; Other (0) and None recorded (3) take 洗车 with them
    assert cells(report, "service_type") == {"小保养": 30, "洗车": None, "Other": None, "None recorded": None}
    assert cells(report, "frequency") == {"None": None, "Once": None, "2–3 times": None, "4–6 times": 30,
                                          "7 times or more": None}
    assert all(n >= 10 for n in shown_counts(report))


def test_the_complement_of_every_dimension_leaves_no_single_hidden_cell_with_a_small_sum() -> None:
    members = [fact(orders=n % 5, spend_fen=(n % 7) * 90_000, birth_year=1950 + n % 60) for n in range(57)]
    report = build_report(members, 10, NOW)
    for d in report["dimensions"]:
        hidden = [c for c in d["cells"] if c["count"] is None]
        shown = sum(c["count"] for c in d["cells"] if c["count"] is not None)
        assert len(hidden) != 1, d["dimension"]
        assert not 0 < report["total"] - shown < 10, d["dimension"]


def test_rare_item_names_never_reach_the_report() -> None:
    members = [fact(top_item="小保养") for _ in range(20)] + [fact(top_item="张先生专属改装")]
    text = json.dumps(build_report(members, 10, NOW), ensure_ascii=False)
    assert "张先生专属改装" not in text and "小保养" in text


def test_response_rates_count_members_handed_a_coupon() -> None:
    handed = [fact(coupons_handed=True, coupon_claimed=i < 6, coupon_redeemed=i < 3) for i in range(12)]
    report = build_report(handed + [fact() for _ in range(8)], 10, NOW)
    assert report["response"] == {"handed": 12, "claimed_bp": 5_000, "redeemed_bp": 2_500}
    few = build_report([fact(coupons_handed=True, coupon_claimed=True)] * 9 + [fact()] * 11, 10, NOW)
    assert few["response"] == {"handed": None, "claimed_bp": None, "redeemed_bp": None}


def test_a_report_is_counts_only() -> None:
    report = build_report([fact() for _ in range(15)], 10, NOW)
    keys = {key for d in report["dimensions"] for c in d["cells"] for key in c}
    assert keys == {"code", "zh", "en", "count"}
    assert set(report) == {"k", "window_days", "too_few", "total", "dimensions", "response"}
