"""An order for a partner's member not yet enrolled here: the desk offers the order form with a tick for the
member's consent, and on the card they showed enrols them and records the order in one transaction. Without the
tick nothing is written; a dry run writes neither the membership nor the order; a refused order leaves no
membership behind."""

from __future__ import annotations

from tests.conftest import World
from tests.integration.web.console import console
from tests.integration.web.test_counter_pages import API, error_of, landed, ok, post, referral


def memberships(world: World, member_id: int) -> list[int]:
    found = ok(world.client.get(f"{API}/memberships?member_id={member_id}",
                                headers=world.a.actors["operator"].headers), 200)["items"]
    return sorted(m["merchant_id"] for m in found)


def orders(world: World) -> list[dict[str, object]]:
    return ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["items"]


def test_a_partners_member_is_enrolled_and_the_order_recorded_in_one_step(world: World) -> None:
    data = referral(world)  # m1's member, with a coupon of m2, not enrolled at m2
    m1, m2, _ = world.a.merchants
    before = memberships(world, data["member_id"])
    assert m2 not in before
    desk = console(world.client, world.a.actors["staff2"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": data["card_no"]})
    assert 'id="f-enrol"' in found.text and "入会并记录消费" in found.text
    form = {"action": "order", "member_card": data["card_no"], "amount": "300", "order_no": "POS-E1"}

    unticked = post(desk, "/console/counter", {**form, "go": "record"})
    assert unticked.status_code == 422
    assert error_of(unticked.text, "enrol") == "请先征得会员同意,勾选加入本店会员"
    dry = post(desk, "/console/counter", {**form, "enrol": "yes", "go": "check"})
    assert dry.status_code == 200 and "试算(未保存)" in dry.text
    refused = post(desk, "/console/counter", {**form, "enrol": "yes", "points": "999999", "go": "confirm"})
    assert refused.status_code == 422 and error_of(refused.text, "points")
    assert memberships(world, data["member_id"]) == before and orders(world) == []

    done = landed(desk, post(desk, "/console/counter", {**form, "enrol": "yes", "go": "record"}))
    assert done.status_code == 200 and "已加入本店会员,已记录消费 ¥300.00" in done.text
    assert memberships(world, data["member_id"]) == sorted([*before, m2])
    assert [(o["external_id"], o["member_id"], o["amount_fen"]) for o in orders(world)] == [
        ("POS-E1", data["member_id"], 30_000)]
    assert 'id="f-enrol"' not in done.text and 'id="member-tier">普通会员<' in done.text  # served here now
    assert 'id="member-name">会员1<' in done.text  # and so named in full
    assert m1 in memberships(world, data["member_id"])
