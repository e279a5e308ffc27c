"""A free item costs the merchant what it costs them, not what it is worth: `cost_to_merchant_fen` on the template
(API and console form), fixed on each use, used in acquisition cost; without it the value is counted and said."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import World
from tests.integration.web.console import console
from tests.integration.web.test_counter_pages import activate, post
from tests.integration.web.test_reports_pages import figure

API = "/api/v1"
CHECK = {"name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
         "valid_days": 30, "per_member_limit": 5}


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def hand_out_and_use(world: World, template_id: int, receipt: str) -> dict[str, Any]:
    """m1's guide gives its member the coupon; the member uses it at m2 and buys ¥500 there."""
    member_id = world.a.members[world.a.merchants[0]]
    coupon = ok(world.client.post(f"{API}/coupons/issue", headers=world.a.actors["staff1"].headers,
                                  json={"template_id": template_id, "member_id": member_id}))
    return dict(ok(world.client.post(f"{API}/coupons/redeem", headers=world.a.actors["staff2"].headers, json={
        "code": coupon["code"], "bill_fen": 50_000, "order_external_id": receipt})))


def funnel_row(world: World) -> dict[str, Any]:
    m1, m2, _ = world.a.merchants
    body = ok(world.client.get(f"{API}/referrals/funnel", headers=world.a.actors["admin2"].headers), 200)
    return dict(next(r for r in body["items"] if (r["referrer_merchant_id"], r["receiving_merchant_id"]) == (m1, m2)))


def test_a_free_items_cost_to_the_merchant_is_its_acquisition_cost(world: World) -> None:
    m1, m2, _ = world.a.merchants
    activate(world, m1, m2)  # m2 pays m1 ¥100 and the guide ¥50 per referred head
    centre = world.a.actors["admin2"].headers
    template = ok(world.client.post(f"{API}/coupon-templates", headers=centre,
                                    json={**CHECK, "cost_to_merchant_fen": 6_000}))
    assert template["cost_to_merchant_fen"] == 6_000
    used = hand_out_and_use(world, template["id"], "POS-1")
    assert (used["discount_fen"], used["cost_fen"]) == (30_000, 6_000)
    row = funnel_row(world)
    assert (row["discount_fen"], row["benefit_cost_fen"], row["costed_at_value"]) == (30_000, 6_000, 0)
    # ¥60 of labour and parts + ¥100 to the gym + ¥50 to its guide, not the ¥300 the check is worth
    assert row["acquisition_cost_fen"] == 6_000 + 10_000 + 5_000
    page = console(world.client, world.a.actors["admin2"].username).get("/console/dashboard?period=month")
    assert figure(page.text, "fig-cac") == "¥210.00" and 'id="costed-at-value"' not in page.text


def test_without_a_set_cost_the_value_is_counted_and_the_dashboard_says_so(world: World) -> None:
    centre = world.a.actors["admin2"].headers
    template = ok(world.client.post(f"{API}/coupon-templates", headers=centre, json=CHECK))
    assert template["cost_to_merchant_fen"] is None
    assert hand_out_and_use(world, template["id"], "POS-1")["cost_fen"] is None
    row = funnel_row(world)
    assert (row["benefit_cost_fen"], row["costed_at_value"]) == (30_000, 1)
    page = console(world.client, world.a.actors["admin2"].username).get("/console/dashboard?period=month")
    assert re.search(r'id="costed-at-value">有 1 次赠品未设置实际成本', page.text)
    # set later: later uses cost the set cost, the earlier one stays as it was counted
    patched = ok(world.client.patch(f"{API}/coupon-templates/{template['id']}", headers=centre,
                                    json={"cost_to_merchant_fen": 4_000}), 200)
    assert patched["cost_to_merchant_fen"] == 4_000
    assert hand_out_and_use(world, template["id"], "POS-2")["cost_fen"] == 4_000
    row = funnel_row(world)
    assert (row["benefit_cost_fen"], row["costed_at_value"]) == (30_000 + 4_000, 1)


def test_a_cost_is_for_free_items_only_and_never_above_their_value(world: World) -> None:
    centre = world.a.actors["admin2"].headers
    for body in ({**CHECK, "cost_to_merchant_fen": 30_001},
                 {"name": "立减20", "kind": "amount_off", "amount_fen": 2_000, "cost_to_merchant_fen": 1_000},
                 {**CHECK, "cost_to_merchant_fen": -1}, {**CHECK, "cost_to_merchant_fen": "60"}):
        refused = world.client.post(f"{API}/coupon-templates", headers=centre, json=body)
        assert refused.status_code == 422, (body, refused.text)
    voucher = ok(world.client.post(f"{API}/coupon-templates", headers=centre,
                                   json={"name": "立减20", "kind": "amount_off", "amount_fen": 2_000}))
    patched = world.client.patch(f"{API}/coupon-templates/{voucher['id']}", headers=centre,
                                 json={"cost_to_merchant_fen": 1_000})
    assert patched.status_code == 422 and patched.json()["error"]["code"] == "invalid_template"


def test_the_publish_form_takes_the_items_cost_in_yuan(world: World) -> None:
    desk = console(world.client, world.a.actors["admin2"].username)
    form = {"name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value": "300",
            "item_cost": "60", "per_member_limit": "1", "uses_per_coupon": "1", "acceptance": "owner"}
    published = post(desk, "/console/coupons", form)
    assert published.status_code == 303, published.text
    templates = ok(world.client.get(f"{API}/coupon-templates", headers=world.a.actors["admin2"].headers), 200)
    assert [(t["name"], t["cost_to_merchant_fen"]) for t in templates["items"]] == [("免费车辆检测", 6_000)]
    wrong = post(desk, "/console/coupons", {**form, "kind": "amount_off", "amount": "20"})
    assert wrong.status_code == 422
    assert re.search(r'id="e-item_cost" role="alert">只有赠品/体验券另填成本', wrong.text)
    wrong = post(desk, "/console/coupons", {**form, "item_cost": "301"})
    assert wrong.status_code == 422 and re.search(r'id="e-item_cost" role="alert">成本不能高于赠品价值', wrong.text)
