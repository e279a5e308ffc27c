"""The desk's order form and member card: the receipt number may be left empty (one is made up when the form is
shown, so sending the form twice records one order), and the member is shown by name and tier in words — the full
name to a merchant that serves them, only its first character to a partner that does not."""

from __future__ import annotations

import re

from tests.conftest import World
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_counter_pages import API, card_of, landed, ok, post, referral

REF = re.compile(r'name="order_ref" value="(CTR-\d{8}-[0-9A-F]{8})"')


def orders_of(world: World, who: str = "admin2") -> list[dict[str, object]]:
    return ok(world.client.get(f"{API}/orders", headers=world.a.actors[who].headers), 200)["items"]


def test_an_order_without_a_receipt_number_gets_one_and_a_double_submit_records_it_once(world: World) -> None:
    m2 = world.a.merchants[1]
    card = card_of(world, world.a.members[m2])
    desk = console(world.client, world.a.actors["staff2"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": card})
    ref = REF.search(found.text)
    assert ref, "the order form carries a receipt number made when it was shown"
    form = {"csrf": csrf_of(found.text), "action": "order", "member_card": card, "amount": "66",
            "order_ref": ref.group(1), "order_no": ""}
    check = desk.post("/console/counter", data={**form, "go": "check"})
    assert check.status_code == 200 and "试算(未保存)" in check.text
    assert REF.search(check.text).group(1) == ref.group(1)  # type: ignore[union-attr]  # kept for the real one
    posted = desk.post("/console/counter", data={**form, "go": "record"}, follow_redirects=False)
    first = landed(desk, posted)
    assert first.status_code == 200 and "已记录消费 ¥66.00" in first.text
    reload = desk.get(posted.headers["location"])  # a reload of the result asks nothing and writes nothing
    assert reload.status_code == 200 and "已记录消费 ¥66.00" in reload.text
    second = desk.post("/console/counter", data={**form, "go": "record"}, follow_redirects=False)  # sent again
    assert second.status_code == 303 and second.headers["location"] == posted.headers["location"]  # the same order

    assert [(o["external_id"], o["amount_fen"]) for o in orders_of(world)] == [(ref.group(1), 6_600)]
    fresh = REF.search(first.text)
    assert fresh and fresh.group(1) != ref.group(1)  # the next order gets a new number
    forged = landed(desk, desk.post("/console/counter", data={**form, "order_ref": "POS-1'; --", "go": "record"},
                                    follow_redirects=False))
    assert forged.status_code == 200
    made = [str(o["external_id"]) for o in orders_of(world)]
    assert len(made) == 2 and all(re.fullmatch(r"CTR-\d{8}-[0-9A-F]{8}", x) for x in made)
    typed = landed(desk, desk.post("/console/counter", data={**form, "order_no": "POS-9", "go": "record"},
                                   follow_redirects=False))
    assert typed.status_code == 200 and "POS-9" in typed.text
    assert {o["external_id"] for o in orders_of(world)} >= {"POS-9"}


def test_the_member_is_shown_by_name_and_tier_in_words(world: World) -> None:
    m2 = world.a.merchants[1]
    own = world.a.members[m2]
    admin = world.a.actors["admin2"].headers
    membership = ok(world.client.get(f"{API}/memberships?member_id={own}&merchant_id={m2}", headers=admin),
                    200)["items"][0]
    ok(world.client.patch(f"{API}/memberships/{membership['id']}", headers=admin, json={"tier": "gold"}), 200)
    desk = console(world.client, world.a.actors["staff2"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": card_of(world, own)})
    assert 'id="member-name">会员2<' in found.text
    assert 'id="member-tier">金卡会员<' in found.text and ">gold<" not in found.text
    desk.cookies.set("lm_lang", "en")
    english = post(desk, "/console/counter", {"action": "lookup", "card": card_of(world, own)})
    assert 'id="member-tier">Gold<' in english.text

    data = referral(world)  # m1's member, a partner's customer at m2: not served here yet
    partner = post(console(world.client, world.a.actors["staff2"].username), "/console/counter",
                   {"action": "lookup", "card": data["card_no"]})
    assert 'id="member-name">会**<' in partner.text and "会员1" not in partner.text


def test_the_scan_script_is_the_apps_own_and_the_buttons_start_hidden(world: World) -> None:
    desk = console(world.client, world.a.actors["staff2"].username)
    page = desk.get("/console/counter")
    assert '<script src="/static/counter-scan.js" defer></script>' in page.text
    assert re.search(r'<button type="button" class="secondary scan" id="scan-card"[^>]* hidden', page.text)
    script = desk.get("/static/counter-scan.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "BarcodeDetector" in script.text and "http" not in script.text  # nothing fetched from elsewhere
    assert "script-src 'self';" in page.headers["content-security-policy"]
