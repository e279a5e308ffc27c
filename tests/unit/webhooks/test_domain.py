"""The webhook rules without a database: the retry schedule and its 3-day cap, who receives an event, what its
body shows to whom, which addresses are accepted, and both words of every vocabulary."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.webhooks import domain
from lianmeng.webhooks.domain import EventType, NewEvent
from lianmeng.webhooks.errors import Problem

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def schedule() -> list[datetime]:
    """Every attempt's time when each one fails, from the first at T0 to the dead letter."""
    times, failed = [T0], 1
    while (again := domain.next_attempt(failed, T0, times[-1])) is not None:
        times.append(again)
        failed += 1
    return times


def test_the_retry_schedule_backs_off_then_gives_up_exactly_three_days_after_the_first_try() -> None:
    times = schedule()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[:6] == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                        timedelta(hours=5), timedelta(hours=10)]
    assert all(gap <= timedelta(hours=10) for gap in gaps)
    assert times[-1] == T0 + domain.GIVE_UP_AFTER and len(times) == 13
    assert domain.next_attempt(13, T0, T0 + timedelta(days=3)) is None


def test_a_late_run_still_gives_up_at_the_deadline() -> None:
    assert domain.next_attempt(2, T0, T0 + timedelta(days=2, hours=23, minutes=58)) == T0 + timedelta(days=3)
    assert domain.next_attempt(2, T0, T0 + timedelta(days=4)) is None


@pytest.mark.parametrize(("status", "delivered"), [(200, True), (204, True), (299, True), (301, False),
                                                   (404, False), (500, False), (None, False)])
def test_only_a_2xx_answer_is_a_delivery(status: int | None, delivered: bool) -> None:
    assert domain.succeeded(status) is delivered


def test_the_operator_receives_everything_a_merchant_only_what_it_is_party_to() -> None:
    assert domain.receives(None, ["order.recorded"], "order.recorded", [])
    assert domain.receives(7, ["order.recorded"], "order.recorded", [3, 7])
    assert not domain.receives(8, ["order.recorded"], "order.recorded", [3, 7])
    assert not domain.receives(None, ["coupon.redeemed"], "order.recorded", [3])
    event = NewEvent(1, 3, EventType.COUPON_REDEEMED, {}, parties=(9, 3, 9))
    assert event.party_ids() == [3, 9]


def test_the_member_id_goes_only_where_the_event_happened_and_to_the_operator() -> None:
    def data(endpoint_merchant: int | None) -> dict[str, object]:
        return dict(domain.body("msg_1_5", "order.recorded", T0, {"order_id": 5}, 42, 3, endpoint_merchant)["data"])

    assert data(3) == {"order_id": 5, "member_id": 42}
    assert data(None) == {"order_id": 5, "member_id": 42}
    assert data(9) == {"order_id": 5}
    document = domain.body("msg_1_5", "order.recorded", T0, {"order_id": 5}, None, 3, 3)
    assert document["type"] == "order.recorded" and document["timestamp"] == T0.isoformat()


@pytest.mark.parametrize(("url", "loopback", "problem"), [
    ("https://crm.example.com/hooks", False, None),
    ("https://crm.example.com:8443/hooks?x=1", False, None),
    ("http://crm.example.com/hooks", False, Problem.WEBHOOK_URL_NOT_HTTPS),
    ("http://127.0.0.1:8080/hooks", True, None),
    ("http://localhost:8080/hooks", True, None),
    ("http://127.0.0.1:8080/hooks", False, Problem.WEBHOOK_URL_PRIVATE),
    ("https://192.168.1.10/hooks", True, Problem.WEBHOOK_URL_PRIVATE),
    ("https://[::1]/hooks", False, Problem.WEBHOOK_URL_PRIVATE),
    ("https://metadata.internal/", False, Problem.WEBHOOK_URL_PRIVATE),
    ("https://user:pw@crm.example.com/", False, Problem.WEBHOOK_URL_INVALID),
    ("crm.example.com/hooks", False, Problem.WEBHOOK_URL_INVALID),
    ("ftp://crm.example.com/", False, Problem.WEBHOOK_URL_INVALID),
])
def test_endpoint_addresses(url: str, loopback: bool, problem: Problem | None) -> None:
    assert domain.url_problem(url, loopback) is problem


def test_every_vocabulary_value_has_both_words() -> None:
    for enum in (EventType, domain.DeliveryState, Problem):
        for member in enum:
            assert member.zh and member.en, member
