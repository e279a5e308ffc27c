"""Merging rules without a database: which pairs are refused, the transfer legs, undo shortfalls, the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.ledger.domain import AccountKind, check_balanced
from lianmeng.merging import domain
from lianmeng.merging.domain import Holding, MemberFacts

A = MemberFacts(1, 10, "active")
B = MemberFacts(2, 10, "active")


@pytest.mark.parametrize(("survivor", "absorbed", "code"), [
    (A, A, "merge_same_member"),
    (A, MemberFacts(2, 11, "active"), "merge_other_alliance"),
    (MemberFacts(1, 10, domain.TOMBSTONE), B, "merge_into_tombstone"),
    (A, MemberFacts(2, 10, domain.TOMBSTONE), "merge_already_merged"),
    (A, B, None),
    (A, MemberFacts(2, 10, "blocked"), None),
])
def test_pair_refusal(survivor: MemberFacts, absorbed: MemberFacts, code: str | None) -> None:
    assert domain.pair_refusal(survivor, absorbed) == code


def test_transfer_legs_balance_and_keep_kind_and_scope() -> None:
    holdings = [Holding(AccountKind.POINTS, 0, 120), Holding(AccountKind.STORED_VALUE, 7, 5_000),
                Holding(AccountKind.POINTS_DEBT, 0, -30), Holding(AccountKind.STORED_VALUE, 8, 0)]
    legs = domain.transfer_legs(holdings, 2, 1)
    check_balanced(legs)
    assert len(legs) == 6  # the zero holding is skipped
    to_survivor = {(leg.account.kind, leg.account.scope_id): leg.amount for leg in legs if leg.account.owner_id == 1}
    assert to_survivor == {(AccountKind.POINTS, 0): 120, (AccountKind.STORED_VALUE, 7): 5_000,
                           (AccountKind.POINTS_DEBT, 0): -30}
    back = domain.transfer_legs(holdings, 1, 2)
    assert sorted(leg.amount for leg in back) == sorted(leg.amount for leg in legs)


def test_no_holdings_no_legs() -> None:
    assert domain.transfer_legs([Holding(AccountKind.POINTS, 0, 0)], 2, 1) == []


def test_undo_shortfalls_name_what_was_spent() -> None:
    moved = [Holding(AccountKind.POINTS, 0, 100), Holding(AccountKind.STORED_VALUE, 7, 5_000),
             Holding(AccountKind.POINTS_DEBT, 0, -30)]
    assert domain.undo_shortfalls(moved, {(AccountKind.POINTS, 0): 100, (AccountKind.STORED_VALUE, 7): 5_000,
                                          (AccountKind.POINTS_DEBT, 0): -30}) == []
    short = domain.undo_shortfalls(moved, {(AccountKind.POINTS, 0): 40, (AccountKind.STORED_VALUE, 7): 9_000,
                                           (AccountKind.POINTS_DEBT, 0): -45})
    assert short == [Holding(AccountKind.POINTS, 0, 60)]


def test_undo_shortfalls_name_a_moved_debt_since_repaid() -> None:
    moved = [Holding(AccountKind.POINTS_DEBT, 0, -30)]
    assert domain.undo_shortfalls(moved, {(AccountKind.POINTS_DEBT, 0): -12}) == [
        Holding(AccountKind.POINTS_DEBT, 0, 18)]
    assert domain.undo_shortfalls(moved, {}) == [Holding(AccountKind.POINTS_DEBT, 0, 30)]  # repaid in full


def test_undo_window_is_thirty_days() -> None:
    merged = datetime(2026, 1, 1, tzinfo=UTC)
    assert domain.undo_open(merged, merged + timedelta(days=30))
    assert not domain.undo_open(merged, merged + timedelta(days=30, seconds=1))
    assert domain.undo_open(merged, merged + timedelta(days=45), window_days=60)


def test_memberships_at_a_shared_merchant_stay_with_the_tombstone() -> None:
    move, stay = domain.memberships_to_move({5}, [(100, 5), (101, 6)])
    assert (move, stay) == ([101], [100])
