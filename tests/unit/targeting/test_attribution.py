"""The attribution window: from the send (or the offer's send start for the unsent), `days` long, end excluded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lianmeng.targeting import attribution

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def test_the_window_opens_at_the_send_or_at_the_offers_start() -> None:
    sent = T0 + timedelta(hours=3)
    assert attribution.window(sent, T0, 30) == (sent, sent + timedelta(days=30))
    assert attribution.window(None, T0, 30) == (T0, T0 + timedelta(days=30))


def test_the_offers_window_runs_from_the_first_send_to_the_last_windows_end() -> None:
    scheduled = T0 - timedelta(days=1)
    assert attribution.send_window(T0, T0 + timedelta(days=2), scheduled, 7) == (T0, T0 + timedelta(days=9))
    assert attribution.send_window(None, None, scheduled, 7) == (scheduled, scheduled + timedelta(days=7))


def test_outcomes_inside_the_window_only() -> None:
    end = T0 + timedelta(days=30)
    before, inside, later, at_end = T0 - timedelta(seconds=1), T0 + timedelta(days=3), T0 + timedelta(days=9), end
    got = attribution.outcome(T0, end, claims=[before, inside], arrivals=[later, at_end],
                              orders=[(before, 50_000), (later, 20_000), (inside + timedelta(days=1), 0),
                                      (at_end, 70_000)])
    assert got.claimed_at == inside
    assert got.arrived_at == inside + timedelta(days=1)  # an order is an arrival too, even refunded in full
    assert got.converted_at == later  # the fully refunded order (net 0) is no conversion
    assert got.revenue_fen == 20_000


def test_nothing_happened() -> None:
    assert attribution.outcome(T0, T0 + timedelta(days=1), [], [], []) == attribution.Outcome()
