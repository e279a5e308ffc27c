from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.jointcards import domain
from lianmeng.jointcards.domain import Holding, Refused

# 舒适版 ¥14,800: 2 car services, a gym month card, ¥1,000 dining credit, 10 parenting lessons, ¥2,000 travel voucher
COMFORT_LIST = [160_000, 300_000, 100_000, 500_000, 200_000]


def test_comfort_tier_split_adds_up_to_the_fen() -> None:
    shares = domain.allocate(1_480_000, COMFORT_LIST)
    assert sum(shares) == 1_480_000
    assert shares == [187_936, 352_381, 117_460, 587_302, 234_921]
    # each share within one fen of the exact proportion
    total = sum(COMFORT_LIST)
    for share, weight in zip(shares, COMFORT_LIST, strict=True):
        assert abs(share * total - 1_480_000 * weight) < total


def test_largest_remainder_breaks_ties_to_the_first() -> None:
    assert domain.allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert domain.allocate(1, [5, 5]) == [1, 0]


@pytest.mark.parametrize("price, values", [(0, [1]), (-5, [1]), (100, []), (100, [0, 1]), (100, [-1, 2])])
def test_bad_products_are_refused(price: int, values: list[int]) -> None:
    with pytest.raises(Refused) as refused:
        domain.allocate(price, values)
    assert refused.value.code == "invalid_joint_product"


@given(price=st.integers(1, 10**10), values=st.lists(st.integers(1, 10**8), min_size=1, max_size=12))
def test_shares_always_sum_to_the_price(price: int, values: list[int]) -> None:
    shares = domain.allocate(price, values)
    assert sum(shares) == price
    assert all(s >= 0 for s in shares)
    total = sum(values)
    assert all(abs(s * total - price * v) < total for s, v in zip(shares, values, strict=True))


def test_units_floor_and_last_unit_takes_the_remainder() -> None:
    # ¥100.00 over 3 services: 33.33, 33.33, 33.34
    assert [domain.recognise(10_000, 3, used, 1) for used in range(3)] == [3_333, 3_333, 3_334]
    assert domain.recognise(10_000, 3, 0, 3) == 10_000
    assert domain.value_used(10_000, 3, 3) == 10_000


@given(share=st.integers(0, 10**9), units=st.integers(1, 200), data=st.data())
def test_any_consumption_order_recognises_exactly_the_share(share: int, units: int, data: st.DataObject) -> None:
    used, total = 0, 0
    while used < units:
        n = data.draw(st.integers(1, units - used))
        part = domain.recognise(share, units, used, n)
        assert part >= 0
        total += part
        used += n
    assert total == share


def test_over_consumption_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        domain.recognise(10_000, 2, 1, 2)
    assert refused.value.code == "joint_card_used_up"
    with pytest.raises(Refused):
        domain.recognise(10_000, 2, 2, 1)
    with pytest.raises(Refused):
        domain.recognise(10_000, 2, 0, 0)


def test_refund_returns_only_the_unconsumed_part() -> None:
    holdings = [Holding(10_000, 3, 1), Holding(5_000, 1, 1), Holding(2_000, 10, 0)]
    assert domain.unconsumed(holdings) == [3_334, 5_000, 0]
    assert domain.refundable(holdings) == 8_334


def test_fully_consumed_card_has_nothing_to_refund() -> None:
    with pytest.raises(Refused) as refused:
        domain.refundable([Holding(10_000, 3, 0), Holding(1, 1, 0)])
    assert refused.value.code == "nothing_to_refund"


@given(share=st.integers(0, 10**9), units=st.integers(1, 100), data=st.data())
def test_consumed_plus_refund_is_the_share(share: int, units: int, data: st.DataObject) -> None:
    left = data.draw(st.integers(0, units))
    consumed = domain.value_used(share, units, units - left)
    assert consumed + domain.unconsumed([Holding(share, units, left)])[0] == share


def test_expiry_carries_over_whole_months_in_shanghai_dates() -> None:
    # sold 2026-01-31 20:00 Shanghai (12:00 UTC): 12 months later is 2027-01-31 20:00 Shanghai
    assert domain.expires_at(datetime(2026, 1, 31, 12, 0, tzinfo=UTC), 12).astimezone(UTC) == datetime(
        2027, 1, 31, 12, 0, tzinfo=UTC)
    # 2026-01-31 Shanghai + 1 month → clamped to 2026-02-28
    assert domain.expires_at(datetime(2026, 1, 31, 12, 0, tzinfo=UTC), 1).astimezone(UTC) == datetime(
        2026, 2, 28, 12, 0, tzinfo=UTC)
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Shanghai: the calendar is Shanghai's
    assert domain.expires_at(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), 1).astimezone(UTC) == datetime(
        2027, 1, 31, 17, 0, tzinfo=UTC)


def test_expiry_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        domain.expires_at(datetime(2026, 1, 1), 12)
