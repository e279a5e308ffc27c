"""Webhooks end to end, on SQLite and PostgreSQL, against a real local HTTP receiver: an order becomes one signed
POST (verified with standardwebhooks.Webhook(secret).verify); a receiver that is down is tried again on the
schedule until it is up; one that answers 500 is retried, then dead-lettered after 3 days, and can be replayed;
after a rotation both secrets sign for 24 hours; a rolled-back cause leaves no event."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from lianmeng.auth.domain import Role
from lianmeng.db import unit_of_work
from lianmeng.jobs.service import deliver_webhooks
from lianmeng.kit import clock
from lianmeng.orders import service as orders
from lianmeng.orders.schemas import OrderCreate
from lianmeng.tenancy import Principal
from lianmeng.webhooks import domain
from lianmeng.webhooks.delivery import deliver_due
from lianmeng.webhooks.models import WebhookDelivery, WebhookEvent
from tests.conftest import World
from tests.integration.webhooks.conftest import Receiver

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def register(world: World, url: str, types: list[str], who: str = "admin1") -> dict[str, Any]:
    return ok(world.client.post(f"{API}/webhook-endpoints", headers=world.a.actors[who].headers,
                                json={"url": url, "event_types": types, "description": "CRM"}), 201)  # type: ignore[no-any-return]


def record(world: World, external_id: str, amount_fen: int = 12_800, who: str = "staff1") -> dict[str, Any]:
    merchant = world.a.actors[who].merchant_id
    assert merchant is not None
    return ok(world.client.post(f"{API}/orders", headers=world.a.actors[who].headers, json={
        "external_id": external_id, "member_id": world.a.members[merchant], "amount_fen": amount_fen}), 201)  # type: ignore[no-any-return]


def log(world: World, endpoint_id: int, who: str = "admin1") -> list[dict[str, Any]]:
    return ok(world.client.get(f"{API}/webhook-endpoints/{endpoint_id}/deliveries",
                               headers=world.a.actors[who].headers))["items"]  # type: ignore[no-any-return]


def count(session: Session, model: Any) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_order_reaches_a_real_receiver_signed_per_standard_webhooks(world: World, db_url: str,
                                                                      receiver: Receiver) -> None:
    endpoint = register(world, receiver.url, ["order.recorded", "order.refunded"])
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and endpoint["enabled"] is True
    assert "secret" not in ok(world.client.get(f"{API}/webhook-endpoints/{endpoint['id']}",
                                               headers=world.a.actors["admin1"].headers))
    order = record(world, "POS-1")
    report = deliver_due(db_url)
    assert (report.events_dispatched, report.delivered, report.retrying, report.dead) == (1, 1, 0, 0)
    [got] = receiver.got
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(got.headers)
    document = Webhook(secret).verify(got.body, got.headers)
    assert document["type"] == "order.recorded"
    data = document["data"]
    assert (data["order_id"], data["amount_fen"], data["merchant_id"], data["member_id"]) == (
        order["id"], 12_800, world.a.merchants[0], world.a.members[world.a.merchants[0]])
    text = got.body.decode()
    assert "139" not in text and "会员" not in text  # no phone, no name
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)
    [delivery] = log(world, endpoint["id"])
    assert (delivery["state"], delivery["attempts"], delivery["log"][0]["status_code"]) == ("delivered", 1, 200)
    assert delivery["message_id"] == got.headers["webhook-id"]
    assert deliver_due(db_url).attempts == 0  # delivered once: nothing more to send

    ok(world.client.post(f"{API}/orders/{order['id']}/refunds", headers=world.a.actors["staff1"].headers,
                         json={"external_id": "R-1", "amount_fen": 2_800}), 201)
    assert deliver_webhooks(db_url) == 1  # through the jobs' entry point
    refunded = Webhook(secret).verify(receiver.got[1].body, receiver.got[1].headers)
    assert (refunded["type"], refunded["data"]["amount_fen"], refunded["data"]["refunded_total_fen"]) == (
        "order.refunded", 2_800, 2_800)


def test_a_rolled_back_or_refused_order_leaves_no_event(world: World, db_url: str, session: Session) -> None:
    m1 = world.a.merchants[0]
    clerk = Principal(kind="user", id=world.a.actors["staff1"].user_id, role=Role.STORE_STAFF,
                      alliance_id=world.a.alliance_id, merchant_id=m1, staff_id=world.a.staff[m1], label="staff")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), unit_of_work(db_url) as s:
        orders.record_order(s, clerk, OrderCreate(external_id="GONE", member_id=world.a.members[m1],
                                                  amount_fen=5_000))
        assert len(s.scalars(select(WebhookEvent)).all()) == 1  # written in the cause's transaction…
        raise Boom
    assert count(session, WebhookEvent) == 0  # …and gone with it
    refused = world.client.post(f"{API}/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "BAD", "member_id": world.a.members[m1], "amount_fen": 5_000, "points_used": 10**6})
    assert refused.status_code in (409, 422), refused.text
    assert count(session, WebhookEvent) == 0
    record(world, "GOOD")
    assert count(session, WebhookEvent) == 1
    batch = ok(world.client.post(f"{API}/orders/batch", headers=world.a.actors["staff1"].headers, json={"orders": [
        {"external_id": "B-1", "member_id": world.a.members[m1], "amount_fen": 1_000},
        {"external_id": "B-2", "member_id": world.a.members[m1], "amount_fen": 1_000, "points_used": 10**6},
        {"external_id": "B-3", "member_id": world.a.members[m1], "amount_fen": 3_000}]}))
    assert [r["outcome"] for r in batch["results"]] == ["created", "refused", "created"]
    session.rollback()
    recorded = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [e.payload["external_id"] for e in recorded] == ["GOOD", "B-1", "B-3"]  # the set-based path: one each


def test_a_receiver_down_for_a_while_gets_it_when_it_is_back(world: World, db_url: str, receiver: Receiver,
                                                            session: Session) -> None:
    endpoint = register(world, receiver.url, ["order.recorded"])
    receiver.down()
    record(world, "POS-2")
    t0 = clock.now()
    first = deliver_due(db_url, at=t0)
    assert (first.delivered, first.retrying) == (0, 1)
    [waiting] = log(world, endpoint["id"])
    assert waiting["state"] == "pending" and waiting["log"][0]["status_code"] is None
    assert "ConnectError" in waiting["log"][0]["error"]
    assert deliver_due(db_url, at=t0 + timedelta(seconds=3)).attempts == 0  # not due before 5 s
    second = deliver_due(db_url, at=t0 + timedelta(seconds=6))  # still down: next in 5 minutes
    assert second.retrying == 1
    receiver.up()
    assert deliver_due(db_url, at=t0 + timedelta(minutes=2)).attempts == 0
    third = deliver_due(db_url, at=t0 + timedelta(minutes=6))
    assert third.delivered == 1
    assert len(receiver.got) == 1
    [done] = log(world, endpoint["id"])
    assert done["state"] == "delivered" and [a["status_code"] for a in done["log"]] == [None, None, 200]
    assert all(a["latency_ms"] >= 0 for a in done["log"])


def test_a_receiver_answering_500_is_retried_then_dead_lettered_then_replayed(
        world: World, db_url: str, receiver: Receiver, session: Session) -> None:
    endpoint = register(world, receiver.url, ["order.recorded"])
    receiver.status = 500
    record(world, "POS-3")
    at = clock.now()
    times = []
    while True:
        report = deliver_due(db_url, at=at)
        assert report.attempts == 1
        times.append(at)
        if report.dead:
            break
        session.rollback()
        due = session.scalar(select(WebhookDelivery.next_attempt_at))
        assert due is not None
        at = due
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[:5] == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                        timedelta(hours=5)]
    assert times[-1] - times[0] == domain.GIVE_UP_AFTER  # the last try exactly 3 days after the first
    assert len(receiver.got) == len(times) == 13
    assert len({r.headers["webhook-id"] for r in receiver.got}) == 1  # the same message every time
    [dead] = log(world, endpoint["id"])
    assert (dead["state"], dead["attempts"], dead["last_status"]) == ("dead", 13, 500)
    assert dead["log"][0]["error"] == "receiver broke"
    assert deliver_due(db_url, at=at + timedelta(days=1)).attempts == 0  # dead: never tried again by itself

    receiver.status = 204
    replayed = ok(world.client.post(f"{API}/webhook-deliveries/{dead['id']}/replay",
                                    headers=world.a.actors["admin1"].headers))
    assert (replayed["state"], replayed["attempts"]) == ("pending", 0)
    assert deliver_due(db_url).delivered == 1
    [back] = log(world, endpoint["id"])
    assert back["state"] == "delivered" and back["log"][-1]["manual"] is True
    assert receiver.got[-1].headers["webhook-id"] == receiver.got[0].headers["webhook-id"]
    assert receiver.got[-1].body == receiver.got[0].body
    # another merchant's admin cannot replay it: 404 like a missing delivery, nothing changes
    for who in ("admin2",):
        refused = world.client.post(f"{API}/webhook-deliveries/{dead['id']}/replay",
                                    headers=world.a.actors[who].headers)
        assert refused.status_code == 404
        assert refused.json() == world.client.post(f"{API}/webhook-deliveries/987654321/replay",
                                                   headers=world.a.actors[who].headers).json()


def test_after_a_rotation_both_secrets_sign_for_24_hours(world: World, db_url: str, receiver: Receiver) -> None:
    endpoint = register(world, receiver.url, ["order.recorded"])
    old = endpoint["secret"]
    rotated = ok(world.client.post(f"{API}/webhook-endpoints/{endpoint['id']}/rotate-secret",
                                   headers=world.a.actors["admin1"].headers))
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_") and rotated["previous_secret_until"] is not None
    record(world, "POS-4")
    deliver_due(db_url)
    got = receiver.got[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(got.body, got.headers) == Webhook(old).verify(got.body, got.headers)

    record(world, "POS-5")
    deliver_due(db_url, at=clock.now() + timedelta(hours=25))
    late = receiver.got[1]
    assert len(late.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(late.body, late.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(late.body, late.headers)


def test_an_idempotent_retry_of_the_registration_never_shows_the_secret_again(world: World) -> None:
    headers = {**world.a.actors["admin1"].headers, "Idempotency-Key": "reg-1"}
    body = {"url": "https://crm.example.com/hooks", "event_types": ["coupon.redeemed"]}
    first = ok(world.client.post(f"{API}/webhook-endpoints", headers=headers, json=body), 201)
    again = world.client.post(f"{API}/webhook-endpoints", headers=headers, json=body)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first["id"] and again.json()["secret"] is None and first["secret"]
    stored = json.dumps(again.json())
    assert first["secret"] not in stored
