"""One sale at the counter with a coupon AND points / stored value: the coupon takes its discount, the rest is paid
with points, stored value and cash. The first press is a dry run showing the split with nothing written (the
coupon still unused); the confirm redeems the coupon and attaches the order to the redemption (the API's
POST /redemptions + POST /redemptions/{id}/order, in one transaction), then POST-redirect-GET; a second confirm is
the same sale. Too many points or more than the rest is refused next to its field, and nothing is written."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import World
from tests.integration.counter.test_pay import balances, funded, orders
from tests.integration.web.console import console
from tests.integration.web.test_counter_pages import API, error_of, landed, ok, post


def own_coupon(world: World, member: int) -> dict[str, Any]:
    """m2's ¥20-off coupon (minimum spend ¥100) handed to m2's own member."""
    admin = world.a.actors["admin2"].headers
    template = ok(world.client.post(f"{API}/coupon-templates", headers=admin, json={
        "name": "到店立减20", "kind": "amount_off", "amount_fen": 2_000, "min_spend_fen": 10_000, "valid_days": 30,
        "total_stock": 100}))
    return dict(ok(world.client.post(f"{API}/coupons/issue", headers=world.a.actors["staff2"].headers,
                                     json={"template_id": template["id"], "member_id": member})))


def uses_left(world: World, coupon_id: int) -> int:
    return int(ok(world.client.get(f"{API}/coupons/{coupon_id}", headers=world.a.actors["staff2"].headers),
                  200)["uses_left"])


def redeem(desk: Any, card: str, **fields: str) -> Any:
    return post(desk, "/console/counter", {"action": "redeem", "member_card": card, **fields})


def test_a_coupon_and_points_and_stored_value_in_one_sale(world: World) -> None:
    member, card = funded(world)  # 1,000 points (¥10.00), ¥300.00 stored value at m2
    coupon = own_coupon(world, member)
    desk = console(world.client, world.a.actors["staff2"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": card})
    assert 'id="f-r_points"' in found.text and 'id="f-r_stored_value"' in found.text

    preview = redeem(desk, card, coupon=f"c:{coupon['code']}", bill="200", r_points="500", r_stored_value="100",
                     go="redeem")
    text = preview.text
    assert preview.status_code == 200 and "试算(未保存)" in text
    assert 'id="result-discount">¥20.00<' in text and 'id="result-points">500 积分 = ¥5.00<' in text
    assert 'id="result-stored-value">¥100.00<' in text and 'id="result-paid">¥75.00<' in text  # 200-20-5-100
    assert 'id="confirm-pay"' in text
    assert uses_left(world, coupon["id"]) == 1 and len(orders(world)) == 1  # the dry run wrote nothing
    assert balances(world, member) == {"points": 1_000, "stored_value": 30_000}

    form = text[text.index('id="confirm-form"'):text.index('id="confirm-pay"')]
    confirm = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert confirm["action"] == "redeem" and confirm["r_points"] == "500" and confirm["order_ref"].startswith("CTR-")
    sent = desk.post("/console/counter", data={**confirm, "go": "confirm"}, follow_redirects=False)
    done = landed(desk, sent)
    assert "核销成功:到店立减20,优惠 ¥20.00,现金/刷卡 ¥75.00" in done.text
    assert 'id="result-points">500 积分 = ¥5.00<' in done.text and 'id="result-paid">¥75.00<' in done.text
    again = desk.post("/console/counter", data={**confirm, "go": "confirm"}, follow_redirects=False)
    assert again.status_code == 422 and error_of(again.text, "coupon")  # the coupon is used: nothing twice

    paid = [o for o in orders(world) if o["external_id"] == confirm["order_ref"]]
    assert [(o["amount_fen"], o["points_used"], o["stored_value_fen"], o["cash_fen"]) for o in paid] == [
        (18_000, 500, 10_000, 7_500)]
    earned = int(str(paid[0]["points_earned"]))
    assert balances(world, member) == {"points": 1_000 - 500 + earned, "stored_value": 20_000}
    assert uses_left(world, coupon["id"]) == 0
    redemption = int(sent.headers["location"].split("redeemed=")[1])
    used = ok(world.client.get(f"{API}/redemptions/{redemption}", headers=world.a.actors["admin2"].headers), 200)
    assert used["order_id"] == paid[0]["id"] and used["discount_fen"] == 2_000


def test_too_many_points_or_more_than_the_rest_is_refused_and_nothing_is_written(world: World) -> None:
    member, card = funded(world)
    coupon = own_coupon(world, member)
    desk = console(world.client, world.a.actors["staff2"].username)
    choice = f"c:{coupon['code']}"
    for fields, where, message in [
        ({"r_points": "5000"}, "r_points", "积分不足:可用 1000,需要 5000"),
        ({"r_stored_value": "400", "bill": "500"}, "r_stored_value", "余额不足(储值余额)"),
        ({"r_points": "600", "r_stored_value": "180"}, "r_points", "积分与储值支付超过订单金额"),
        ({"r_points": "1.5"}, "r_points", "请输入整数积分,如 500"),
        ({"r_points": "100", "bill": ""}, "bill", "记录订单需要消费金额"),
    ]:
        for go in ("redeem", "confirm"):
            refused = redeem(desk, card, **{"coupon": choice, "bill": "200", "go": go, **fields})
            assert refused.status_code == 422, (fields, go)
            assert message in (error_of(refused.text, where) or ""), (fields, go, refused.text[-3000:])
    assert uses_left(world, coupon["id"]) == 1 and len(orders(world)) == 1
    assert balances(world, member) == {"points": 1_000, "stored_value": 30_000}
    # without points or stored value the desk redeems as before (one press, the order with the typed receipt)
    plain = redeem(desk, card, coupon=choice, bill="200", receipt="POS-C1", go="redeem")
    assert "现金" not in landed(desk, plain).text.split("核销成功")[1][:40]
    assert [o["cash_fen"] for o in orders(world) if o["external_id"] == "POS-C1"] == [18_000]
