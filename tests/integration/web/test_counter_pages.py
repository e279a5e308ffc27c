"""The counter, coupon and joint-card pages through TestClient: tenancy is the API's (a partner sees the catalogue,
not the stock and use counts; a coupon is refused at a merchant that does not accept it, with nothing written;
another alliance's card is unknown; a joint card is unseen outside its merchants) and every form needs its CSRF
token. The data is set up through the API, as a merchant would.

The helpers here are shared with the browser tests (tests/browser/test_counter.py, test_coupons_pages.py)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
TERMS = [{"kind": "per_head", "amount_fen": 10_000, "payee": "both", "staff_amount_fen": 5_000, "payer": "b"}]
def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def activate(world: World, a: int, b: int) -> int:
    """An active agreement: b pays a ¥100 per referred head, plus ¥50 to the guide who referred it."""
    op = world.a.actors["operator"].headers
    agreement = ok(world.client.post(f"{API}/agreements", headers=op, json={
        "title": "健身房 → 服务中心", "merchant_a_id": a, "merchant_b_id": b, "modes": ["rights_exchange"],
        "commission_terms": TERMS, "return_window_days": 7}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)
    return int(agreement["id"])


def card_of(world: World, member_id: int, who: str = "operator") -> str:
    return str(ok(world.client.get(f"{API}/members/{member_id}", headers=world.a.actors[who].headers), 200)["card_no"])


def referral(world: World) -> dict[str, Any]:
    """m1's guide (staff1) hands m1's member a ¥20-off coupon of m2 (the service centre), under an agreement where
    m2 pays m1 ¥100 and the guide ¥50 per referred head."""
    m1, m2, _ = world.a.merchants
    activate(world, m1, m2)
    template = ok(world.client.post(f"{API}/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "到店立减20", "kind": "amount_off", "amount_fen": 2_000, "valid_days": 30, "total_stock": 100}))
    member_id = world.a.members[m1]
    coupon = ok(world.client.post(f"{API}/coupons/issue", headers=world.a.actors["staff1"].headers,
                                  json={"template_id": template["id"], "member_id": member_id}))
    return {"template": template, "coupon": coupon, "member_id": member_id, "card_no": card_of(world, member_id)}


def uses_left(world: World, coupon_id: int) -> int:
    coupon = ok(world.client.get(f"{API}/coupons/{coupon_id}", headers=world.a.actors["staff1"].headers), 200)
    return int(coupon["uses_left"])


def joint_product(world: World) -> dict[str, Any]:
    """A joint card of m1 (2 car washes) and m2 (a gym month), defined by the operator."""
    m1, m2, _ = world.a.merchants
    return ok(world.client.post(f"{API}/joint-card-products", headers=world.a.actors["operator"].headers, json={
        "name": "城市生活联名卡", "tiers": [{"name": "经济版", "price_fen": 98_000, "components": [
            {"merchant_id": m1, "name": "汽车精洗", "unit_name": "次", "units": 2, "list_value_fen": 40_000},
            {"merchant_id": m2, "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 60_000}]}]}))


def csrf(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)


def post(client: TestClient, path: str, data: dict[str, str], page: str | None = None) -> Any:
    return client.post(path, data={"csrf": csrf(client, page or path), **data}, follow_redirects=False)


def landed(client: TestClient, response: Any) -> Any:
    """A write at the desk answers with a redirect (POST-redirect-GET), so a reload never sends it again; the desk
    it lands on, which shows the result."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/console/counter?"), location
    return client.get(location)


def error_of(html: str, field: str) -> str | None:
    match = re.search(rf'<small class="error" id="e-{field}" role="alert">([^<]*)</small>', html)
    return match.group(1) if match else None


def test_partners_see_the_catalogue_but_not_stock_or_use_counts(world: World) -> None:
    data = referral(world)
    tid = data["template"]["id"]
    own = console(world.client, world.a.actors["staff2"].username).get("/console/coupons")
    assert own.status_code == 200
    assert f'id="stock-{tid}">1 / 100<' in own.text and f'id="used-{tid}">0<' in own.text
    partner = console(world.client, world.a.actors["staff3"].username).get("/console/coupons")
    assert partner.status_code == 200 and "到店立减20" in partner.text  # partners may hand it out or share it
    assert f'id="stock-{tid}"' not in partner.text and f'id="used-{tid}"' not in partner.text
    assert 'id="publish"' not in partner.text  # store staff do not publish coupons
    assert post(console(world.client, world.a.actors["staff3"].username), "/console/coupons",
                {"name": "x", "kind": "amount_off", "amount": "5"}).status_code == 403


def test_a_coupon_is_refused_where_it_is_not_accepted_and_nothing_is_written(world: World) -> None:
    data = referral(world)
    desk = console(world.client, world.a.actors["staff3"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": data["card_no"]})
    assert found.status_code == 200 and 'id="member-phone">139****0000<' in found.text
    assert data["coupon"]["code"] not in found.text  # not usable at m3, so not offered
    refused = post(desk, "/console/counter", {"action": "redeem", "member_card": data["card_no"],
                                              "code": data["coupon"]["code"], "bill": "200", "receipt": "M3-1"})
    assert refused.status_code == 422
    assert error_of(refused.text, "code") == "本店不接受这张券"
    assert uses_left(world, data["coupon"]["id"]) == 1
    orders = ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin3"].headers), 200)
    assert orders["items"] == []


def test_another_alliances_card_is_unknown_and_the_operator_has_no_till(world: World) -> None:
    data = referral(world)
    beta = console(world.client, world.b.actors["staff1"].username)
    unknown = post(beta, "/console/counter", {"action": "lookup", "card": data["card_no"]})
    assert unknown.status_code == 422 and error_of(unknown.text, "card") == "联盟卡号或二维码无效"
    redeem = post(beta, "/console/counter", {"action": "redeem", "member_card": data["card_no"],
                                             "code": data["coupon"]["code"]}, page="/console/counter")
    assert redeem.status_code == 422 and error_of(redeem.text, "card") == "联盟卡号或二维码无效"
    assert uses_left(world, data["coupon"]["id"]) == 1
    assert console(world.client, world.a.actors["operator"].username).get("/console/counter").status_code == 403
    anonymous = TestClient(world.client.app).get("/console/counter", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_forms_without_their_csrf_token_are_refused(world: World) -> None:
    data = referral(world)
    desk = console(world.client, world.a.actors["staff2"].username)
    for path, form in [("/console/counter", {"action": "redeem", "member_card": data["card_no"],
                                             "code": data["coupon"]["code"]}),
                       (f"/console/coupons/{data['template']['id']}/issue", {"card": data["card_no"]}),
                       ("/console/joint-cards", {"tier_id": "1", "card": data["card_no"], "external_id": "X"})]:
        response = desk.post(path, data=form)
        assert response.status_code == 403, path
        assert "页面已过期" in response.text
        response = desk.post(path, data={**form, "csrf": "0" * 32})
        assert response.status_code == 403, path
    assert uses_left(world, data["coupon"]["id"]) == 1


def test_claim_qr_codes_and_joint_cards_stay_inside_their_tenants(world: World) -> None:
    data = referral(world)
    guide = console(world.client, world.a.actors["staff1"].username)
    claim = guide.get(f"/console/coupons/{data['template']['id']}/claim")
    assert claim.status_code == 200 and "<svg" in claim.text
    token = re.search(r"/console/coupons/links/([^/]+)/qr\.png", claim.text)
    assert token
    again = guide.get(f"/console/coupons/{data['template']['id']}/claim")
    assert token.group(1) in again.text  # the same link, not a new one per visit
    png = guide.get(f"/console/coupons/links/{token.group(1)}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    beta = console(world.client, world.b.actors["staff1"].username)
    assert beta.get(f"/console/coupons/links/{token.group(1)}/qr.png").status_code == 404

    tier = joint_product(world)["tiers"][0]
    sold = ok(world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers, json={
        "external_id": "JC-1", "tier_id": tier["id"], "member_id": data["member_id"]}))
    assert guide.get(f"/console/joint-cards/{sold['id']}").status_code == 200
    outsider = console(world.client, world.a.actors["staff3"].username)  # m3 has no component on the card
    assert outsider.get(f"/console/joint-cards/{sold['id']}").status_code == 404
    consumed = post(outsider, f"/console/joint-cards/{sold['id']}/consume",
                    {"component_id": str(tier["components"][0]["id"]), "units": "1"}, page="/console/joint-cards")
    assert consumed.status_code == 404
    left = ok(world.client.get(f"{API}/joint-cards/{sold['id']}", headers=world.a.actors["staff1"].headers), 200)
    assert [i["units_left"] for i in left["items"]] == [2, 1]


def test_the_counter_finds_members_by_qr_or_phone_within_the_merchants_own(world: World) -> None:
    data = referral(world)
    m2 = world.a.merchants[1]
    qr = ok(world.client.get(f"{API}/members/{data['member_id']}/card", headers=world.a.actors["operator"].headers),
            200)["qr_payload"]
    desk = console(world.client, world.a.actors["staff2"].username)
    by_qr = post(desk, "/console/counter", {"action": "lookup", "card": qr})
    assert by_qr.status_code == 200 and data["coupon"]["code"] in by_qr.text
    forged = post(desk, "/console/counter", {"action": "lookup", "card": qr[:-2] + "xx"})
    assert error_of(forged.text, "card") == "联盟卡号或二维码无效"
    # by phone: only members this merchant may see (its own, or enrolled here), like GET /members?phone=
    own = post(desk, "/console/counter", {"action": "lookup", "phone": "139 0001 0001"})
    assert own.status_code == 200 and 'id="member-phone">139****0001<' in own.text
    other = post(desk, "/console/counter", {"action": "lookup", "phone": "13900010000"})
    assert other.status_code == 422 and "本店会员中没有这个手机号" in (error_of(other.text, "phone") or "")
    # an order without a coupon for its own member, with a dry run first; a repeated receipt number is refused
    own_card = card_of(world, world.a.members[m2])
    form = {"action": "order", "member_card": own_card, "amount": "88.50", "order_no": "POS-1"}
    check = post(desk, "/console/counter", {**form, "go": "check"})
    assert check.status_code == 200 and "试算(未保存)" in check.text
    assert ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["items"] == []
    recorded = landed(desk, post(desk, "/console/counter", {**form, "go": "record"}))
    assert recorded.status_code == 200 and "已记录消费 ¥88.50" in recorded.text
    orders = ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["items"]
    assert [(o["external_id"], o["amount_fen"]) for o in orders] == [("POS-1", 8_850)]
    again = post(desk, "/console/counter", {**form, "amount": "90"})
    assert again.status_code == 422 and error_of(again.text, "order_no")


def test_the_pages_speak_english_when_asked(world: World) -> None:
    data = referral(world)
    desk = console(world.client, world.a.actors["staff2"].username)
    desk.cookies.set("lm_lang", "en")
    found = post(desk, "/console/counter", {"action": "lookup", "card": data["card_no"]})
    assert "Redeem a coupon or benefit" in found.text and "¥20.00 off" in found.text
    bad = post(desk, "/console/counter", {"action": "redeem", "member_card": data["card_no"],
                                          "coupon": f"c:{data['coupon']['code']}", "bill": "1.234"})
    assert error_of(bad.text, "bill") == "Enter an amount with at most 2 decimals, e.g. 199.00"
    assert "Issued / stock" in desk.get("/console/coupons").text
    assert "Joint cards" in desk.get("/console/joint-cards").text


def test_a_benefit_is_redeemed_with_the_card_and_a_used_coupon_is_refused_next_to_it(world: World) -> None:
    data = referral(world)
    agreement = ok(world.client.get(f"{API}/agreements", headers=world.a.actors["admin2"].headers), 200)["items"][0]
    benefit = ok(world.client.post(f"{API}/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "合作会员免费洗车", "kind": "free_item", "item_name": "洗车", "item_value_fen": 5_000,
        "agreement_id": agreement["id"]}))
    desk = console(world.client, world.a.actors["staff2"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": data["card_no"]})
    assert f'value="b:{benefit["id"]}"' in found.text and "赠 洗车(价值 ¥50.00)" in found.text
    used = landed(desk, post(desk, "/console/counter", {"action": "redeem", "member_card": data["card_no"],
                                                        "coupon": f"b:{benefit['id']}"}))
    assert used.status_code == 200 and "核销成功:合作会员免费洗车,优惠 ¥50.00" in used.text

    form = {"action": "redeem", "member_card": data["card_no"], "coupon": f"c:{data['coupon']['code']}"}
    assert post(desk, "/console/counter", form).status_code == 303
    again = post(desk, "/console/counter", form)
    assert again.status_code == 422 and error_of(again.text, "coupon") == "券已用完"
