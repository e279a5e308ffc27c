"""The pages: a member's 我的分享 (link and QR, friends masked, rewards in words and yuan) and the console's terms
form (bounds refused in words, nothing written), results and leaderboard."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.distribution.helpers import buy, claim, new_member, offer, ok, share_link
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_member_pages import as_member


def test_a_member_gets_a_link_and_qr_and_sees_friends_masked(world: World, db_url: str) -> None:
    template = offer(world)
    sharer = world.a.members[world.a.merchants[0]]
    phone = TestClient(world.client.app)
    as_member(phone, db_url, sharer)
    page = phone.get("/m/shares")
    assert page.status_code == 200 and 'id="nav-shares"' in page.text and "私教体验课" in page.text
    assert "返现 ¥20.00" in page.text and 'class="share-url"' not in page.text
    made = phone.post(f"/m/shares/{template}", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == f"/m/shares#offer-{template}"
    page = phone.get("/m/shares").text
    url = re.search(r'class="share-url"[^>]*value="([^"]+)"|value="([^"]+)" class="share-url"', page)
    assert url is not None and "/claim/" in (url.group(1) or url.group(2))
    assert "<svg" in page and "share-qr" in page
    friend = new_member(world, "李小明")
    claim(world, friend, share_link(world, sharer, template))
    buy(world, friend, 20_000, "page-1")
    page = phone.get("/m/shares").text
    assert "李**" in page and "李小明" not in page and "冻结中" in page and "¥20.00" in page
    assert 'id="total-rebate-frozen">¥20.00<' in page
    english = phone.get("/m/shares", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_owner_sets_terms_on_the_console_and_sees_the_leaderboard(world: World) -> None:
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "体验课", "kind": "amount_off", "amount_fen": 1_000}))["id"]
    admin = console(world.client, world.a.actors["admin2"].username)
    listing = admin.get("/console/distribution")
    assert listing.status_code == 200 and "体验课" in listing.text and "未设置" in listing.text
    page = admin.get(f"/console/distribution/{template}")
    form = {"csrf": csrf_of(page.text), "enabled": "1", "reward_kind": "rebate", "amount": "20.00",
            "rate_bp": "", "min_order": "100", "window_days": "30", "cap": "", "return_window_days": "7"}
    refused = admin.post(f"/console/distribution/{template}", data={**form, "rate_bp": "500"})
    assert refused.status_code == 422 and 'class="error"' in refused.text
    assert world.client.get(f"/api/v1/coupon-templates/{template}/distribution",
                            headers=world.a.actors["admin2"].headers).status_code == 404
    too_long = admin.post(f"/console/distribution/{template}", data={**form, "window_days": "999"})
    assert too_long.status_code == 422
    saved = admin.post(f"/console/distribution/{template}", data=form)
    assert saved.status_code == 200 and "已保存分销规则" in saved.text
    terms = ok(world.client.get(f"/api/v1/coupon-templates/{template}/distribution",
                                headers=world.a.actors["admin2"].headers), 200)
    assert (terms["amount"], terms["min_order_fen"], terms["reward_kind"]) == (2_000, 10_000, "rebate")
    sharer = world.a.members[world.a.merchants[0]]
    friend = new_member(world)
    claim(world, friend, share_link(world, sharer, template))
    buy(world, friend, 20_000, "console-1")
    page = admin.get(f"/console/distribution/{template}").text
    assert 'id="leaderboard"' in page and "会**" in page and 'id="r-frozen">¥20.00<' in page
    other = console(world.client, world.a.actors["admin3"].username)
    seen = other.get(f"/console/distribution/{template}").text
    assert 'id="leaderboard"' not in seen and 'id="terms-form"' not in seen and 'id="r-sharers">—<' in seen
