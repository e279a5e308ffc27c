"""The console's webhook pages: a merchant admin registers an endpoint (the secret is on that page once, never
again), rotates it, reads the delivery log and replays; refusals in words with nothing written; store staff 403."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.web.console import SESSION_COOKIE, _csrf_of
from lianmeng.webhooks.delivery import deliver_due
from lianmeng.webhooks.models import WebhookEndpoint
from tests.conftest import World
from tests.integration.webhooks.conftest import Receiver


def _login(world: World, who: str) -> str:
    token = world.a.actors[who].headers["Authorization"].removeprefix("Bearer ")
    world.client.cookies.set(SESSION_COOKIE, token)
    return token


def test_register_rotate_read_the_log_and_replay_on_the_pages(world: World, db_url: str, receiver: Receiver,
                                                              session: Session) -> None:
    c = world.client
    token = _login(world, "admin1")
    empty = c.get("/console/webhooks")
    assert empty.status_code == 200 and 'id="no-endpoints"' in empty.text and "订单已记录" in empty.text
    bad = c.post("/console/webhooks", data={"csrf": _csrf_of(token), "url": "http://crm.example.com/h",
                                            "event_types": ["order.recorded"]})
    assert bad.status_code == 422 and "回调地址必须使用 https://" in bad.text
    none = c.post("/console/webhooks", data={"csrf": _csrf_of(token), "url": "https://crm.example.com/h"})
    assert none.status_code == 422 and "请至少选择一种事件类型" in none.text
    assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0

    made = c.post("/console/webhooks", data={"csrf": _csrf_of(token), "url": receiver.url,
                                             "event_types": ["order.recorded", "coupon.redeemed"]})
    assert made.status_code == 200 and 'id="secret-once"' in made.text
    secret = re.search(r'id="secret">(whsec_[^<]+)<', made.text)
    assert secret is not None
    listing = c.get("/console/webhooks")
    assert secret.group(1) not in listing.text and receiver.url in listing.text
    session.rollback()
    endpoint = session.scalars(select(WebhookEndpoint)).one()
    rotated = c.post(f"/console/webhooks/{endpoint.id}/rotate", data={"csrf": _csrf_of(token)})
    fresh = re.search(r'id="secret">(whsec_[^<]+)<', rotated.text)
    assert fresh is not None and fresh.group(1) != secret.group(1) and "旧密钥签名至" in rotated.text

    m1 = world.a.merchants[0]
    r = c.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "PAGE-1", "member_id": world.a.members[m1], "amount_fen": 9_900})
    assert r.status_code == 201, r.text
    receiver.status = 503
    deliver_due(db_url)
    log = c.get(f"/console/webhooks/{endpoint.id}")
    assert log.status_code == 200 and "待投递" in log.text and "503" in log.text and "receiver broke" in log.text
    delivery = re.search(r'id="delivery-(\d+)"', log.text)
    assert delivery is not None
    receiver.status = 200
    replayed = c.post(f"/console/webhooks/{endpoint.id}/deliveries/{delivery.group(1)}/replay",
                      data={"csrf": _csrf_of(token)}, follow_redirects=False)
    assert replayed.status_code == 303
    deliver_due(db_url)
    assert "已送达" in c.get(f"/console/webhooks/{endpoint.id}").text and "手动重发" in c.get(
        f"/console/webhooks/{endpoint.id}").text

    off = c.post(f"/console/webhooks/{endpoint.id}/disable", data={"csrf": _csrf_of(token)}, follow_redirects=False)
    assert off.status_code == 303
    assert 'data-enabled="no"' in c.get("/console/webhooks").text

    other = _login(world, "admin2")
    assert c.get(f"/console/webhooks/{endpoint.id}").status_code == 404
    assert c.post(f"/console/webhooks/{endpoint.id}/rotate", data={"csrf": _csrf_of(other)}).status_code == 404
    clerk = _login(world, "staff1")
    refused = c.get("/console/webhooks")
    assert refused.status_code == 403 and "无权执行此操作" in refused.text
    assert c.post("/console/webhooks", data={"csrf": _csrf_of(clerk), "url": "https://crm.example.com/h",
                                             "event_types": ["order.recorded"]}).status_code == 403
