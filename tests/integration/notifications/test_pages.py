"""The pages: the console's notification centre and settings, and the member's message settings (/m/messages),
through the same services; no raw code on any of them."""

from __future__ import annotations

from lianmeng.web.console import MEMBER_COOKIE, SESSION_COOKIE, _csrf_of
from tests.conftest import World
from tests.integration.notifications.test_notifications import draft, ok
from tests.integration.referrals.conftest import member_headers


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_the_centre_lists_in_words_and_another_login_cannot_mark_it(world: World) -> None:
    c = world.client
    ok(c.post(f"/api/v1/agreements/{draft(world)}/transitions", headers=world.a.actors["admin1"].headers,
              json={"action": "propose"}))
    token = _token(world.a.actors["admin2"].headers)
    c.cookies.set(SESSION_COOKIE, token)
    page = c.get("/console/notifications")
    assert page.status_code == 200
    assert 'id="bell-count">1<' in page.text and "收到合作提议" in page.text
    assert "proposal_received" not in page.text.replace('value="proposal_received"', "")
    notification = ok(c.get("/api/v1/notifications", headers=world.a.actors["admin2"].headers))[0]["id"]
    other = _token(world.a.actors["admin1"].headers)
    c.cookies.set(SESSION_COOKIE, other)
    refused = c.post(f"/console/notifications/{notification}/read", data={"csrf": _csrf_of(other)},
                     follow_redirects=False)
    assert refused.status_code == 404 and "未找到通知" in refused.text
    c.cookies.set(SESSION_COOKIE, token)
    done = c.post(f"/console/notifications/{notification}/read", data={"csrf": _csrf_of(token)},
                  follow_redirects=False)
    assert done.status_code == 303
    assert 'id="bell-count"' not in c.get("/console/notifications").text


def test_the_member_turns_points_expiry_messages_off_on_the_phone_page(world: World) -> None:
    c = world.client
    member = world.a.members[world.a.merchants[0]]
    headers = member_headers(world, member)
    token = _token(headers)
    c.cookies.set(MEMBER_COOKIE, token)
    page = c.get("/m/messages")
    assert page.status_code == 200 and "积分即将过期" in page.text and "推广返利已到账" in page.text
    saved = c.post("/m/messages", data={"csrf": _csrf_of(token), "kind": ["coupon_received", "rebate_released"]},
                   follow_redirects=False)
    assert saved.status_code == 303
    prefs = ok(c.get("/api/v1/me/message-preferences", headers=headers))
    assert {p["kind"]: p["enabled"] for p in prefs} == {
        "coupon_received": True, "points_expiring": False, "rebate_released": True}
