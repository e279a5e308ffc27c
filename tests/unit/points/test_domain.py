"""Shared points: earning, value, spending by grant, refunds, expiry and the coalition legs."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lianmeng.points.domain import (
    ENTRY_LABELS,
    CoalitionLegs,
    Draw,
    EarningRule,
    Grant,
    InsufficientPoints,
    PointsEntryKind,
    allocate_clawback,
    allocate_spend,
    available_points,
    expired_points,
    expiry_for,
    issue_value,
    order_legs,
    points_earned,
    points_for_fen,
    points_value_fen,
    redemption_value,
    restore_on_refund,
    reverse_earned_on_refund,
)

BASE = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return BASE + timedelta(days=n)


def grant(gid: int, remaining: int, expires: int, granted: int = 0, issuer: int = 1) -> Grant:
    return Grant(gid, issuer, remaining, day(expires), day(granted))


# --- strategies --------------------------------------------------------------------------------------


@st.composite
def grant_lists(draw: st.DrawFn) -> list[Grant]:
    """Few distinct days, so ties on expiry and on grant time are common."""
    ids = draw(st.lists(st.integers(1, 500), max_size=8, unique=True))
    out = []
    for gid in ids:
        granted = draw(st.integers(0, 10))
        out.append(
            Grant(
                grant_id=gid,
                issuer_merchant_id=draw(st.integers(1, 4)),
                remaining=draw(st.integers(0, 1000)),
                expires_at=day(granted + draw(st.integers(0, 20))),
                granted_at=day(granted),
            )
        )
    return out


@st.composite
def spends(draw: st.DrawFn) -> list[Draw]:
    """An order's draws in spending order: distinct grants, expiry non-decreasing."""
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    offsets = sorted(draw(st.lists(st.integers(-30, 30), min_size=n, max_size=n)))
    return [
        Draw(gid, draw(st.integers(1, 4)), draw(st.integers(1, 5000)), day(off))
        for gid, off in zip(ids, offsets, strict=True)
    ]


@st.composite
def refund_schedules(draw: st.DrawFn) -> tuple[int, list[int]]:
    """An order amount and the cumulative refunded amount after each refund, ending at the whole amount.
    Repeated cut points make zero-fen refunds, which must be harmless."""
    amount = draw(st.integers(1, 10**6))
    cuts = draw(st.lists(st.integers(0, amount), max_size=6))
    return amount, [*sorted(cuts), amount]


def spend_key(g: Grant) -> tuple[datetime, datetime, int]:
    return (g.expires_at, g.granted_at, g.grant_id)


# --- labels ------------------------------------------------------------------------------------------


def test_every_entry_kind_has_both_labels() -> None:
    assert set(ENTRY_LABELS) == set(PointsEntryKind)
    assert all(zh and en for zh, en in ENTRY_LABELS.values())


# --- earning -----------------------------------------------------------------------------------------

GOLD = EarningRule(tier_multipliers_pct={"gold": 150, "black": 200})


@pytest.mark.parametrize(
    ("rule", "eligible_fen", "tier", "points"),
    [
        (EarningRule(), 1950, None, 19),  # ¥19.50 → 19, the 50 fen earn nothing
        (GOLD, 1950, "gold", 28),  # 19 × 150% = 28.5 → 28
        (GOLD, 1950, "black", 38),
        (GOLD, 1950, "silver", 19),  # unknown tier earns 100%
        (GOLD, 1950, None, 19),
        (EarningRule(), 99, None, 0),  # under ¥1
        (EarningRule(), 100, None, 1),
        (EarningRule(), 0, None, 0),
        (EarningRule(), -500, None, 0),
        (EarningRule(points_per_yuan=2), 1999, None, 38),
        (EarningRule(points_per_yuan=0), 100000, None, 0),
        (EarningRule(max_points_per_order=50), 10000, None, 50),  # 100 capped
        (EarningRule(max_points_per_order=50), 4000, None, 40),  # under the cap
        (EarningRule(max_points_per_order=50, tier_multipliers_pct={"gold": 150}), 4000, "gold", 50),  # 60 → cap
        (EarningRule(min_order_fen=5000), 4999, None, 0),
        (EarningRule(min_order_fen=5000), 5000, None, 50),
        (EarningRule(tier_multipliers_pct={"staff": 0}), 5000, "staff", 0),
    ],
)
def test_points_earned_examples(rule: EarningRule, eligible_fen: int, tier: str | None, points: int) -> None:
    assert points_earned(rule, eligible_fen, tier) == points


@pytest.mark.parametrize(
    "kwargs",
    [
        {"points_per_yuan": -1},
        {"min_order_fen": -1},
        {"max_points_per_order": -1},
        {"tier_multipliers_pct": {"gold": -10}},
    ],
)
def test_earning_rule_rejects_negative_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EarningRule(**kwargs)  # type: ignore[arg-type]


def test_earning_rule_keeps_its_own_copy_of_the_multipliers() -> None:
    tiers = {"gold": 150}
    rule = EarningRule(tier_multipliers_pct=tiers)
    tiers["gold"] = 1000
    assert points_earned(rule, 1000, "gold") == 15
    with pytest.raises(TypeError):
        rule.tier_multipliers_pct["gold"] = 1000  # type: ignore[index]
    assert rule == EarningRule(tier_multipliers_pct={"gold": 150})
    assert hash(rule) == hash(EarningRule(tier_multipliers_pct={"gold": 150}))


@given(
    st.integers(0, 10),
    st.integers(0, 400),
    st.none() | st.integers(0, 10**4),
    st.integers(-(10**5), 10**8),
    st.integers(0, 10**6),
)
def test_points_earned_is_bounded_and_monotone(ppy: int, pct: int, cap: int | None, fen: int, extra: int) -> None:
    rule = EarningRule(points_per_yuan=ppy, max_points_per_order=cap, tier_multipliers_pct={"t": pct})
    points = points_earned(rule, fen, "t")
    assert points >= 0
    # never more than the exact (unrounded) figure: no fraction of a yuan or of a multiplier earns a point
    assert points * 100 * 100 <= max(fen, 0) * ppy * pct
    if cap is not None:
        assert points <= cap
    assert points_earned(rule, fen + extra, "t") >= points


# --- value -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "rate", "fen"),
    [
        (250, 100, 250),  # default: a point is a fen
        (0, 100, 0),
        (100, 100, 100),
        (250, 10, 2500),  # 10 points = ¥1
        (149, 150, 99),  # 99.33 → 99
        (150, 150, 100),
        (1, 1000, 0),  # a tenth of a fen → 0
        (999, 1000, 99),
    ],
)
def test_points_value_fen_floors(points: int, rate: int, fen: int) -> None:
    assert points_value_fen(points, rate) == fen


@pytest.mark.parametrize(
    ("fen", "rate", "points"),
    [(250, 100, 250), (0, 100, 0), (1, 150, 2), (2, 150, 3), (100, 150, 150), (1, 1000, 10), (15, 10, 2)],
)
def test_points_for_fen_ceils(fen: int, rate: int, points: int) -> None:
    assert points_for_fen(fen, rate) == points


@pytest.mark.parametrize(("amount", "rate"), [(-1, 100), (1, 0), (1, -100)])
def test_value_functions_reject_bad_input(amount: int, rate: int) -> None:
    with pytest.raises(ValueError):
        points_value_fen(amount, rate)
    with pytest.raises(ValueError):
        points_for_fen(amount, rate)


@given(st.integers(0, 10**9), st.integers(1, 10**4))
def test_points_for_fen_is_the_fewest_points_that_cover(fen: int, rate: int) -> None:
    points = points_for_fen(fen, rate)
    assert points_value_fen(points, rate) >= fen
    if points > 0:
        assert points_value_fen(points - 1, rate) < fen


@given(st.integers(0, 10**12))
def test_default_rate_is_one_fen_a_point_both_ways(n: int) -> None:
    assert points_value_fen(n) == n
    assert points_for_fen(n) == n


# --- spending ----------------------------------------------------------------------------------------


def test_allocate_spend_draws_oldest_expiring_first() -> None:
    grants = [
        grant(1, 100, expires=30, issuer=7),
        grant(2, 50, expires=10, issuer=8),
        grant(3, 80, expires=5, issuer=9),  # expired at day 5
        grant(4, 0, expires=8),  # empty
        grant(5, 40, expires=10, granted=-3, issuer=9),  # same expiry as 2, granted earlier
    ]
    draws = allocate_spend(grants, 120, day(5))
    assert draws == [
        Draw(5, 9, 40, day(10)),
        Draw(2, 8, 50, day(10)),
        Draw(1, 7, 30, day(30)),
    ]


def test_allocate_spend_ties_on_expiry_and_grant_time_go_by_grant_id() -> None:
    draws = allocate_spend([grant(9, 10, 10), grant(3, 10, 10), grant(5, 10, 10)], 15, day(0))
    assert [(d.grant_id, d.points) for d in draws] == [(3, 10), (5, 5)]


def test_allocate_spend_expiry_equal_to_now_is_expired() -> None:
    grants = [grant(1, 10, expires=3), grant(2, 10, expires=4)]
    assert allocate_spend(grants, 5, day(3) - timedelta(microseconds=1)) == [Draw(1, 1, 5, day(3))]
    assert allocate_spend(grants, 5, day(3)) == [Draw(2, 1, 5, day(4))]


def test_allocate_spend_insufficient_reports_the_live_balance() -> None:
    grants = [grant(1, 10, expires=3), grant(2, 25, expires=9), grant(3, 500, expires=1)]
    with pytest.raises(InsufficientPoints) as err:
        allocate_spend(grants, 36, day(2))
    assert (err.value.available, err.value.requested) == (35, 36)
    assert available_points(grants, day(2)) == 35
    assert len(allocate_spend(grants, 35, day(2))) == 2


@pytest.mark.parametrize("points", [0, -1])
def test_allocate_spend_rejects_non_positive_requests(points: int) -> None:
    with pytest.raises(ValueError):
        allocate_spend([grant(1, 10, 10)], points, day(0))


def test_allocate_spend_rejects_duplicate_grants_and_naive_times() -> None:
    with pytest.raises(ValueError):
        allocate_spend([grant(1, 10, 10), grant(1, 10, 11)], 5, day(0))
    with pytest.raises(ValueError):
        allocate_spend([grant(1, 10, 10)], 5, datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        Grant(1, 1, 10, datetime(2027, 1, 1), BASE)
    with pytest.raises(ValueError):
        Grant(1, 1, -1, day(1), BASE)
    with pytest.raises(ValueError):
        Draw(1, 1, 0, day(1))


@given(grant_lists(), st.integers(1, 5000), st.integers(0, 30))
def test_allocate_spend_properties(grants: list[Grant], points: int, at_day: int) -> None:
    at = day(at_day)
    by_id = {g.grant_id: g for g in grants}
    live = [g for g in grants if g.expires_at > at and g.remaining > 0]
    available = sum(g.remaining for g in live)
    if points > available:
        with pytest.raises(InsufficientPoints) as err:
            allocate_spend(grants, points, at)
        assert err.value.available == available
        return
    draws = allocate_spend(grants, points, at)
    assert sum(d.points for d in draws) == points
    assert len({d.grant_id for d in draws}) == len(draws)
    for d in draws:
        g = by_id[d.grant_id]
        assert 0 < d.points <= g.remaining  # never overdrawn
        assert g.expires_at > at  # never expired
        assert (d.issuer_merchant_id, d.expires_at) == (g.issuer_merchant_id, g.expires_at)
    keys = [spend_key(by_id[d.grant_id]) for d in draws]
    assert keys == sorted(keys)  # in expiry order
    assert all(d.points == by_id[d.grant_id].remaining for d in draws[:-1])  # only the last is partial
    drawn = {d.grant_id for d in draws}
    for g in live:  # a live grant left untouched must not expire before anything that was drawn
        if g.grant_id not in drawn:
            assert spend_key(g) > keys[-1]


# --- refunds: restoring spent points -----------------------------------------------------------------

SPEND = [Draw(1, 7, 60, day(10)), Draw(2, 8, 40, day(20))]  # 100 points spent on a ¥100.00 order


def test_partial_refund_restores_newest_expiring_first_with_original_expiry() -> None:
    first = restore_on_refund(SPEND, 10000, 3000, {})
    assert first == [Draw(2, 8, 30, day(20))]
    second = restore_on_refund(SPEND, 10000, 6000, {2: 30})
    assert second == [Draw(2, 8, 10, day(20)), Draw(1, 7, 20, day(10))]
    last = restore_on_refund(SPEND, 10000, 10000, {2: 40, 1: 20})
    assert last == [Draw(1, 7, 40, day(10))]


def test_restore_rounds_down_on_cumulative_totals() -> None:
    spend = [Draw(1, 1, 10, day(10))]
    # three refunds of a third each: floor(10/3)=3, floor(20/3)=6, then the rest
    assert restore_on_refund(spend, 300, 100, {}) == [Draw(1, 1, 3, day(10))]
    assert restore_on_refund(spend, 300, 200, {1: 3}) == [Draw(1, 1, 3, day(10))]
    assert restore_on_refund(spend, 300, 300, {1: 6}) == [Draw(1, 1, 4, day(10))]
    assert restore_on_refund(spend, 300, 0, {}) == []
    assert restore_on_refund(spend, 300, 29, {}) == []  # 0.97 of a point → nothing yet


def test_restore_onto_an_expired_grant_still_names_that_grant() -> None:
    spend = [Draw(1, 1, 10, day(-5))]  # the grant has since expired
    assert restore_on_refund(spend, 1000, 1000, {}) == [Draw(1, 1, 10, day(-5))]


@pytest.mark.parametrize(
    ("draws", "amount", "cumulative", "already"),
    [
        (SPEND, 10000, 3000, {2: 31}),  # more restored than this cumulative refund allows
        (SPEND, 10000, 3000, {1: 1}),  # the oldest grant cannot have been restored before the newest
        (SPEND, 10000, 5000, {1: 1}),
        (SPEND, 10000, 5000, {2: 40, 1: 0, 9: 0}),  # zeros are ignored, but 9 is not this order's
        (SPEND, 10000, 10000, {2: 41}),  # more than was drawn from that grant
        (SPEND, 10000, 5000, {2: -1}),
        (SPEND, 10000, 5000, {3: 1}),  # not a grant of this order
        (SPEND, 10000, 10001, {}),  # refunding more than the order
        (SPEND, 10000, -1, {}),
        (SPEND, 0, 0, {}),
        (list(reversed(SPEND)), 10000, 5000, {}),  # not in spending order
        ([SPEND[0], SPEND[0]], 10000, 5000, {}),  # a grant twice
    ],
)
def test_restore_rejects_inconsistent_input(
    draws: list[Draw], amount: int, cumulative: int, already: dict[int, int]
) -> None:
    with pytest.raises(ValueError):
        restore_on_refund(draws, amount, cumulative, already)


def lifo_kept(draws: Sequence[Draw], keep: int) -> dict[int, int]:
    """What stays spent per grant if only `keep` of the spend remains: the spending-order prefix."""
    out = {}
    for d in draws:
        out[d.grant_id] = min(d.points, keep)
        keep -= out[d.grant_id]
    return out


@given(spends(), refund_schedules())
def test_any_refund_sequence_restores_exactly_what_was_spent(
    draws: list[Draw], schedule: tuple[int, list[int]]
) -> None:
    amount, cumulatives = schedule
    spent = {d.grant_id: d for d in draws}
    total_spent = sum(d.points for d in draws)
    restored: dict[int, int] = {}
    before = 0
    for cumulative in cumulatives:
        step = restore_on_refund(draws, amount, cumulative, restored)
        for r in step:
            original = spent[r.grant_id]
            assert r.points > 0
            assert (r.issuer_merchant_id, r.expires_at) == (original.issuer_merchant_id, original.expires_at)
            restored[r.grant_id] = restored.get(r.grant_id, 0) + r.points
            assert restored[r.grant_id] <= original.points
        total = sum(restored.values())
        assert before <= total == total_spent * cumulative // amount  # never ahead of the refund
        assert total * amount <= total_spent * cumulative
        kept = lifo_kept(draws, total_spent - total)
        assert {g: d.points - restored.get(g, 0) for g, d in spent.items()} == kept
        before = total
    assert restored == {g: d.points for g, d in spent.items()}


@given(spends(), st.integers(1, 10**6), st.data())
def test_restore_is_the_same_in_one_refund_or_many(draws: list[Draw], amount: int, data: st.DataObject) -> None:
    cumulative = data.draw(st.integers(0, amount))
    middle = data.draw(st.integers(0, cumulative))
    at_once = {r.grant_id: r.points for r in restore_on_refund(draws, amount, cumulative, {})}
    first = {r.grant_id: r.points for r in restore_on_refund(draws, amount, middle, {})}
    then = restore_on_refund(draws, amount, cumulative, first)
    for r in then:
        first[r.grant_id] = first.get(r.grant_id, 0) + r.points
    assert first == at_once


# --- refunds: reversing earned points ----------------------------------------------------------------


def test_reverse_earned_rounds_up_on_cumulative_totals() -> None:
    # 10 points earned on ¥3.00, refunded a third at a time: ceil(10/3)=4, ceil(20/3)=7, then 10
    assert reverse_earned_on_refund(10, 300, 100, 0) == 4
    assert reverse_earned_on_refund(10, 300, 200, 4) == 3
    assert reverse_earned_on_refund(10, 300, 300, 7) == 3
    assert reverse_earned_on_refund(10, 300, 0, 0) == 0
    assert reverse_earned_on_refund(100, 10000, 1, 0) == 1  # any refund takes back at least its share
    assert reverse_earned_on_refund(0, 10000, 10000, 0) == 0


@pytest.mark.parametrize(
    ("earned", "amount", "cumulative", "already"),
    [(10, 300, 100, 5), (10, 300, 100, -1), (10, 300, 301, 0), (10, 0, 0, 0), (-1, 300, 100, 0)],
)
def test_reverse_earned_rejects_inconsistent_input(earned: int, amount: int, cumulative: int, already: int) -> None:
    with pytest.raises(ValueError):
        reverse_earned_on_refund(earned, amount, cumulative, already)


@given(st.integers(0, 10**5), refund_schedules())
def test_any_refund_sequence_reverses_exactly_what_was_earned(earned: int, schedule: tuple[int, list[int]]) -> None:
    amount, cumulatives = schedule
    reversed_so_far = 0
    for cumulative in cumulatives:
        step = reverse_earned_on_refund(earned, amount, cumulative, reversed_so_far)
        assert step >= 0
        reversed_so_far += step
        assert reversed_so_far <= earned
        # what the member keeps is never more than the kept part of the order earns proportionally
        assert (earned - reversed_so_far) * amount <= earned * (amount - cumulative)
    assert reversed_so_far == earned


def test_clawback_takes_the_orders_grant_first_then_oldest_expiring_then_debt() -> None:
    grants = [
        grant(1, 5, expires=30),  # the order's grant, 15 of its 20 points already spent
        grant(2, 8, expires=20, issuer=2),
        grant(3, 4, expires=10, issuer=3),
        grant(4, 50, expires=2),  # expired, never used
    ]
    claw = allocate_clawback(grants, 20, day(5), earned_grant_id=1)
    assert list(claw.draws) == [Draw(1, 1, 5, day(30)), Draw(3, 3, 4, day(10)), Draw(2, 2, 8, day(20))]
    assert (claw.taken, claw.debt) == (17, 3)
    assert allocate_clawback(grants, 3, day(5), earned_grant_id=1).draws == (Draw(1, 1, 3, day(30)),)
    assert allocate_clawback(grants, 3, day(5)).draws == (Draw(3, 3, 3, day(10)),)
    assert allocate_clawback([], 7, day(5)).debt == 7
    assert allocate_clawback(grants, 0, day(5)).draws == ()
    with pytest.raises(ValueError):
        allocate_clawback(grants, -1, day(5))


@given(grant_lists(), st.data())
def test_buy_then_refund_never_farms_points(grants: list[Grant], data: st.DataObject) -> None:
    """A whole purchase and refund cycle on a ledger: spend, earn, maybe spend more, refund in parts."""
    at = day(data.draw(st.integers(0, 15)))
    assume(all(g.grant_id != 999 for g in grants))
    balance = {g.grant_id: g.remaining for g in grants}
    meta = {g.grant_id: g for g in grants}

    def live() -> list[Grant]:
        return [Grant(gid, g.issuer_merchant_id, balance[gid], g.expires_at, g.granted_at) for gid, g in meta.items()]

    def apply(draws: Sequence[Draw], sign: int) -> None:
        for d in draws:
            balance[d.grant_id] += sign * d.points
            assert balance[d.grant_id] >= 0

    start = available_points(live(), at)
    amount, cumulatives = data.draw(refund_schedules())
    spent = data.draw(st.integers(0, min(start, amount)))  # points pay at most the order (1 point = 1 fen)
    spend = allocate_spend(live(), spent, at) if spent else []
    apply(spend, -1)
    earned = points_earned(EarningRule(tier_multipliers_pct={"gold": 200}), amount - spent, "gold")
    meta[999] = Grant(999, 5, earned, expiry_for(at), at)
    balance[999] = earned
    elsewhere = data.draw(st.integers(0, available_points(live(), at)))  # spent at another merchant meanwhile
    if elsewhere:
        apply(allocate_spend(live(), elsewhere, at), -1)

    restored_by_grant: dict[int, int] = {}
    restored = reversed_ = debt = 0
    for cumulative in cumulatives:
        back = restore_on_refund(spend, amount, cumulative, restored_by_grant)
        apply(back, +1)
        for d in back:
            restored_by_grant[d.grant_id] = restored_by_grant.get(d.grant_id, 0) + d.points
        restored += sum(d.points for d in back)
        take = reverse_earned_on_refund(earned, amount, cumulative, reversed_)
        reversed_ += take
        claw = allocate_clawback(live(), take, at, earned_grant_id=999)
        apply(claw.draws, -1)
        debt += claw.debt
        net = available_points(live(), at) - debt
        assert net == start - elsewhere - spent + restored + earned - reversed_
        assert net * amount <= (start - elsewhere) * amount - (spent - earned) * (amount - cumulative)
    assert available_points(live(), at) - debt == start - elsewhere  # back where the member started


# --- expiry ------------------------------------------------------------------------------------------


def test_expired_points_boundaries() -> None:
    grants = [
        grant(1, 10, expires=5),
        grant(2, 20, expires=4),
        grant(3, 0, expires=1),  # nothing left
        grant(4, 30, expires=6),  # not yet
    ]
    assert expired_points(grants, day(5)) == [(2, 20), (1, 10)]  # expires_at == at counts
    assert expired_points(grants, day(5) - timedelta(microseconds=1)) == [(2, 20)]
    assert expired_points([], day(5)) == []


@given(grant_lists(), st.integers(0, 30))
def test_every_grant_with_points_is_either_spendable_or_expired(grants: list[Grant], at_day: int) -> None:
    at = day(at_day)
    expired = dict(expired_points(grants, at))
    for g in grants:
        if g.remaining > 0:
            assert (g.grant_id in expired) != g.is_live(at)
            if g.grant_id in expired:
                assert expired[g.grant_id] == g.remaining
        else:
            assert g.grant_id not in expired


@pytest.mark.parametrize(
    ("granted", "months", "expires"),
    [
        (datetime(2025, 1, 31, 9, 30, tzinfo=UTC), 1, datetime(2025, 2, 28, 9, 30, tzinfo=UTC)),
        (datetime(2024, 1, 31, 9, 30, tzinfo=UTC), 1, datetime(2024, 2, 29, 9, 30, tzinfo=UTC)),  # leap
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 48, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2023, 2, 28, tzinfo=UTC), 12, datetime(2024, 2, 28, tzinfo=UTC)),  # not pushed to the 29th
        (datetime(2025, 3, 31, tzinfo=UTC), 1, datetime(2025, 4, 30, tzinfo=UTC)),
        (datetime(2025, 12, 15, tzinfo=UTC), 1, datetime(2026, 1, 15, tzinfo=UTC)),
        (datetime(2025, 11, 30, tzinfo=UTC), 3, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2025, 6, 15, 23, 59, 59, 1, tzinfo=UTC), 12, datetime(2026, 6, 15, 23, 59, 59, 1, tzinfo=UTC)),
        (datetime(2025, 1, 1, tzinfo=UTC), 25, datetime(2027, 2, 1, tzinfo=UTC)),
    ],
)
def test_expiry_for_calendar_months(granted: datetime, months: int, expires: datetime) -> None:
    assert expiry_for(granted, months) == expires


def test_expiry_for_defaults_to_twelve_months_and_keeps_the_zone() -> None:
    assert expiry_for(datetime(2025, 5, 20, 10, tzinfo=UTC)) == datetime(2026, 5, 20, 10, tzinfo=UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    local = expiry_for(datetime(2025, 1, 31, 22, tzinfo=shanghai), 1)
    assert (local.tzinfo, local.day, local.hour) == (shanghai, 28, 22)
    plus8 = timezone(timedelta(hours=8))
    assert expiry_for(datetime(2025, 1, 31, tzinfo=plus8), 1).tzinfo == plus8


@pytest.mark.parametrize("months", [0, -1])
def test_expiry_for_rejects_non_positive_months(months: int) -> None:
    with pytest.raises(ValueError):
        expiry_for(BASE, months)


def test_expiry_for_rejects_naive_times() -> None:
    with pytest.raises(ValueError):
        expiry_for(datetime(2025, 1, 1))


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)),
    st.integers(1, 120),
)
def test_expiry_for_properties(granted: datetime, months: int) -> None:
    expires = expiry_for(granted, months)
    assert (expires.year * 12 + expires.month) - (granted.year * 12 + granted.month) == months
    last = calendar.monthrange(expires.year, expires.month)[1]
    assert expires.day == min(granted.day, last)
    assert expires.time() == granted.time() and expires.tzinfo is granted.tzinfo
    assert expires > granted


# --- coalition economics -----------------------------------------------------------------------------


def test_redemption_value_per_issuer() -> None:
    draws = [Draw(1, 7, 40, day(10)), Draw(2, 8, 50, day(10)), Draw(3, 7, 40, day(30))]
    assert redemption_value(draws) == {7: 80, 8: 50}
    assert redemption_value(draws, 150) == {7: 26 + 26, 8: 33}  # floored per draw (80 points at once: 53)
    assert redemption_value([]) == {}


def test_order_legs() -> None:
    legs = order_legs(19, [Draw(1, 7, 250, day(10)), Draw(2, 8, 50, day(10))])
    assert legs == CoalitionLegs(issuer_owes_operator_fen=19, operator_owes_redeemer_fen=300)
    assert legs.net_fen == -281  # the operator owes this merchant ¥2.81
    assert issue_value(250) == 250
    assert issue_value(250, 10) == 2500
    with pytest.raises(ValueError):
        CoalitionLegs(-1, 0)


@given(st.lists(st.builds(Draw, st.integers(1, 50), st.integers(1, 5), st.integers(1, 10**5), st.just(BASE))))
def test_redemption_values_sum_to_the_redeemers_leg(draws: list[Draw]) -> None:
    per_issuer = redemption_value(draws)
    assert set(per_issuer) == {d.issuer_merchant_id for d in draws}
    assert sum(per_issuer.values()) == order_legs(0, draws).operator_owes_redeemer_fen
    assert sum(per_issuer.values()) == sum(d.points for d in draws)  # 1 point = 1 fen at the default


@given(st.integers(1, 10**4), st.lists(st.integers(1, 10**5), min_size=1, max_size=10))
def test_the_operator_never_pays_out_more_for_a_grant_than_its_issuer_paid_in(rate: int, parts: list[int]) -> None:
    """A grant redeemed in slices, each valued (floored) on its own, at any rate."""
    issued = sum(parts)
    paid_out = sum(redemption_value([Draw(1, 1, p, BASE)], rate)[1] for p in parts)
    assert paid_out <= issue_value(issued, rate)
    if 100 % rate == 0:
        assert paid_out == issue_value(issued, rate)  # exact when a point is a whole number of fen
