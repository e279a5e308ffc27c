"""When an offline till says a sale happened: the bounds (clock skew, backlog horizon, settled periods)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lianmeng.orders.domain import CLOCK_SKEW, MAX_BACKLOG, SettledSpan, occurred_refusal

NOW = datetime(2026, 11, 5, 2, tzinfo=UTC)
OCTOBER = SettledSpan("2026-10", datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC))


def test_a_sale_in_an_open_period_or_a_little_ahead_is_fine() -> None:
    assert occurred_refusal(NOW - timedelta(days=1), NOW, [OCTOBER]) is None
    assert occurred_refusal(NOW + CLOCK_SKEW, NOW, [OCTOBER]) is None
    assert occurred_refusal(OCTOBER.ends_at, NOW, [OCTOBER]) is None  # the period's end is the next one's start


def test_future_too_old_and_settled_are_refused_with_their_reason() -> None:
    assert occurred_refusal(NOW + CLOCK_SKEW + timedelta(seconds=1), NOW, []) == ("occurred_in_future", {})
    assert occurred_refusal(NOW - MAX_BACKLOG - timedelta(seconds=1), NOW, []) == ("occurred_too_old",
                                                                                  {"days": "366"})
    assert occurred_refusal(OCTOBER.starts_at, NOW, [OCTOBER]) == ("occurred_in_settled_period", {"period": "2026-10"})
    assert occurred_refusal(OCTOBER.ends_at - timedelta(microseconds=1), NOW, [OCTOBER]) is not None
