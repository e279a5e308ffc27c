"""The distribution rules: the commission engine's first-order, minimum, window, amount, rounding and monthly cap,
applied to a sharer; the self-referral check; masking and k suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.distribution import domain
from lianmeng.distribution.domain import Person, RewardKind, Terms

CLAIMED = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
FIXED = Terms(RewardKind.REBATE, 2_000, None, min_order_fen=10_000, window_days=30, cap_per_month=None)


def order(amount: int = 20_000, days: float = 1, first: bool = True, earned: int = 0) -> domain.FriendOrder:
    return domain.FriendOrder(CLAIMED, amount, CLAIMED + timedelta(days=days), first, earned)


def test_the_first_qualifying_order_earns_the_amount() -> None:
    assert domain.reward_for(FIXED, order(), 7) == 2_000


@pytest.mark.parametrize("facts", [
    order(first=False),  # not the friend's first order since the claim
    order(amount=9_999),  # under the minimum
    order(days=30.001),  # after the window
    order(days=-0.01),  # before the claim
])
def test_orders_that_do_not_qualify_earn_nothing(facts: domain.FriendOrder) -> None:
    assert domain.reward_for(FIXED, facts, 7) == 0


def test_exactly_the_window_and_exactly_the_minimum_still_qualify() -> None:
    assert domain.reward_for(FIXED, order(amount=10_000, days=30), 7) == 2_000


def test_a_share_of_the_order_rounds_half_up_to_the_fen() -> None:
    share = Terms(RewardKind.REBATE, None, 250, 0, 30, None)
    assert domain.reward_for(share, order(amount=10_020), 7) == 251  # 250.5 → 251
    assert domain.reward_for(share, order(amount=10_019), 7) == 250  # 250.475 → 250


def test_the_monthly_cap_pays_the_room_left_and_then_nothing() -> None:
    capped = Terms(RewardKind.POINTS, 300, None, 0, 30, cap_per_month=700)
    assert domain.reward_for(capped, order(earned=0), 7) == 300
    assert domain.reward_for(capped, order(earned=600), 7) == 100
    assert domain.reward_for(capped, order(earned=700), 7) == 0
    assert domain.reward_for(capped, order(earned=900), 7) == 0  # never negative


@pytest.mark.parametrize(("sharer", "friend", "same"), [
    (Person(1, "h1"), Person(1, "h1"), True),  # their own link
    (Person(1, "h1"), Person(2, "h1"), True),  # the same phone on two cards
    (Person(1, "h1"), Person(2, "h2", merged_into_id=1), True),  # the friend was merged into the sharer
    (Person(1, "h1", merged_into_id=2), Person(2, "h2"), True),  # the sharer was merged into the friend
    (Person(1, "h1"), Person(2, "h2"), False),
])
def test_self_referral(sharer: Person, friend: Person, same: bool) -> None:
    assert domain.is_self_referral(sharer, friend) is same


def test_reversal_is_proportional_and_cumulative() -> None:
    assert domain.reversal(2_000, 50_000, 25_000, 0) == 1_000
    assert domain.reversal(2_000, 50_000, 50_000, 1_000) == 1_000
    assert domain.reversal(2_000, 50_000, 50_000, 2_000) == 0


def test_month_start_is_the_calendar_month_in_shanghai() -> None:
    # 2026-11-30 17:00 UTC is already 1 December in Shanghai
    start = domain.month_start(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    assert (start.year, start.month, start.day, start.hour) == (2026, 12, 1, 0)
    assert start.utcoffset() == timedelta(hours=8)


def test_masks_and_k() -> None:
    assert domain.mask_name("李小明") == "李**"
    assert domain.mask_name(None) == domain.mask_name("  ") == "会员**"
    assert domain.suppress(9) is None and domain.suppress(10) == 10
