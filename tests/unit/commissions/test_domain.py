"""Commission rules: qualifying orders, amounts and rounding, payees, caps, operator share, single level,
proportional splitting and refund reversal."""

from __future__ import annotations

import dataclasses
import inspect
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from lianmeng.agreements.schemas import CommissionKind, CommissionTerm
from lianmeng.commissions.domain import (
    KIND_LABELS,
    PAYEE_LABELS,
    REFERRAL_KINDS,
    OrderFacts,
    PayeeKind,
    Payout,
    Referral,
    bp_of,
    commission_for_order,
    format_bp,
    main_amount_fen,
    normalise_term,
    order_qualifies,
    reverse_for_refund,
    round_half_up_div,
    split_proportionally,
)

K = CommissionKind
REFERRED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
MERCHANT = 11
STAFF = 77
PAYER = 22
REFERRAL = Referral(referrer_merchant_id=MERCHANT, referrer_staff_id=STAFF, referred_at=REFERRED)
NO_STAFF = Referral(referrer_merchant_id=MERCHANT, referrer_staff_id=None, referred_at=REFERRED)


def order(
    amount: int = 10_000, *, days: float = 1, first: bool = True, month_paid: int = 0, at: datetime | None = None
) -> OrderFacts:
    return OrderFacts(
        order_amount_fen=amount,
        ordered_at=at if at is not None else REFERRED + timedelta(days=days),
        is_first_order=first,
        member_month_paid_fen=month_paid,
    )


def term(kind: K, **fields: Any) -> CommissionTerm:
    return CommissionTerm(kind=kind, **fields)


def amounts(payouts: list[Payout]) -> list[tuple[str, int | None, int]]:
    return [(str(p.payee), p.payee_id, p.amount_fen) for p in payouts]


# --- arithmetic ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [
        (0, 1, 0),
        (1, 2, 1),  # exactly half goes up
        (3, 2, 2),
        (5, 2, 3),
        (49, 100, 0),
        (50, 100, 1),
        (149, 100, 1),
        (150, 100, 2),
        (1, 3, 0),
        (2, 3, 1),
        (10, 5, 2),
    ],
)
def test_round_half_up_div(n: int, d: int, expected: int) -> None:
    assert round_half_up_div(n, d) == expected


@given(st.integers(0, 10**15), st.integers(1, 10**9))
def test_round_half_up_div_matches_exact_fraction(n: int, d: int) -> None:
    exact = Fraction(n, d)
    got = round_half_up_div(n, d)
    assert Fraction(got) - Fraction(1, 2) <= exact < Fraction(got) + Fraction(1, 2)


def test_round_half_up_div_refuses_negative_and_zero() -> None:
    with pytest.raises(ValueError):
        round_half_up_div(-1, 2)
    with pytest.raises(ValueError):
        round_half_up_div(1, 0)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (1999, 500, 100),  # 99.95 → 100
        (1990, 500, 100),  # 99.50 → 100 (half up)
        (1989, 500, 99),  # 99.45 → 99
        (1, 5000, 1),  # 0.5 → 1
        (1, 4999, 0),
        (12345, 10_000, 12345),
        (12345, 0, 0),
        (0, 500, 0),
    ],
)
def test_bp_of(amount: int, rate: int, expected: int) -> None:
    assert bp_of(amount, rate) == expected


def test_bp_of_refuses_float_and_negative_money() -> None:
    with pytest.raises(TypeError):
        bp_of(99.5, 500)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        bp_of(True, 500)
    with pytest.raises(ValueError):
        bp_of(-1, 500)
    with pytest.raises(ValueError):
        bp_of(100, -1)


@pytest.mark.parametrize(
    ("bp", "text"), [(500, "5.00%"), (1, "0.01%"), (12345, "123.45%"), (0, "0.00%"), (-50, "-0.50%")]
)
def test_format_bp(bp: int, text: str) -> None:
    assert format_bp(bp) == text


# --- split_proportionally --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),  # tie on remainders → lowest index
        (10, [3, 3, 3], [4, 3, 3]),
        (1, [1, 1], [1, 0]),
        (100, [2, 1], [67, 33]),
        (100, [1, 2], [33, 67]),  # larger remainder wins, not the lower index
        (7, [0, 1, 0], [0, 7, 0]),
        (5, [1, 0, 1], [3, 0, 2]),
        (0, [0, 0], [0, 0]),
        (0, [], []),
        (4000, [6000, 2000], [3000, 1000]),
    ],
)
def test_split_proportionally_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert split_proportionally(total, weights) == expected


def test_split_proportionally_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        split_proportionally(3, [0, 0])
    with pytest.raises(ValueError):
        split_proportionally(3, [])
    with pytest.raises(ValueError):
        split_proportionally(3, [1, -1, 2])
    with pytest.raises(ValueError):
        split_proportionally(-3, [1, 1])
    with pytest.raises(TypeError):
        split_proportionally(3.0, [1, 1])  # type: ignore[arg-type]


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_split_proportionally_properties(total: int, weights: list[int]) -> None:
    weight_sum = sum(weights)
    assume(weight_sum > 0)
    parts = split_proportionally(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    for part, w in zip(parts, weights, strict=True):
        exact = Fraction(total * w, weight_sum)
        assert part >= 0
        assert exact - 1 < part < exact + 1
        if w == 0:
            assert part == 0
    assert split_proportionally(total, weights) == parts  # deterministic


# --- normalising terms -----------------------------------------------------------------------------------


def test_dict_terms_are_validated_into_commission_terms() -> None:
    raw = {"kind": "percent_of_order", "rate_bp": 500, "payee": "both", "staff_amount_fen": 5000}
    assert normalise_term(raw) == term(K.PERCENT_OF_ORDER, rate_bp=500, payee="both", staff_amount_fen=5000)
    model = term(K.PER_HEAD, amount_fen=3000)
    assert normalise_term(model) is model


def test_dict_and_model_terms_give_the_same_payouts() -> None:
    raw: dict[str, Any] = {"kind": "fixed_per_order", "amount_fen": 800, "operator_rate_bp": 1000}
    assert commission_for_order([raw], REFERRAL, order()) == commission_for_order(
        [CommissionTerm.model_validate(raw)], REFERRAL, order()
    )
    assert amounts(commission_for_order([raw], REFERRAL, order())) == [
        ("merchant", MERCHANT, 800),
        ("operator", None, 80),
    ]


def test_invalid_dict_terms_are_refused() -> None:
    with pytest.raises(ValidationError):
        commission_for_order([{"kind": "percent_of_order"}], REFERRAL, order())  # no rate
    with pytest.raises(ValidationError):
        commission_for_order([{"kind": "per_head", "amount_fen": 100, "bonus": 1}], REFERRAL, order())


# --- who is owed anything at all -------------------------------------------------------------------------

FIXED = term(K.FIXED_PER_ORDER, amount_fen=1000)


def test_no_referral_no_payouts() -> None:
    assert commission_for_order([FIXED], None, order()) == []


def test_referral_by_the_payer_itself_is_not_a_commission() -> None:
    assert commission_for_order([FIXED], REFERRAL, order(), payer_merchant_id=MERCHANT) == []
    assert amounts(commission_for_order([FIXED], REFERRAL, order(), payer_merchant_id=PAYER)) == [
        ("merchant", MERCHANT, 1000)
    ]


def test_no_terms_no_payouts() -> None:
    assert commission_for_order([], REFERRAL, order()) == []


def test_payer_side_selects_the_terms_that_side_pays_and_keeps_indexes() -> None:
    terms = [term(K.FIXED_PER_ORDER, amount_fen=100, payer="a"), term(K.FIXED_PER_ORDER, amount_fen=200, payer="b")]
    paid_by_b = commission_for_order(terms, REFERRAL, order(), payer_side="b")
    assert [(p.amount_fen, p.term_index) for p in paid_by_b] == [(200, 1)]
    paid_by_a = commission_for_order(terms, REFERRAL, order(), payer_side="a")
    assert [(p.amount_fen, p.term_index) for p in paid_by_a] == [(100, 0)]
    assert [p.amount_fen for p in commission_for_order(terms, REFERRAL, order())] == [100, 200]


# --- kinds -----------------------------------------------------------------------------------------------


def test_per_head_pays_on_the_conversion_only() -> None:
    per_head = term(K.PER_HEAD, amount_fen=3000)
    assert per_head.first_order_only is False
    assert amounts(commission_for_order([per_head], REFERRAL, order(first=True))) == [("merchant", MERCHANT, 3000)]
    assert commission_for_order([per_head], REFERRAL, order(first=False)) == []
    assert commission_for_order([per_head], REFERRAL, order(first=True))[0].reason == "per_head"


def test_per_head_does_not_depend_on_the_order_amount() -> None:
    per_head = term(K.PER_HEAD, amount_fen=3000)
    assert [p.amount_fen for p in commission_for_order([per_head], REFERRAL, order(1))] == [3000]
    assert [p.amount_fen for p in commission_for_order([per_head], REFERRAL, order(10**7))] == [3000]


def test_fixed_per_order_pays_every_qualifying_order() -> None:
    assert [p.amount_fen for p in commission_for_order([FIXED], REFERRAL, order(first=True))] == [1000]
    assert [p.amount_fen for p in commission_for_order([FIXED], REFERRAL, order(first=False, days=30))] == [1000]
    assert commission_for_order([FIXED], REFERRAL, order())[0].reason == "fixed_per_order"


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [(12345, 500, 617), (1990, 500, 100), (1989, 500, 99), (1, 5000, 1), (100_000, 10_000, 100_000)],
)
def test_percent_of_order_rounds_half_up(amount: int, rate: int, expected: int) -> None:
    pct = term(K.PERCENT_OF_ORDER, rate_bp=rate)
    assert amounts(commission_for_order([pct], REFERRAL, order(amount))) == [("merchant", MERCHANT, expected)]


def test_percent_of_a_zero_order_pays_nothing() -> None:
    assert commission_for_order([term(K.PERCENT_OF_ORDER, rate_bp=500)], REFERRAL, order(0)) == []


def test_percent_reason_shows_the_rate() -> None:
    pct = term(K.PERCENT_OF_ORDER, rate_bp=550)
    assert commission_for_order([pct], REFERRAL, order())[0].reason == "percent_of_order 5.50%"


def test_main_amount_refuses_terms_built_without_validation() -> None:
    with pytest.raises(ValueError):
        main_amount_fen(CommissionTerm.model_construct(kind=K.PERCENT_OF_ORDER, rate_bp=None), 100)
    with pytest.raises(ValueError):
        main_amount_fen(CommissionTerm.model_construct(kind=K.PER_HEAD, amount_fen=None), 100)


# --- qualifying conditions -------------------------------------------------------------------------------


def test_min_order_applies_to_its_own_term_only() -> None:
    terms = [term(K.FIXED_PER_ORDER, amount_fen=500, min_order_fen=10_000), term(K.FIXED_PER_ORDER, amount_fen=100)]
    below = commission_for_order(terms, REFERRAL, order(9_999))
    assert [(p.term_index, p.amount_fen) for p in below] == [(1, 100)]
    at = commission_for_order(terms, REFERRAL, order(10_000))
    assert [(p.term_index, p.amount_fen) for p in at] == [(0, 500), (1, 100)]


def test_per_head_conversion_below_the_minimum_is_lost() -> None:
    per_head = term(K.PER_HEAD, amount_fen=3000, min_order_fen=5000)
    assert commission_for_order([per_head], REFERRAL, order(4999, first=True)) == []
    assert commission_for_order([per_head], REFERRAL, order(9999, first=False)) == []


def test_within_days_boundary() -> None:
    windowed = term(K.FIXED_PER_ORDER, amount_fen=1000, within_days=30)
    edge = REFERRED + timedelta(days=30)
    assert [p.amount_fen for p in commission_for_order([windowed], REFERRAL, order(at=edge))] == [1000]
    late = edge + timedelta(seconds=1)
    assert commission_for_order([windowed], REFERRAL, order(at=late)) == []
    # without a window, late orders still qualify
    assert [p.amount_fen for p in commission_for_order([FIXED], REFERRAL, order(at=late))] == [1000]


def test_within_days_compares_instants_across_time_zones() -> None:
    windowed = term(K.FIXED_PER_ORDER, amount_fen=1000, within_days=1)
    shanghai = timezone(timedelta(hours=8))
    # 2026-03-02 18:00 +08:00 is 10:00 UTC, exactly one day after the referral
    assert commission_for_order([windowed], REFERRAL, order(at=datetime(2026, 3, 2, 18, 0, tzinfo=shanghai)))
    assert not commission_for_order([windowed], REFERRAL, order(at=datetime(2026, 3, 2, 18, 1, tzinfo=shanghai)))


def test_orders_before_the_referral_never_qualify() -> None:
    assert commission_for_order([FIXED], REFERRAL, order(at=REFERRED - timedelta(seconds=1))) == []
    assert commission_for_order([FIXED], REFERRAL, order(at=REFERRED))


def test_first_order_only() -> None:
    first_only = term(K.FIXED_PER_ORDER, amount_fen=1000, first_order_only=True)
    assert commission_for_order([first_only], REFERRAL, order(first=True))
    assert commission_for_order([first_only], REFERRAL, order(first=False)) == []


def test_order_qualifies_directly() -> None:
    assert order_qualifies(FIXED, REFERRAL, order())
    assert not order_qualifies(term(K.PER_HEAD, amount_fen=1), REFERRAL, order(first=False))


# --- payees ----------------------------------------------------------------------------------------------


def test_payee_merchant_ignores_staff_amount() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=1000, payee="merchant", staff_amount_fen=5000)
    assert amounts(commission_for_order([t], REFERRAL, order())) == [("merchant", MERCHANT, 1000)]


def test_payee_staff_pays_the_staff_member() -> None:
    t = term(K.PER_HEAD, amount_fen=5000, payee="staff")
    assert amounts(commission_for_order([t], REFERRAL, order())) == [("staff", STAFF, 5000)]
    pct = term(K.PERCENT_OF_ORDER, rate_bp=300, payee="staff")
    assert amounts(commission_for_order([pct], REFERRAL, order(20_000))) == [("staff", STAFF, 600)]


def test_staff_share_without_a_staff_member_is_not_paid_nor_redirected() -> None:
    t = term(K.PER_HEAD, amount_fen=5000, payee="staff", operator_rate_bp=1000)
    assert commission_for_order([t], NO_STAFF, order()) == []  # no operator share either: nothing was paid


def test_payee_both_pays_merchant_amount_and_staff_amount() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=2000, payee="both", staff_amount_fen=8000)
    assert amounts(commission_for_order([t], REFERRAL, order())) == [
        ("merchant", MERCHANT, 2000),
        ("staff", STAFF, 8000),
    ]


def test_payee_both_percent_gives_staff_a_flat_extra() -> None:
    t = term(K.PERCENT_OF_ORDER, rate_bp=500, payee="both", staff_amount_fen=5000)
    assert amounts(commission_for_order([t], REFERRAL, order(100_000))) == [
        ("merchant", MERCHANT, 5000),
        ("staff", STAFF, 5000),
    ]
    assert amounts(commission_for_order([t], REFERRAL, order(300_000))) == [
        ("merchant", MERCHANT, 15_000),
        ("staff", STAFF, 5000),  # flat: does not grow with the order
    ]


def test_payee_both_without_staff_pays_the_merchant_only_its_own_share() -> None:
    both = term(K.FIXED_PER_ORDER, amount_fen=2000, payee="both", staff_amount_fen=8000)
    merchant_only = term(K.FIXED_PER_ORDER, amount_fen=2000)
    assert amounts(commission_for_order([both], NO_STAFF, order())) == [("merchant", MERCHANT, 2000)]
    assert amounts(commission_for_order([both], NO_STAFF, order())) == amounts(
        commission_for_order([merchant_only], NO_STAFF, order())
    )


def test_payee_both_without_staff_amount_pays_the_merchant_only() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=2000, payee="both")
    assert amounts(commission_for_order([t], REFERRAL, order())) == [("merchant", MERCHANT, 2000)]


def test_staff_amount_zero_produces_no_zero_payout() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=2000, payee="both", staff_amount_fen=0)
    assert amounts(commission_for_order([t], REFERRAL, order())) == [("merchant", MERCHANT, 2000)]


# --- caps ------------------------------------------------------------------------------------------------


def test_cap_per_order() -> None:
    t = term(K.PERCENT_OF_ORDER, rate_bp=1000, cap_per_order_fen=3000)
    capped = commission_for_order([t], REFERRAL, order(100_000))
    assert amounts(capped) == [("merchant", MERCHANT, 3000)]
    assert capped[0].reason == "percent_of_order 10.00% (capped)"
    under = commission_for_order([t], REFERRAL, order(20_000))
    assert amounts(under) == [("merchant", MERCHANT, 2000)]
    assert under[0].reason == "percent_of_order 10.00%"


def test_cap_per_order_splits_between_merchant_and_staff_in_proportion() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=6000, payee="both", staff_amount_fen=2000, cap_per_order_fen=4000)
    assert amounts(commission_for_order([t], REFERRAL, order())) == [
        ("merchant", MERCHANT, 3000),
        ("staff", STAFF, 1000),
    ]


def test_cap_split_tie_goes_to_the_merchant() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=1000, payee="both", staff_amount_fen=1000, cap_per_order_fen=1001)
    assert amounts(commission_for_order([t], REFERRAL, order())) == [("merchant", MERCHANT, 501), ("staff", STAFF, 500)]


def test_cap_applies_after_an_unpaid_staff_share_is_dropped() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=1000, payee="both", staff_amount_fen=500, cap_per_order_fen=1200)
    assert amounts(commission_for_order([t], NO_STAFF, order())) == [("merchant", MERCHANT, 1000)]


@pytest.mark.parametrize(
    ("month_paid", "expected"), [(0, 1000), (4000, 1000), (4500, 500), (4999, 1), (5000, 0), (9000, 0)]
)
def test_cap_per_member_month_pays_only_the_room_left(month_paid: int, expected: int) -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=1000, cap_per_member_month_fen=5000)
    got = commission_for_order([t], REFERRAL, order(month_paid=month_paid))
    assert sum(p.amount_fen for p in got) == expected
    assert all(p.amount_fen > 0 for p in got)


def test_month_cap_counts_earlier_terms_of_the_same_order() -> None:
    terms = [
        term(K.PER_HEAD, amount_fen=3000),
        term(K.PERCENT_OF_ORDER, rate_bp=1000, cap_per_member_month_fen=5000),
    ]
    got = commission_for_order(terms, REFERRAL, order(100_000, month_paid=1000))
    # per head 3000; the percentage (10000) only gets 5000 − (1000 + 3000) = 1000
    assert [(p.term_index, p.amount_fen) for p in got] == [(0, 3000), (1, 1000)]


def test_both_caps_take_the_smaller_room() -> None:
    t = term(K.PERCENT_OF_ORDER, rate_bp=1000, cap_per_order_fen=3000, cap_per_member_month_fen=5000)
    assert [p.amount_fen for p in commission_for_order([t], REFERRAL, order(100_000, month_paid=3000))] == [2000]
    assert [p.amount_fen for p in commission_for_order([t], REFERRAL, order(100_000, month_paid=0))] == [3000]


# --- operator --------------------------------------------------------------------------------------------


def test_operator_share_is_a_separate_payout_on_top() -> None:
    t = term(K.PERCENT_OF_ORDER, rate_bp=500, operator_rate_bp=1000)
    got = commission_for_order([t], REFERRAL, order(12345))
    # referrer 617 (617.25); operator 10% of 617 = 61.7 → 62; the referrer's share is not reduced
    assert amounts(got) == [("merchant", MERCHANT, 617), ("operator", None, 62)]
    assert got[1].term_index == 0
    assert got[1].reason == "operator 10.00% of percent_of_order 5.00% commission"


@pytest.mark.parametrize(("paid", "rate", "expected"), [(1, 5000, 1), (3, 5000, 2), (1000, 250, 25), (999, 5, 0)])
def test_operator_share_rounds_half_up(paid: int, rate: int, expected: int) -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=paid, operator_rate_bp=rate)
    ops = [p.amount_fen for p in commission_for_order([t], REFERRAL, order()) if p.payee is PayeeKind.OPERATOR]
    assert ops == ([expected] if expected else [])


def test_operator_share_is_of_merchant_plus_staff_after_caps() -> None:
    t = term(
        K.FIXED_PER_ORDER,
        amount_fen=6000,
        payee="both",
        staff_amount_fen=2000,
        cap_per_order_fen=4000,
        operator_rate_bp=500,
    )
    assert amounts(commission_for_order([t], REFERRAL, order())) == [
        ("merchant", MERCHANT, 3000),
        ("staff", STAFF, 1000),
        ("operator", None, 200),  # 5% of 4000, not of 8000 nor of the order
    ]


def test_operator_share_does_not_use_up_the_month_cap() -> None:
    terms = [
        term(K.FIXED_PER_ORDER, amount_fen=1000, operator_rate_bp=5000),
        term(K.FIXED_PER_ORDER, amount_fen=1000, cap_per_member_month_fen=2000),
    ]
    got = commission_for_order(terms, REFERRAL, order())
    assert amounts(got) == [("merchant", MERCHANT, 1000), ("operator", None, 500), ("merchant", MERCHANT, 1000)]


def test_no_operator_share_when_the_month_cap_is_used_up() -> None:
    t = term(K.FIXED_PER_ORDER, amount_fen=1000, cap_per_member_month_fen=5000, operator_rate_bp=1000)
    assert commission_for_order([t], REFERRAL, order(month_paid=5000)) == []


def test_payouts_come_per_term_as_merchant_staff_operator() -> None:
    terms = [
        term(K.PER_HEAD, amount_fen=3000, payee="both", staff_amount_fen=5000, operator_rate_bp=100),
        term(K.PERCENT_OF_ORDER, rate_bp=200, operator_rate_bp=100),
    ]
    got = commission_for_order(terms, REFERRAL, order(50_000))
    assert [(p.term_index, str(p.payee)) for p in got] == [
        (0, "merchant"),
        (0, "staff"),
        (0, "operator"),
        (1, "merchant"),
        (1, "operator"),
    ]
    assert [p.amount_fen for p in got] == [3000, 5000, 80, 1000, 10]


# --- single level ----------------------------------------------------------------------------------------


def test_nothing_can_name_an_upstream_referrer() -> None:
    params = inspect.signature(commission_for_order).parameters
    assert list(params) == ["terms", "referral", "order", "payer_merchant_id", "payer_side"]
    assert [f.name for f in dataclasses.fields(Referral)] == [
        "referrer_merchant_id",
        "referrer_staff_id",
        "referred_at",
    ]
    assert [f.name for f in dataclasses.fields(OrderFacts)] == [
        "order_amount_fen",
        "ordered_at",
        "is_first_order",
        "member_month_paid_fen",
    ]


def test_a_referral_chain_pays_only_the_direct_referrer() -> None:
    # Merchant 1 referred the member to merchant 2 (and was paid for that, at merchant 2). Later merchant 2's
    # staff 202 referred the same member on to merchant 3. An order at merchant 3 pays merchant 2 and its
    # staff only: merchant 1 is never paid for its referee's referrals.
    at_2 = Referral(referrer_merchant_id=1, referrer_staff_id=101, referred_at=REFERRED)
    at_3 = Referral(referrer_merchant_id=2, referrer_staff_id=202, referred_at=REFERRED + timedelta(days=10))
    t = term(K.PERCENT_OF_ORDER, rate_bp=500, payee="both", staff_amount_fen=1000, operator_rate_bp=1000)
    first_at_2 = commission_for_order([t], at_2, order(10_000, days=2), payer_merchant_id=2)
    assert {p.payee_id for p in first_at_2} == {1, 101, None}
    at_merchant_3 = commission_for_order([t], at_3, order(10_000, days=12), payer_merchant_id=3)
    assert amounts(at_merchant_3) == [("merchant", 2, 500), ("staff", 202, 1000), ("operator", None, 150)]
    assert not {1, 101} & {p.payee_id for p in at_merchant_3}


# --- validation ------------------------------------------------------------------------------------------


def test_facts_refuse_naive_datetimes_and_bad_money() -> None:
    with pytest.raises(ValueError):
        Referral(referrer_merchant_id=1, referrer_staff_id=None, referred_at=datetime(2026, 3, 1))
    with pytest.raises(ValueError):
        OrderFacts(order_amount_fen=100, ordered_at=datetime(2026, 3, 1), is_first_order=True)
    with pytest.raises(ValueError):
        order(-1)
    with pytest.raises(ValueError):
        order(month_paid=-1)
    with pytest.raises(TypeError):
        order(99.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Payout(PayeeKind.MERCHANT, 1, 0, 0, "x")
    with pytest.raises(ValueError):
        Payout(PayeeKind.MERCHANT, 1, -5, 0, "x")


def test_labels_cover_every_kind_and_payee() -> None:
    assert set(PAYEE_LABELS) == set(PayeeKind)
    assert set(KIND_LABELS) == set(CommissionKind)
    assert KIND_LABELS[K.PER_HEAD][0] == "按人头"


# --- properties ------------------------------------------------------------------------------------------


@st.composite
def commission_terms(draw: st.DrawFn) -> CommissionTerm:
    kind = draw(st.sampled_from(sorted(REFERRAL_KINDS)))
    return CommissionTerm(
        kind=kind,
        payee=draw(st.sampled_from(["merchant", "staff", "both"])),
        amount_fen=None if kind is K.PERCENT_OF_ORDER else draw(st.integers(1, 1_000_000)),
        rate_bp=draw(st.integers(1, 10_000)) if kind is K.PERCENT_OF_ORDER else None,
        staff_amount_fen=draw(st.none() | st.integers(0, 100_000)),
        min_order_fen=draw(st.integers(0, 50_000)),
        cap_per_order_fen=draw(st.none() | st.integers(1, 200_000)),
        cap_per_member_month_fen=draw(st.none() | st.integers(1, 500_000)),
        first_order_only=draw(st.booleans()),
        within_days=draw(st.none() | st.integers(1, 60)),
        operator_rate_bp=draw(st.integers(0, 10_000)),
    )


referrals = st.builds(
    Referral,
    referrer_merchant_id=st.integers(1, 1000),
    referrer_staff_id=st.none() | st.integers(1001, 2000),
    referred_at=st.just(REFERRED),
)
orders = st.builds(
    OrderFacts,
    order_amount_fen=st.integers(0, 10_000_000),
    ordered_at=st.integers(-86_400, 90 * 86_400).map(lambda s: REFERRED + timedelta(seconds=s)),
    is_first_order=st.booleans(),
    member_month_paid_fen=st.integers(0, 600_000),
)


@given(st.lists(commission_terms(), max_size=5), referrals, orders)
def test_commission_properties(terms: list[CommissionTerm], referral: Referral, facts: OrderFacts) -> None:
    payouts = commission_for_order(terms, referral, facts)
    by_term: dict[int, dict[PayeeKind, int]] = defaultdict(dict)
    for p in payouts:
        assert p.amount_fen > 0
        assert p.payee not in by_term[p.term_index]  # at most one payout per payee and term
        by_term[p.term_index][p.payee] = p.amount_fen
        # single level: only the direct referrer (or the operator) is ever paid
        expected_id = {
            PayeeKind.MERCHANT: referral.referrer_merchant_id,
            PayeeKind.STAFF: referral.referrer_staff_id,
            PayeeKind.OPERATOR: None,
        }[p.payee]
        assert p.payee_id == expected_id
    month_paid = facts.member_month_paid_fen
    for index, t in enumerate(terms):
        paid = by_term.get(index, {})
        referrer_total = paid.get(PayeeKind.MERCHANT, 0) + paid.get(PayeeKind.STAFF, 0)
        if paid and not order_qualifies(t, referral, facts):
            pytest.fail("a term paid on an order that does not qualify")
        if t.kind is K.PERCENT_OF_ORDER and t.payee == "merchant":
            assert referrer_total <= facts.order_amount_fen
        if t.cap_per_order_fen is not None:
            assert referrer_total <= t.cap_per_order_fen
        if t.cap_per_member_month_fen is not None and referrer_total:
            assert month_paid + referrer_total <= t.cap_per_member_month_fen
        assert paid.get(PayeeKind.OPERATOR, 0) == bp_of(referrer_total, t.operator_rate_bp)
        if referral.referrer_staff_id is None:
            assert PayeeKind.STAFF not in paid
        if t.payee == "merchant":
            assert PayeeKind.STAFF not in paid
        if t.payee == "staff":
            assert PayeeKind.MERCHANT not in paid
        if order_qualifies(t, referral, facts):
            uncapped = (main_amount_fen(t, facts.order_amount_fen) if t.payee != "staff" else 0) + (
                {"staff": main_amount_fen(t, facts.order_amount_fen), "both": t.staff_amount_fen or 0}.get(t.payee, 0)
                if referral.referrer_staff_id is not None
                else 0
            )
            assert referrer_total <= uncapped
            if t.cap_per_order_fen is None and t.cap_per_member_month_fen is None:
                assert referrer_total == uncapped
        month_paid += referrer_total


@given(commission_terms(), referrals, orders)
def test_dict_terms_behave_like_models(t: CommissionTerm, referral: Referral, facts: OrderFacts) -> None:
    as_dict = t.model_dump(mode="json")
    assert commission_for_order([as_dict], referral, facts) == commission_for_order([t], referral, facts)


@given(st.integers(0, 10**9), st.integers(1, 10_000))
def test_percent_payout_never_exceeds_the_order(amount: int, rate: int) -> None:
    got = commission_for_order([term(K.PERCENT_OF_ORDER, rate_bp=rate)], REFERRAL, order(amount))
    assert sum(p.amount_fen for p in got) <= amount
    assert sum(p.amount_fen for p in got) == round_half_up_div(amount * rate, 10_000)


# --- refunds ---------------------------------------------------------------------------------------------


def test_reverse_for_refund_in_parts_is_exact() -> None:
    steps = []
    reversed_fen = 0
    for refunded_total in (333, 666, 1000):
        step = reverse_for_refund(
            paid_fen=100, order_amount_fen=1000, refunded_total_fen=refunded_total, already_reversed_fen=reversed_fen
        )
        steps.append(step)
        reversed_fen += step
    assert steps == [33, 34, 33]  # 33.3 → 33, 66.6 → 67, 100
    assert reversed_fen == 100


def test_reverse_for_refund_rounds_half_up() -> None:
    assert reverse_for_refund(paid_fen=1, order_amount_fen=2, refunded_total_fen=1, already_reversed_fen=0) == 1
    assert reverse_for_refund(paid_fen=1, order_amount_fen=3, refunded_total_fen=1, already_reversed_fen=0) == 0


def test_reverse_for_refund_whole_order_at_once_and_repeats() -> None:
    assert (
        reverse_for_refund(paid_fen=617, order_amount_fen=12345, refunded_total_fen=12345, already_reversed_fen=0)
        == 617
    )
    # the same cumulative total again reverses nothing more
    assert (
        reverse_for_refund(paid_fen=617, order_amount_fen=12345, refunded_total_fen=12345, already_reversed_fen=617)
        == 0
    )
    assert reverse_for_refund(paid_fen=617, order_amount_fen=12345, refunded_total_fen=0, already_reversed_fen=0) == 0


def test_reverse_for_refund_never_goes_negative_when_more_was_reversed() -> None:
    assert reverse_for_refund(paid_fen=100, order_amount_fen=1000, refunded_total_fen=100, already_reversed_fen=50) == 0


def test_reverse_for_refund_zero_order_reverses_the_rest() -> None:
    assert reverse_for_refund(paid_fen=3000, order_amount_fen=0, refunded_total_fen=0, already_reversed_fen=0) == 3000
    assert reverse_for_refund(paid_fen=3000, order_amount_fen=0, refunded_total_fen=0, already_reversed_fen=3000) == 0


def test_reverse_for_refund_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        reverse_for_refund(paid_fen=100, order_amount_fen=1000, refunded_total_fen=1001, already_reversed_fen=0)
    with pytest.raises(ValueError):
        reverse_for_refund(paid_fen=100, order_amount_fen=1000, refunded_total_fen=10, already_reversed_fen=101)
    with pytest.raises(ValueError):
        reverse_for_refund(paid_fen=-1, order_amount_fen=1000, refunded_total_fen=10, already_reversed_fen=0)
    with pytest.raises(TypeError):
        reverse_for_refund(paid_fen=100, order_amount_fen=1000.0, refunded_total_fen=10, already_reversed_fen=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # keyword-only: a cumulative total cannot be passed by position by mistake
        reverse_for_refund(100, 1000, 10, 0)  # type: ignore[call-arg]


@st.composite
def refund_sequences(draw: st.DrawFn) -> tuple[int, int, list[int]]:
    order_amount = draw(st.integers(1, 10**8))
    paid = draw(st.integers(0, 10**7))
    cuts = draw(st.lists(st.integers(1, order_amount), max_size=20, unique=True))
    bounds = [0, *sorted(set(cuts) | {order_amount})]
    parts = [b - a for a, b in pairwise(bounds) if b > a]
    return order_amount, paid, parts


@given(refund_sequences())
def test_partial_refunds_reverse_exactly_the_commission(case: tuple[int, int, list[int]]) -> None:
    order_amount, paid, parts = case
    assert sum(parts) == order_amount
    reversed_fen = 0
    refunded = 0
    for part in parts:
        refunded += part
        step = reverse_for_refund(
            paid_fen=paid, order_amount_fen=order_amount, refunded_total_fen=refunded, already_reversed_fen=reversed_fen
        )
        assert step >= 0
        reversed_fen += step
        assert reversed_fen <= paid
        # at every point what stands reversed is the proportional share, within half a fen
        assert abs(Fraction(reversed_fen) - Fraction(paid * refunded, order_amount)) <= Fraction(1, 2)
    assert reversed_fen == paid
