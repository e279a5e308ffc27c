from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.targeting import domain
from lianmeng.targeting.domain import Arm, SkipReason


def test_unit_hash_is_deterministic_uniform_and_seeded() -> None:
    draws = [domain.unit_hash("s", 1, m) for m in range(1, 2001)]
    assert draws == [domain.unit_hash("s", 1, m) for m in range(1, 2001)]
    assert all(0 <= d < 1 for d in draws)
    assert 0.45 < sum(draws) / len(draws) < 0.55
    assert domain.unit_hash("s", 1, 5) != domain.unit_hash("t", 1, 5)
    assert domain.unit_hash("s", 1, 5) != domain.unit_hash("s", 2, 5)


@pytest.mark.parametrize(("n", "bp", "held"), [(5, 1000, 1), (4, 1000, 0), (100, 1000, 10), (3, 5000, 2),
                                                (7, 0, 0)])
def test_holdout_size_rounds_half_up(n: int, bp: int, held: int) -> None:
    assert domain.holdout_size(n, bp) == held


def test_assignment_is_stratified_and_deterministic() -> None:
    members = [(m, "important_value") for m in range(1, 101)] + [(m, "general_keep") for m in range(101, 131)]
    arms = domain.assign_arms(members, "seed", 7, 1000)
    assert arms == domain.assign_arms(list(reversed(members)), "seed", 7, 1000)
    per_class = Counter((stratum, arms[m]) for m, stratum in members)
    assert per_class[("important_value", Arm.HOLDOUT)] == 10
    assert per_class[("general_keep", Arm.HOLDOUT)] == 3
    held = {m for m, arm in arms.items() if arm is Arm.HOLDOUT and m <= 100}
    smallest = sorted(range(1, 101), key=lambda m: domain.unit_hash("seed", 7, m))[:10]
    assert held == set(smallest)
    assert domain.assign_arms(members, "other", 7, 1000) != arms


def test_holdout_outside_zero_to_half_is_refused() -> None:
    with pytest.raises(ValueError):
        domain.assign_arms([(1, "")], "s", 1, 5001)
    with pytest.raises(ValueError):
        domain.check_holdout(-1)
    domain.check_holdout(5000)


def test_random_arm_draws_by_the_same_hash() -> None:
    drawn = domain.draw_random_arm(range(1, 50), 5, "s", 3)
    assert len(drawn) == 5 and drawn == domain.draw_random_arm(range(49, 0, -1), 5, "s", 3)
    assert domain.draw_random_arm([1, 2], 5, "s", 3) == sorted([1, 2], key=lambda m: domain.unit_hash("s", 3, m))


def test_skip_reasons_in_order_and_the_cap() -> None:
    ok = {"active": True, "consent_marketing": True, "offers_refused": False}
    assert domain.skip_reason(**ok, recent_offers=1) is None
    assert domain.skip_reason(**ok, recent_offers=2) is SkipReason.FREQUENCY_CAP
    assert domain.skip_reason(**ok, recent_offers=2, cap=3) is None
    assert domain.skip_reason(**{**ok, "offers_refused": True}, recent_offers=0) is SkipReason.REFUSED_OFFERS
    assert domain.skip_reason(**{**ok, "consent_marketing": False, "offers_refused": True},
                              recent_offers=9) is SkipReason.NO_MARKETING_CONSENT
    assert domain.skip_reason(**{**ok, "active": False}, recent_offers=0) is SkipReason.MEMBER_INACTIVE
    at = datetime(2026, 12, 7, 3, tzinfo=UTC)
    assert domain.cap_window_start(at) == at - timedelta(days=7)


def sh(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=domain.SHANGHAI).astimezone(UTC)


def test_quiet_hours_hold_a_send_until_nine() -> None:
    assert not domain.in_quiet_hours(sh(9)) and not domain.in_quiet_hours(sh(20, 59))
    assert domain.in_quiet_hours(sh(21)) and domain.in_quiet_hours(sh(3)) and domain.in_quiet_hours(sh(8, 59))
    assert domain.send_time(sh(12)) == sh(12)
    assert domain.send_time(sh(22, 30)) == sh(9, day=8)
    assert domain.send_time(sh(2)) == sh(9)
    with pytest.raises(ValueError):
        domain.in_quiet_hours(datetime(2026, 12, 7, 3))


def test_retry_backoff_then_give_up() -> None:
    at = datetime(2026, 12, 7, 3, tzinfo=UTC)
    waits = [domain.next_attempt(n, at) for n in range(1, 6)]
    assert [w - at for w in waits[:4] if w] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                                                 timedelta(hours=2)]
    assert waits[4] is None
    with pytest.raises(ValueError):
        domain.next_attempt(0, at)


def test_message_text_appends_the_link() -> None:
    assert domain.message_text(" 健身体验 ", "https://x/o/t") == "健身体验 https://x/o/t"
