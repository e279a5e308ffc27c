"""Seed 002 §2.5 and seed 000 mode 2, told through the API: the gym's shopping guide shares the service centre's
"free vehicle check" coupon as a link; a car owner claims it with his phone (and joins the alliance); he shows it
at the centre (arrival) and books a ¥1,850 first service (conversion); the gym and its guide see their rebates
frozen for the return window, then available; he rates the visit; the alliance switches to last-touch attribution
and a later touch by the school wins the next referral."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from tests.claiming import claim_by_phone
from tests.conftest import World

TERMS = [{"kind": "per_head", "amount_fen": 10_000, "payee": "both", "staff_amount_fen": 5_000, "payer": "b"},
         {"kind": "percent_of_order", "rate_bp": 300, "payee": "merchant", "payer": "b", "within_days": 30}]


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def activate(world: World, a: int, b: int, title: str) -> None:
    op = world.a.actors["operator"].headers
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": title, "merchant_a_id": a, "merchant_b_id": b, "modes": ["rights_exchange"],
        "commission_terms": TERMS, "return_window_days": 7}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)


def test_a_shared_coupon_brings_a_customer_and_pays_the_guide(world: World, session: Session) -> None:
    gym, centre, school = world.a.merchants
    guide = world.a.staff[gym]
    activate(world, gym, centre, "健身房 → 服务中心")
    activate(world, school, centre, "早教 → 服务中心")
    check = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测 价值¥300", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
        "valid_days": 30, "total_stock": 500}))

    # the guide shares it; a car owner claims it with his phone and joins the alliance through the gym
    link = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                json={"template_id": check["id"]}))
    claimed = ok(claim_by_phone(world.client, link["token"], "13688886666", name="陈先生", accept_terms=True))
    code = claimed["coupon"]["code"]
    assert claimed["new_member"] and claimed["coupon"]["referrer_staff_id"] == guide

    # at the centre: dry run, then the check itself (arrival), then the first service (conversion)
    desk = world.a.actors["staff2"].headers
    assert ok(world.client.post("/api/v1/coupons/validate", headers=desk, json={"code": code}), 200)["ok"]
    arrival = ok(world.client.post("/api/v1/coupons/redeem", headers=desk, json={"code": code}))
    first = ok(world.client.post(f"/api/v1/redemptions/{arrival['id']}/order", headers=desk, json={
        "external_id": "SVC-0001", "amount_fen": 185_000,
        "items": [{"name": "首保套餐", "quantity": 1, "unit_price_fen": 185_000}]}))
    order = ok(world.client.get(f"/api/v1/orders/{first['order_id']}", headers=desk), 200)
    assert (order["referrer_merchant_id"], order["referrer_staff_id"], order["points_earned"]) == (gym, guide, 1_850)

    # the gym and its guide: ¥100 + ¥55.50 (3%) to the gym, ¥50 to the guide, all frozen for 7 days
    gym_admin = world.a.actors["admin1"].headers
    rebates = ok(world.client.get("/api/v1/rebates", headers=gym_admin), 200)["items"]
    assert sorted((r["payee_type"], r["amount_fen"], r["status"]) for r in rebates) == [
        ("merchant", 5_550, "frozen"), ("merchant", 10_000, "frozen"), ("staff", 5_000, "frozen")]
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=7, minutes=5))
    rebates = ok(world.client.get("/api/v1/rebates", headers=gym_admin), 200)["items"]
    assert {r["status"] for r in rebates} == {"available"}

    # the centre served him: he is now its member too, and his next visit without a coupon is still the gym's
    # referral (first touch, 30 days): 3% again, but no second head
    again = ok(world.client.post("/api/v1/orders", headers=desk, json={
        "external_id": "SVC-0002", "member_id": order["member_id"], "amount_fen": 20_000}))
    assert again["referrer_merchant_id"] == gym
    rebates = ok(world.client.get(f"/api/v1/rebates?payee_id={gym}", headers=gym_admin), 200)["items"]
    assert sorted(r["amount_fen"] for r in rebates if r["status"] == "frozen") == [600]

    # the school hands him an alliance-wide voucher; under last-touch the school now gets the next referral
    op = world.a.actors["operator"].headers
    voucher = ok(world.client.post("/api/v1/coupon-templates", headers=op, json={
        "name": "联盟通用券 ¥20", "kind": "cash_voucher", "amount_fen": 2_000, "acceptance": "alliance"}))
    school_desk = world.a.actors["staff3"].headers
    card = ok(world.client.post("/api/v1/counter/lookup", headers=desk, json={"card_no": claimed["card_no"]}), 200)
    assert card["member_id"] == order["member_id"] and card["phone_masked"] == "136****6666"
    enrol = world.client.post("/api/v1/memberships", headers=school_desk, json={"card_no": claimed["card_no"]})
    assert enrol.status_code == 201, enrol.text
    ok(world.client.post("/api/v1/coupons/issue", headers=school_desk, json={
        "template_id": voucher["id"], "member_id": order["member_id"]}))
    ok(world.client.patch(f"/api/v1/alliances/{world.a.alliance_id}", headers=op,
                          json={"attribution_rule": "last_touch"}), 200)
    third = ok(world.client.post("/api/v1/orders", headers=desk, json={
        "external_id": "SVC-0003", "member_id": order["member_id"], "amount_fen": 30_000}))
    assert (third["referrer_merchant_id"], third["referrer_staff_id"]) == (school, world.a.staff[school])
