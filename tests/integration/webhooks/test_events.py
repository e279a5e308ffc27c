"""Which services emit which events, and who receives them (docs/webhooks.md, "Tenancy"): a merchant's endpoint
gets an event only when its merchant is a party, the member's id only where the event happened; the operator's
endpoint gets its alliance's events, never another alliance's. Plus the endpoint rules: HTTPS to public hosts,
refusals in words, nothing written; other merchants' endpoints answer 404 like missing ones."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.commissions import service as commissions
from lianmeng.config import get_settings
from lianmeng.db import unit_of_work
from lianmeng.kit import clock
from lianmeng.webhooks.delivery import deliver_due
from lianmeng.webhooks.domain import EventType
from lianmeng.webhooks.models import WebhookEndpoint, WebhookEvent
from tests.conftest import World
from tests.integration.coupons.test_coupons import agree, centre_coupon, issue
from tests.integration.settlement.test_settlement import poster_in_october
from tests.integration.webhooks.conftest import Receiver

API = "/api/v1"
ALL = [t.value for t in EventType]


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def endpoints_for_everyone(world: World, receiver: Receiver) -> None:
    """m1, m2, m3 (their admins), alliance A's operator and alliance B's operator, each at its own path."""
    for side, who in (("a", "admin1"), ("a", "admin2"), ("a", "admin3"), ("a", "operator"), ("b", "operator")):
        actors = world.a.actors if side == "a" else world.b.actors
        ok(world.client.post(f"{API}/webhook-endpoints", headers=actors[who].headers,
                             json={"url": f"{receiver.url}/{side}-{who}", "event_types": ALL}), 201)


def received(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    """Path (who) → the documents it got, in the order of the events (deliveries are sent in parallel: a receiver
    orders by event id or timestamp, not by arrival)."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for got in receiver.got:
        by[got.path.rsplit("/", 1)[-1]].append(json.loads(got.body))
    return {who: sorted(docs, key=lambda d: int(d["event_id"].rsplit("_", 1)[1])) for who, docs in by.items()}


def test_a_referred_redemption_tells_each_party_what_it_may_know(world: World, db_url: str,
                                                                 receiver: Receiver) -> None:
    endpoints_for_everyone(world, receiver)
    m1, m2 = world.a.merchants[:2]
    member = world.a.members[m1]
    agree(world)  # agreement.changed ×4: created, proposed, accepted, activated (m1 × m2)
    template = centre_coupon(world)
    coupon = ok(issue(world, template["id"]), 201)
    ok(world.client.post(f"{API}/coupons/redeem", headers=world.a.actors["staff2"].headers, json={
        "code": coupon["code"], "bill_fen": 50_000, "order_external_id": "CENTRE-9"}), 201)
    with unit_of_work(db_url) as s:
        assert commissions.release_matured(s, clock.now() + timedelta(days=8)) == 2
    report = deliver_due(db_url)
    assert report.dead == report.retrying == 0
    by = received(receiver)
    assert set(by) == {"a-admin1", "a-admin2", "a-operator"}  # m3 and the other alliance: nothing
    types = {who: sorted({d["type"] for d in docs}) for who, docs in by.items()}
    assert types["a-operator"] == ["agreement.changed", "coupon.redeemed", "order.recorded", "rebate.released"]
    assert types["a-admin1"] == types["a-admin2"] == types["a-operator"]
    assert [d["data"]["status"] for d in by["a-admin1"] if d["type"] == "agreement.changed"] == [
        "draft", "proposed", "accepted", "active"]

    def one(who: str, type_: str) -> dict[str, Any]:
        [doc] = [d["data"] for d in by[who] if d["type"] == type_ and d["data"].get("payee_type") != "staff"]
        return doc

    # the centre (where it happened) and the operator see the member; the referring gym learns ids and amounts
    for who in ("a-admin2", "a-operator"):
        assert one(who, "coupon.redeemed")["member_id"] == member
        assert one(who, "order.recorded")["member_id"] == member
    assert "member_id" not in one("a-admin1", "coupon.redeemed")
    assert "member_id" not in one("a-admin1", "order.recorded")
    redeemed = one("a-admin1", "coupon.redeemed")
    assert (redeemed["merchant_id"], redeemed["issuer_merchant_id"], redeemed["referrer_merchant_id"]) == (m2, m2, m1)
    assert one("a-admin1", "order.recorded")["amount_fen"] == 50_000 - 30_000  # the bill less the free item
    released = [d["data"] for d in by["a-operator"] if d["type"] == "rebate.released"]
    assert {(r["payee_type"], r["amount_fen"]) for r in released} == {("merchant", 10_000), ("staff", 5_000)}
    assert [d["data"]["payee_type"] for d in by["a-admin1"] if d["type"] == "rebate.released"] == ["merchant"]
    everything = b"".join(g.body for g in receiver.got).decode()
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", everything) and "会员" not in everything  # no phone, no name


def test_statements_and_merges_emit_their_events(world: World, db_url: str, session: Session,
                                                 receiver: Receiver) -> None:
    endpoints_for_everyone(world, receiver)
    m1, m2, m3 = world.a.merchants
    poster_in_october(world)
    issued = CliRunner().invoke(app, ["settle", "run", "--period", "2026-10", "--database-url", db_url, "--issue"])
    assert issued.exit_code == 0, issued.output
    merged = world.client.post(f"{API}/members/merges", headers=world.a.actors["operator"].headers, json={
        "survivor_id": world.a.members[m2], "absorbed_id": world.a.members[m1], "reason": "同一人两次办卡"})
    assert merged.status_code == 201, merged.text
    deliver_due(db_url)
    by = received(receiver)
    statements = {who: sorted(d["data"]["merchant_id"] for d in docs if d["type"] == "statement.issued")
                  for who, docs in by.items()}
    assert statements["a-operator"] == [m1, m2, m3]
    assert statements["a-admin1"] == [m1] and statements["a-admin2"] == [m2] and statements["a-admin3"] == [m3]
    assert statements["b-operator"] == [world.b.merchants[0]]  # alliance B's operator: B's statement only
    [merge] = [d["data"] for d in by["a-operator"] if d["type"] == "member.merged"]
    assert (merge["survivor_member_id"], merge["absorbed_member_id"]) == (world.a.members[m2], world.a.members[m1])
    # neither merchant holds both members: they are not told the other's member id
    assert not any(d["type"] == "member.merged" for who in ("a-admin1", "a-admin2") for d in by[who])


def test_endpoint_addresses_and_roles_are_checked_in_words_and_nothing_is_written(
        world: World, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = world.a.actors["admin1"].headers

    def refused(body: dict[str, Any], code: str, status: int = 422, headers: dict[str, str] = admin) -> str:
        r = world.client.post(f"{API}/webhook-endpoints", headers={**headers, "Accept-Language": "en"}, json=body)
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code, r.text
        return str(r.json()["error"]["message"])

    assert "https" in refused({"url": "http://crm.example.com/h", "event_types": ["order.recorded"]},
                              "webhook_url_not_https")
    refused({"url": "https://10.0.0.7/h", "event_types": ["order.recorded"]}, "webhook_url_private")
    refused({"url": "https://169.254.169.254/latest", "event_types": ["order.recorded"]}, "webhook_url_private")
    refused({"url": "ftp://crm.example.com", "event_types": ["order.recorded"]}, "webhook_url_invalid")
    refused({"url": "https://crm.example.com/h", "event_types": []}, "webhook_no_event_types")
    refused({"url": "https://crm.example.com/h", "event_types": ["order.exploded"]}, "validation_error")
    refused({"url": "https://crm.example.com/h", "event_types": ["order.recorded"]}, "forbidden", 403,
            world.a.actors["staff1"].headers)
    monkeypatch.setattr(get_settings(), "webhooks_allow_loopback", False)  # production: no loopback
    refused({"url": "http://127.0.0.1:9/h", "event_types": ["order.recorded"]}, "webhook_url_private")
    assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0

    made = ok(world.client.post(f"{API}/webhook-endpoints", headers=admin, json={
        "url": "https://crm.example.com/h", "event_types": ["order.recorded"]}), 201)
    mine = f"{API}/webhook-endpoints/{made['id']}"
    for who in ("admin2", "operator"):
        listed = ok(world.client.get(f"{API}/webhook-endpoints", headers=world.b.actors["operator"].headers
                                     if who == "operator" else world.a.actors[who].headers))
        assert listed["items"] == []
    for tail in ("", "/deliveries"):
        other = world.client.get(f"{mine}{tail}", headers=world.a.actors["admin2"].headers)
        missing = world.client.get(f"{API}/webhook-endpoints/987654321{tail}", headers=world.a.actors["admin2"].headers)
        assert other.status_code == 404 and other.json() == missing.json()
    assert world.client.post(f"{mine}/rotate-secret", headers=world.a.actors["admin2"].headers).status_code == 404
    assert world.client.patch(mine, headers=world.a.actors["admin2"].headers,
                              json={"enabled": False}).status_code == 404
    assert ok(world.client.get(f"{API}/webhook-endpoints",
                               headers=world.a.actors["operator"].headers))["items"][0]["id"] == made["id"]
    off = ok(world.client.patch(mine, headers=admin, json={"enabled": False}))
    assert off["enabled"] is False and off["disabled_at"] is not None


def test_a_disabled_endpoint_is_sent_nothing_until_enabled(world: World, db_url: str, receiver: Receiver,
                                                          session: Session) -> None:
    admin = world.a.actors["admin1"].headers
    made = ok(world.client.post(f"{API}/webhook-endpoints", headers=admin, json={
        "url": receiver.url, "event_types": ["order.recorded"]}), 201)
    ok(world.client.patch(f"{API}/webhook-endpoints/{made['id']}", headers=admin, json={"enabled": False}))
    m1 = world.a.merchants[0]
    ok(world.client.post(f"{API}/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "OFF-1", "member_id": world.a.members[m1], "amount_fen": 1_000}), 201)
    assert deliver_due(db_url).attempts == 0 and receiver.got == []
    assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
    ok(world.client.patch(f"{API}/webhook-endpoints/{made['id']}", headers=admin, json={"enabled": True}))
    assert deliver_due(db_url).attempts == 0  # it was disabled when the event was dispatched: not subscribed
    ok(world.client.post(f"{API}/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "ON-1", "member_id": world.a.members[m1], "amount_fen": 1_000}), 201)
    assert deliver_due(db_url).delivered == 1
