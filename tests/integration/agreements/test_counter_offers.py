"""Counter-offers: the merchant receiving a proposal sends changed terms back (API and console form); the other
merchant accepts them or counters again; the history says each offer and counter-offer in words."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
TERMS = {
    "title": "健身 × 汽车 权益互换",
    "modes": ["rights_exchange"],
    "commission_terms": [{"kind": "percent_of_order", "rate_bp": 500, "cap_per_order_fen": 20000}],
    "return_window_days": 7,
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def proposed(world: World) -> int:
    c, a = world.client, world.a.actors["admin1"].headers
    agreement = ok(c.post(f"{API}/agreements", json={**TERMS, "merchant_b_id": world.a.merchants[1]}, headers=a), 201)
    ok(c.post(f"{API}/agreements/{agreement['id']}/transitions", json={"action": "propose"}, headers=a))
    return int(agreement["id"])


def counter(c: TestClient, headers: dict[str, str], agreement_id: int, body: dict[str, Any]) -> Any:
    return c.post(f"{API}/agreements/{agreement_id}/counter-offers", json=body, headers=headers)


def test_counter_offers_go_back_and_forth_until_one_side_accepts(world: World) -> None:
    c = world.client
    a, b = world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    operator = world.a.actors["operator"].headers
    agreement_id = proposed(world)
    assert ok(c.get(f"{API}/agreements/{agreement_id}", headers=b))["allowed_actions"] == ["accept", "reject",
                                                                                            "counter"]
    # only the receiving merchant counters: not the proposer, not the operator, not an outsider
    mine = counter(c, a, agreement_id, {"return_window_days": 14})
    assert mine.status_code == 403 and mine.json()["error"]["code"] == "agreement_party"
    by_operator = counter(c, operator, agreement_id, {"return_window_days": 14})
    assert by_operator.status_code == 403 and by_operator.json()["error"]["code"] == "agreement_party"
    outsider = counter(c, world.a.actors["admin3"].headers, agreement_id, {"return_window_days": 14})
    assert outsider.status_code == 404
    # the same terms are not a counter-offer; the transitions door does not take one without terms
    same = counter(c, b, agreement_id, {"return_window_days": 7, "modes": ["rights_exchange"]})
    assert same.status_code == 422 and same.json()["error"]["code"] == "agreement_counter_unchanged"
    bare = c.post(f"{API}/agreements/{agreement_id}/transitions", json={"action": "counter"}, headers=b)
    assert bare.status_code == 422 and bare.json()["error"]["code"] == "agreement_counter_needs_terms"
    # terms the engine would not pay are refused as at creation, nothing written
    unpayable = counter(c, b, agreement_id, {"commission_terms": [{"kind": "percent_of_order", "rate_bp": 300,
                                                                   "staff_amount_fen": 100}]})
    assert unpayable.status_code == 422
    assert ok(c.get(f"{API}/agreements/{agreement_id}", headers=b))["offered_by"] == "proposer"

    countered = ok(counter(c, b, agreement_id, {
        "commission_terms": [{"kind": "percent_of_order", "rate_bp": 300, "cap_per_order_fen": 20000}],
        "return_window_days": 14, "note": "比例太高"}))
    assert countered["status"] == "proposed" and countered["offered_by"] == "counterparty"
    assert countered["merchant_a_id"] == world.a.merchants[0]  # the parties never swap
    assert countered["allowed_actions"] == ["withdraw"]
    assert ok(c.get(f"{API}/agreements/{agreement_id}", headers=a))["allowed_actions"] == ["accept", "reject",
                                                                                            "counter"]
    own = c.post(f"{API}/agreements/{agreement_id}/transitions", json={"action": "accept"}, headers=b)
    assert own.status_code == 403 and own.json()["error"]["code"] == "agreement_party"

    back = ok(counter(c, a, agreement_id, {"commission_terms": [
        {"kind": "percent_of_order", "rate_bp": 400, "cap_per_order_fen": 20000}], "note": "各让一步"}))
    assert back["offered_by"] == "proposer" and back["allowed_actions"] == ["withdraw"]
    accepted = ok(c.post(f"{API}/agreements/{agreement_id}/transitions", json={"action": "accept"}, headers=b))
    assert accepted["status"] == "accepted"
    assert accepted["commission_terms"][0]["rate_bp"] == 400 and accepted["return_window_days"] == 14
    assert accepted["commission_terms"][0]["cap_per_order_fen"] == 20000

    events = ok(c.get(f"{API}/agreements/{agreement_id}/events", headers=a))
    assert [e["action"] for e in events] == ["create", "propose", "counter", "counter", "accept"]
    first, second = events[2], events[3]
    assert first["actor_merchant_id"] == world.a.merchants[1] and first["note"] == "比例太高"
    assert first["changes"]["return_window_days"] == {"from": 7, "to": 14}
    assert first["changes"]["commission_terms"]["from"][0]["rate_bp"] == 500
    assert first["changes"]["commission_terms"]["to"][0]["rate_bp"] == 300
    assert set(second["changes"]) == {"commission_terms"}
    assert second["actor_merchant_id"] == world.a.merchants[0]
    late = counter(c, a, agreement_id, {"return_window_days": 3})
    assert late.status_code == 409 and late.json()["error"]["code"] == "agreement_transition"


def test_a_withdrawn_counter_offer_leaves_a_draft_its_author_may_propose_again(world: World) -> None:
    c = world.client
    a, b = world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    agreement_id = proposed(world)
    ok(counter(c, b, agreement_id, {"valid_until": "2099-12-31"}))
    withdrawn = ok(c.post(f"{API}/agreements/{agreement_id}/transitions", json={"action": "withdraw"}, headers=b))
    assert withdrawn["status"] == "draft" and withdrawn["allowed_actions"] == ["propose", "terminate"]
    again = ok(c.post(f"{API}/agreements/{agreement_id}/transitions", json={"action": "propose"}, headers=b))
    assert again["status"] == "proposed"
    assert ok(c.get(f"{API}/agreements/{agreement_id}", headers=a))["allowed_actions"] == ["accept", "reject",
                                                                                            "counter"]


def test_the_console_counter_offer_form_and_the_history_in_words(world: World) -> None:
    agreement_id = proposed(world)
    url = f"/console/partners/agreements/{agreement_id}"
    proposer = console(world.client, world.a.actors["admin1"].username)
    assert 'data-action="counter"' not in proposer.get(url).text
    refused = proposer.get(f"{url}/counter")
    assert refused.status_code == 409 and "须由对方商户决定" in refused.text

    partner = console(world.client, world.a.actors["admin2"].username)
    detail = partner.get(url)
    assert detail.status_code == 200 and f'href="{url}/counter" data-action="counter"' in detail.text
    form = partner.get(f"{url}/counter")
    assert form.status_code == 200
    assert 'id="f-commission_percent" name="commission_percent" type="text" value="5"' in form.text  # the offer
    assert "按比例 5% · 对方支付 · 给 推荐商户" in form.text
    base = {"csrf": csrf_of(form.text), "modes": "rights_exchange", "commission_kind": "percent_of_order",
            "payer": "b", "payee": "merchant", "return_window_days": "7", "settlement_cycle": "monthly",
            "valid_from": start_of(world, agreement_id)}
    unchanged = partner.post(f"{url}/counter", data={**base, "commission_percent": "5"})
    assert unchanged.status_code == 422 and "还价须至少修改一项条款" in unchanged.text
    bad = partner.post(f"{url}/counter", data={**base, "commission_percent": "百分之三"})
    assert bad.status_code == 422 and 'id="e-commission_percent"' in bad.text
    done = partner.post(f"{url}/counter", data={**base, "commission_percent": "3", "return_window_days": "14",
                                                "reason": "比例太高"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = partner.get(done.headers["location"])
    assert "新条款已发给对方,等待对方答复" in page.text and "当前条款由「alpha merchant 2」提出" in page.text
    assert "佣金:按比例 5% · 对方支付 · 给 推荐商户 → 按比例 3% · 对方支付 · 给 推荐商户" in page.text
    assert "退货观察期:7 天 → 14 天" in page.text and "比例太高" in page.text
    assert "3%" in page.text and "commission_terms" not in page.text and "return_window_days" not in page.text
    english = partner.get(url, headers={"Accept-Language": "en"})
    assert "Return window: 7 days → 14 days" in english.text and "Counter-offer" in english.text

    # the proposer now receives the counter-offer: it sees it waiting on its partners page and accepts it
    waiting = proposer.get("/console/partners")
    row = re.search(rf'<tr data-agreement="{agreement_id}">(.*?)</tr>', waiting.text.split('id="waiting"')[1], re.S)
    assert row and "健身 × 汽车 权益互换" in row.group(1)
    assert '<td class="offer-from">alpha merchant 2</td>' in row.group(1)
    assert f'href="{url}/counter" data-action="counter"' in row.group(1)
    accept_form = proposer.get(url)
    assert 'data-action="accept"' in accept_form.text and 'data-action="counter"' in accept_form.text
    accepted = proposer.post(f"{url}/accept", data={"csrf": csrf_of(accept_form.text)}, follow_redirects=True)
    assert "双方已确认" in accepted.text
    terms = world.client.get(f"{API}/agreements/{agreement_id}", headers=world.a.actors["admin1"].headers).json()
    assert terms["commission_terms"][0]["rate_bp"] == 300 and terms["commission_terms"][0]["cap_per_order_fen"] == 20000
    assert terms["return_window_days"] == 14


def start_of(world: World, agreement_id: int) -> str:
    """The agreement's start date as the form shows it."""
    body = world.client.get(f"{API}/agreements/{agreement_id}", headers=world.a.actors["admin1"].headers).json()
    return str(body["valid_from"])
