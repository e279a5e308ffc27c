"""Paying at the counter with alliance points and stored value: the desk shows what the member has, the first
press is a dry run showing the split (points, stored value, cash) with nothing written, the confirm records the
order through orders.service as POST /orders does; too many points, too much stored value or more than the bill
is refused next to its field and writes nothing; a refund from the counter gives points and stored value back."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.web.console import console
from tests.integration.web.test_counter_pages import API, card_of, error_of, landed, ok, post


def balances(world: World, member_id: int) -> dict[str, int]:
    found = ok(world.client.get(f"{API}/balances?owner_type=member&owner_id={member_id}",
                                headers=world.a.actors["admin2"].headers), 200)["accounts"]
    return {a["kind"]: a["balance"] for a in found if a["balance"]}


def funded(world: World) -> tuple[int, str]:
    """m2's own member with 1,000 points (¥10.00, from a ¥1,000 order) and ¥300.00 of stored value at m2."""
    m2 = world.a.merchants[1]
    member = world.a.members[m2]
    admin = world.a.actors["admin2"].headers
    ok(world.client.post(f"{API}/orders", headers=admin, json={"external_id": "EARN-1", "member_id": member,
                                                               "amount_fen": 100_000}))
    ok(world.client.post(f"{API}/top-ups", headers=admin, json={"external_id": "TOP-1", "member_id": member,
                                                                "amount_fen": 30_000}))
    return member, card_of(world, member)


def orders(world: World) -> list[dict[str, object]]:
    return ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["items"]


def pay(desk: TestClient, card: str, **fields: str) -> object:
    return post(desk, "/console/counter", {"action": "order", "member_card": card, **fields})


def test_the_split_is_shown_first_and_the_confirm_pays_with_points_and_stored_value(world: World) -> None:
    member, card = funded(world)
    assert balances(world, member) == {"points": 1_000, "stored_value": 30_000}
    desk = console(world.client, world.a.actors["staff2"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": card})
    assert "可用 1,000 积分(值 ¥10.00)" in found.text and "本店储值余额 ¥300.00" in found.text

    preview = pay(desk, card, amount="200", points="800", stored_value="150", order_no="POS-P1", go="record")
    assert preview.status_code == 200 and "试算(未保存)" in preview.text  # type: ignore[attr-defined]
    text = preview.text  # type: ignore[attr-defined]
    assert 'id="result-points">800 积分 = ¥8.00<' in text
    assert 'id="result-stored-value">¥150.00<' in text and 'id="result-paid">¥42.00<' in text
    assert 'id="confirm-pay"' in text
    assert len(orders(world)) == 1 and balances(world, member) == {"points": 1_000, "stored_value": 30_000}

    confirm = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                              text[text.index('id="confirm-form"'):text.index('id="confirm-pay"')]))
    assert {k: confirm[k] for k in ("amount", "points", "stored_value", "order_no")} == {
        "amount": "200", "points": "800", "stored_value": "150", "order_no": "POS-P1"}
    done = landed(desk, desk.post("/console/counter", data={**confirm, "go": "confirm"}, follow_redirects=False))
    assert done.status_code == 200 and "已记录消费 ¥200.00,其中现金/刷卡 ¥42.00" in done.text
    assert 'id="result-points">800 积分 = ¥8.00<' in done.text and 'id="result-paid">¥42.00<' in done.text
    again = desk.post("/console/counter", data={**confirm, "go": "confirm"}, follow_redirects=False)  # sent twice
    assert again.status_code == 303  # the same order
    paid = [o for o in orders(world) if o["external_id"] == "POS-P1"]
    assert [(o["amount_fen"], o["points_used"], o["stored_value_fen"], o["cash_fen"]) for o in paid] == [
        (20_000, 800, 15_000, 4_200)]
    earned = int(paid[0]["points_earned"])  # type: ignore[call-overload]
    assert earned == 192  # on what was paid in money: ¥42 cash + ¥150 stored value
    assert balances(world, member) == {"points": 1_000 - 800 + earned, "stored_value": 15_000}

    # a full refund from the counter gives the points and stored value back and takes the earned points back
    order_id = paid[0]["id"]
    page = desk.get(f"/console/counter/orders/{order_id}")
    assert 'id="order-points">800 积分 = ¥8.00<' in page.text and 'id="order-stored-value">¥150.00<' in page.text
    number = re.search(r'name="refund_no" value="([^"]+)"', page.text)
    assert number
    refunded = post(desk, f"/console/counter/orders/{order_id}/refunds",
                    {"refund_no": number.group(1), "amount": "200", "reason": "整单退"},
                    page=f"/console/counter/orders/{order_id}")
    assert refunded.status_code == 303  # type: ignore[attr-defined]
    assert balances(world, member) == {"points": 1_000, "stored_value": 30_000}


def test_more_than_the_member_has_or_the_bill_is_refused_next_to_its_field(world: World) -> None:
    member, card = funded(world)
    desk = console(world.client, world.a.actors["staff2"].username)
    for fields, where, message in [
        ({"points": "5000"}, "points", "积分不足:可用 1000,需要 5000"),
        ({"stored_value": "400", "amount": "500"}, "stored_value", "余额不足(储值余额)"),
        ({"points": "600", "stored_value": "199"}, "points", "积分与储值支付超过订单金额"),
        ({"points": "1.5"}, "points", "请输入整数积分,如 500"),
        ({"stored_value": "-1"}, "stored_value", "金额不能为负数"),
    ]:
        for go in ("record", "confirm"):
            refused = pay(desk, card, **{"amount": "200", "order_no": "POS-X", "go": go, **fields})
            assert refused.status_code == 422, (fields, go)  # type: ignore[attr-defined]
            assert message in (error_of(refused.text, where) or ""), (fields, go)  # type: ignore[attr-defined]
    assert len(orders(world)) == 1 and balances(world, member) == {"points": 1_000, "stored_value": 30_000}
