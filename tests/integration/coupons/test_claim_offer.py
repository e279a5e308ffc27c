"""Issue 11 item 6: a claim link tells who hands the coupon out, whose coupon it is, where it is accepted (stores
with addresses, nearest first with a location), what it is worth, the minimum spend and the validity (Beijing
time) — the demo's case of a gym's (B) coupon handed out by the service centre (A)."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import World
from tests.integration.coupons.test_coupons import agree


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def gym_coupon_from_the_centre(world: World, **extra: Any) -> tuple[str, dict[str, Any]]:
    """Merchant B (m2, "the gym") publishes; merchant A's guide (m1, "the centre") hands it out. B has two more
    stores: one in Bao'an (far west) and one in Futian near A's store."""
    m2 = world.a.merchants[1]
    op = world.a.actors["operator"].headers
    stores = (("宝安店", "宝安大道 88 号", 22.60, 113.88), ("福田店", "福华路 6 号", 22.541, 114.051))
    for name, address, lat, lng in stores:
        ok(world.client.post(f"/api/v1/merchants/{m2}/stores", headers=op, json={
            "name": name, "address": address, "latitude": lat, "longitude": lng}))
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "私教体验", "kind": "amount_off", "amount_fen": 195_000, "min_spend_fen": 300_000,
        "valid_from": "2026-01-01T00:00:00+08:00", "valid_until": "2030-12-31T23:59:00+08:00", **extra}))
    link = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                json={"template_id": template["id"]}))
    return str(link["token"]), template


def test_the_public_claim_json_names_giver_owner_places_worth_and_window(world: World) -> None:
    m1, m2, _ = world.a.merchants
    token, _ = gym_coupon_from_the_centre(world)
    page = ok(world.client.get(f"/api/v1/claim/{token}"), 200)
    assert page["given_by"] == {"merchant_id": m1, "merchant_name": "alpha merchant 1",
                                "store_id": world.a.stores[m1], "store_name": f"store {m1}"}
    assert page["offered_by_merchant_id"] == m2 and page["offered_by_name"] == "alpha merchant 2"
    assert page["value_text"] == "立减 ¥1,950.00"
    assert page["min_spend_fen"] == 300_000 and page["min_spend_text"] == "满 ¥3,000.00 可用"
    assert page["validity_text"] == "2026-01-01 00:00 至 2030-12-31 23:59(北京时间)"
    places = page["accepted_at"]
    assert {p["merchant_id"] for p in places} == {m2}  # B's stores only, never the centre's
    assert [p["store_name"] for p in places] == [f"store {m2}", "宝安店", "福田店"]
    assert places[1]["address"] == "宝安大道 88 号" and places[0]["distance_m"] is None
    assert page["sorted_by_distance"] is False
    # from Bao'an: the Bao'an store first, then by distance
    near = ok(world.client.get(f"/api/v1/claim/{token}?lat=22.60&lng=113.88"), 200)
    assert [p["store_name"] for p in near["accepted_at"]] == ["宝安店", f"store {m2}", "福田店"]
    assert near["accepted_at"][0]["distance_m"] == 0 and near["sorted_by_distance"] is True
    distances = [p["distance_m"] for p in near["accepted_at"]]
    assert distances == sorted(distances)
    english = ok(world.client.get(f"/api/v1/claim/{token}", headers={"Accept-Language": "en"}), 200)
    assert english["value_text"] == "¥1,950.00 off" and english["min_spend_text"] == "spend ¥3,000.00 or more"
    assert english["validity_text"] == "2026-01-01 00:00 to 2030-12-31 23:59 (Beijing time)"
    assert world.client.get(f"/api/v1/claim/{token}?lat=95&lng=0").status_code == 422


def test_selected_and_alliance_wide_coupons_list_every_accepting_store(world: World) -> None:
    m1, m2, m3 = world.a.merchants
    token, _ = gym_coupon_from_the_centre(world, acceptance="selected", accepted_merchant_ids=[m3],
                                          valid_from=None, valid_until=None, valid_days=30)
    page = ok(world.client.get(f"/api/v1/claim/{token}"), 200)
    assert {p["merchant_id"] for p in page["accepted_at"]} == {m3}
    assert page["validity_text"] == "领取后 30 天内有效"
    voucher = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["operator"].headers, json={
        "name": "联盟代金券", "kind": "cash_voucher", "amount_fen": 5_000, "acceptance": "alliance"}))
    link = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff3"].headers,
                                json={"template_id": voucher["id"]}))
    everywhere = ok(world.client.get(f"/api/v1/claim/{link['token']}"), 200)
    assert {p["merchant_id"] for p in everywhere["accepted_at"]} == {m1, m2, m3}
    assert everywhere["offered_by_merchant_id"] is None and everywhere["offered_by_name"] == "联盟 alpha"
    assert everywhere["min_spend_text"] == "无门槛" and everywhere["validity_text"] == "长期有效"
    assert world.b.merchants[0] not in {p["merchant_id"] for p in everywhere["accepted_at"]}


def test_the_landing_page_says_whose_coupon_and_where_nearest_first(world: World) -> None:
    m1, m2, _ = world.a.merchants
    token, _ = gym_coupon_from_the_centre(world)
    landing = world.client.get(f"/c/{token}?lat=22.60&lng=113.88")
    assert landing.status_code == 200
    text = landing.text
    assert re.search(r'id="given-by">alpha merchant 1 · store \d+<', text)
    assert 'id="offered-by">alpha merchant 2<' in text
    assert "立减 ¥1,950.00" in text and "满 ¥3,000.00 可用" in text
    assert "2026-01-01 00:00 至 2030-12-31 23:59(北京时间)" in text
    stores = re.findall(r'class="place-store">([^<]+)<', text)
    assert stores == ["宝安店", f"store {m2}", "福田店"]
    assert f"store {m1}" not in stores and "宝安大道 88 号" in text and "0 米" in text
    assert '<script src="/static/locate.js"' in text
    assert world.client.get("/static/locate.js").status_code == 200


def _member_headers(world: World, member_id: int) -> dict[str, str]:
    """A member's bearer header, by scanning its card QR (as the cashier's app does)."""
    qr = ok(world.client.get(f"/api/v1/members/{member_id}/card", headers=world.a.actors["operator"].headers),
            200)["qr_payload"]
    token = ok(world.client.post("/api/v1/auth/member/card", json={"qr_payload": qr}), 200)["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_member_takes_a_partners_offer_through_the_api(world: World) -> None:
    """The partners list's one tap, as an API call: the member's own coupon, no referrer; the per-member limit, a
    benefit or a staff login refused; another alliance's template not found."""
    m1 = world.a.merchants[0]
    me = _member_headers(world, world.a.members[m1])
    offer = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000}))
    coupon = ok(world.client.post(f"/api/v1/coupon-templates/{offer['id']}/take", headers=me))
    assert coupon["member_id"] == world.a.members[m1] and coupon["template_id"] == offer["id"]
    assert coupon["referrer_merchant_id"] is None and coupon["claimed_at"] is not None
    again = world.client.post(f"/api/v1/coupon-templates/{offer['id']}/take", headers=me)
    assert again.status_code == 422 and again.json()["error"]["code"] == "member_limit_reached"
    staff = world.client.post(f"/api/v1/coupon-templates/{offer['id']}/take", headers=world.a.actors["staff1"].headers)
    assert staff.status_code == 403
    beta = ok(world.client.post("/api/v1/coupon-templates", headers=world.b.actors["admin1"].headers, json={
        "name": "别的联盟", "kind": "amount_off", "amount_fen": 100}))
    assert world.client.post(f"/api/v1/coupon-templates/{beta['id']}/take", headers=me).status_code == 404
    benefit = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "健身会员免费洗车", "kind": "free_item", "item_name": "洗车", "item_value_fen": 5_000,
        "agreement_id": agree(world)}))
    shown_at_the_counter = world.client.post(f"/api/v1/coupon-templates/{benefit['id']}/take", headers=me)
    assert shown_at_the_counter.status_code == 422
    assert shown_at_the_counter.json()["error"]["code"] == "offer_not_claimable"
