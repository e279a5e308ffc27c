"""Coupon rules alone: value on a bill, validity, the order of refusal reasons, issue limits, attribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.coupons.domain import (
    Acceptance,
    AttributionRule,
    CouponKind,
    CouponRefused,
    Held,
    Touch,
    Use,
    Value,
    Where,
    attribute,
    check_issue,
    check_use,
    discount_fen,
    validity,
)

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def test_discounts_never_exceed_the_bill_except_a_free_item() -> None:
    assert discount_fen(Value(CouponKind.AMOUNT_OFF, amount_fen=5_000), 30_000) == 5_000
    assert discount_fen(Value(CouponKind.AMOUNT_OFF, amount_fen=5_000), 3_000) == 3_000
    assert discount_fen(Value(CouponKind.CASH_VOUCHER, amount_fen=10_000), 8_000) == 8_000
    assert discount_fen(Value(CouponKind.PERCENT_OFF, percent_bp=1_000), 195_050) == 19_505  # 10% of ¥1,950.50
    assert discount_fen(Value(CouponKind.PERCENT_OFF, percent_bp=1_000), 5) == 1  # 0.5 fen rounds half up
    assert discount_fen(Value(CouponKind.PERCENT_OFF, percent_bp=2_000, cap_fen=10_000), 195_000) == 10_000
    assert discount_fen(Value(CouponKind.FREE_ITEM, item_value_fen=30_000), 0) == 30_000  # free check, no bill
    with pytest.raises(ValueError):
        discount_fen(Value(CouponKind.AMOUNT_OFF, amount_fen=1), -1)


def test_validity_fixed_dates_or_days_after_issue_never_beyond_the_end() -> None:
    assert validity(T0, None, None, 30) == (T0, T0 + timedelta(days=30))
    end = T0 + timedelta(days=10)
    assert validity(T0, None, end, 30) == (T0, end)
    start = T0 + timedelta(days=2)
    assert validity(T0, start, None, None) == (start, None)


def held(**kw: object) -> Held:
    base: dict[str, object] = {"member_id": 7, "valid_from": T0, "valid_until": T0 + timedelta(days=30),
                               "uses_left": 1, "min_spend_fen": 10_000,
                               "where": Where(Acceptance.OWNER, owner_merchant_id=2)}
    base.update(kw)
    return Held(**base)  # type: ignore[arg-type]


def use(**kw: object) -> Use:
    base: dict[str, object] = {"member_id": 7, "merchant_id": 2, "store_id": None, "merchant_active": True,
                               "bill_fen": 10_000, "at": T0 + timedelta(days=1)}
    base.update(kw)
    return Use(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("coupon", "attempt", "code"), [
    (held(), use(member_id=8), "other_members_coupon"),
    (held(), use(merchant_active=False), "merchant_suspended"),
    (held(valid_from=T0 + timedelta(days=5)), use(), "not_started"),
    (held(), use(at=T0 + timedelta(days=30)), "expired"),  # the end itself is past
    (held(uses_left=0), use(), "used_up"),
    (held(), use(merchant_id=3), "not_accepted_here"),
    (held(), use(bill_fen=9_999), "below_minimum_spend"),
    (held(uses_left=0), use(member_id=8, merchant_id=3, bill_fen=0), "other_members_coupon"),  # first reason wins
    (held(uses_left=0), use(merchant_id=3, bill_fen=0), "used_up"),
])
def test_each_refusal_has_its_stable_code_in_a_fixed_order(coupon: Held, attempt: Use, code: str) -> None:
    with pytest.raises(CouponRefused) as refused:
        check_use(coupon, attempt)
    assert refused.value.code == code


def test_where_a_coupon_is_accepted() -> None:
    check_use(held(), use())
    selected = Where(Acceptance.SELECTED, 2, frozenset({4}), frozenset({40}))
    assert selected.accepts(4, None) and selected.accepts(9, 40) and not selected.accepts(2, None)
    assert Where(Acceptance.ALLIANCE, None).accepts(99, None)


def test_issue_limits() -> None:
    check_issue(10, 9, 0, 1, True)
    for args, code in [((10, 10, 0, 1, True), "stock_exhausted"), ((None, 0, 2, 2, True), "member_limit_reached"),
                       ((None, 0, 0, 1, False), "template_paused")]:
        with pytest.raises(CouponRefused) as refused:
            check_issue(*args)  # type: ignore[arg-type]
        assert refused.value.code == code


GYM, CENTRE, SCHOOL = 1, 2, 3


def touches() -> list[Touch]:
    return [Touch(GYM, 11, CENTRE, T0), Touch(SCHOOL, 33, None, T0 + timedelta(days=10)),
            Touch(SCHOOL, 34, GYM, T0 + timedelta(days=12))]


@pytest.mark.parametrize(("rule", "at", "expected"), [
    (AttributionRule.FIRST_TOUCH, T0 + timedelta(days=20), (GYM, 11)),
    (AttributionRule.LAST_TOUCH, T0 + timedelta(days=20), (SCHOOL, 33)),  # the touch for the gym does not count
    (AttributionRule.FIRST_TOUCH, T0 + timedelta(days=35), (SCHOOL, 33)),  # the gym's touch left the window
    (AttributionRule.FIRST_TOUCH, T0 + timedelta(days=45), None),
    (AttributionRule.REGISTRATION, T0 + timedelta(days=400), (SCHOOL, 30)),  # bound for good
])
def test_attribution_rules(rule: AttributionRule, at: datetime, expected: tuple[int, int] | None) -> None:
    found = attribute(rule, 30, touches(), CENTRE, SCHOOL, 30, T0 - timedelta(days=100), at)
    assert (None if found is None else (found.referrer_merchant_id, found.referrer_staff_id)) == expected


def test_a_members_own_first_merchant_is_never_its_referrer() -> None:
    for rule in AttributionRule:
        assert attribute(rule, 30, touches(), CENTRE, CENTRE, 20, T0, T0 + timedelta(days=1)) is None
    own_touch = [Touch(CENTRE, 20, CENTRE, T0)]
    assert attribute(AttributionRule.LAST_TOUCH, 30, own_touch, CENTRE, None, None, T0, T0) is None
