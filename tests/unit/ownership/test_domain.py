"""The ownership rules alone: round-robin spreading, the daily claim limit, idleness, merging owners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.ownership import domain
from lianmeng.ownership.domain import OwnershipRefused

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


def test_round_robin_spreads_evenly_in_the_order_chosen() -> None:
    assert domain.round_robin([1, 2, 3, 4, 5], [10, 20]) == {1: 10, 2: 20, 3: 10, 4: 20, 5: 10}
    assert domain.round_robin([1, 2, 3], [20, 10]) == {1: 20, 2: 10, 3: 20}


def test_round_robin_counts_what_each_holds_already() -> None:
    # staff 10 holds 3 already: the first three go to 20, then they alternate from 20 (chosen second, tie → first)
    assert domain.round_robin([1, 2, 3, 4, 5], [10, 20], {10: 3}) == {1: 20, 2: 20, 3: 20, 4: 10, 5: 20}


def test_round_robin_needs_distinct_staff() -> None:
    with pytest.raises(OwnershipRefused) as none:
        domain.round_robin([1], [])
    assert none.value.code == "ownership_no_staff"
    with pytest.raises(OwnershipRefused) as twice:
        domain.round_robin([1], [5, 5])
    assert twice.value.code == "ownership_staff_repeated"


def test_the_daily_claim_limit_is_409_with_the_limit() -> None:
    domain.check_claim(19, 20)
    with pytest.raises(OwnershipRefused) as refused:
        domain.check_claim(20, 20)
    assert (refused.value.code, refused.value.status, refused.value.params) == ("ownership_claim_limit", 409,
                                                                               {"limit": 20})
    assert domain.remaining_claims(18, 20) == 2 and domain.remaining_claims(25, 20) == 0


def test_settings_ranges() -> None:
    domain.check_settings(1, 1)
    domain.check_settings(domain.MAX_DAILY_CLAIM_LIMIT, domain.MAX_IDLE_DAYS)
    for limit, days, code in ((0, 90, "ownership_claim_limit_range"), (20, 0, "ownership_idle_days_range"),
                              (domain.MAX_DAILY_CLAIM_LIMIT + 1, 90, "ownership_claim_limit_range")):
        with pytest.raises(OwnershipRefused) as refused:
            domain.check_settings(limit, days)
        assert refused.value.code == code


def test_idle_counts_from_the_later_of_taking_and_serving() -> None:
    long_ago = NOW - timedelta(days=200)
    assert domain.is_idle(long_ago, None, NOW, 90)
    assert domain.is_idle(long_ago, NOW - timedelta(days=90), NOW, 90)  # exactly N days: idle
    assert not domain.is_idle(long_ago, NOW - timedelta(days=89), NOW, 90)
    assert not domain.is_idle(NOW - timedelta(days=10), long_ago, NOW, 90)  # just taken: never idle at once


def test_the_survivor_keeps_its_owner_and_takes_the_absorbed_ones_elsewhere() -> None:
    survivor, absorbed = {1: 100}, {1: 200, 2: 300}
    assert domain.owners_after_merge(survivor, absorbed) == {1: 100, 2: 300}
    assert domain.moved_on_merge(survivor, absorbed) == [2]
    assert domain.moved_on_merge({}, {}) == []


def test_bulk_size_and_pool() -> None:
    domain.check_bulk_size(domain.MAX_BULK)
    with pytest.raises(OwnershipRefused):
        domain.check_bulk_size(domain.MAX_BULK + 1)
    assert domain.pool_of([5, 4, 3], [4]) == [5, 3]
