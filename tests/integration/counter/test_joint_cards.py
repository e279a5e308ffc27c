"""Using a joint card's component from the counter desk: after finding the member, the desk lists their active
joint cards with only the components served at this merchant and what is left of each, and one form uses one.
The use goes through jointcards.service as POST /joint-cards/{id}/consume does and answers with a redirect
(POST-redirect-GET) to the card's page, which says what was used and leads back to the desk with the same member;
a reload uses nothing twice. A merchant outside the card sees nothing of it, at the desk or through the links."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import World
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_counter_pages import API, card_of, error_of, joint_product, landed, ok, post


def sold_card(world: World) -> tuple[dict[str, Any], dict[str, Any], str]:
    """m1 sells m1's member the joint card (2 car washes at m1, a gym month at m2)."""
    tier = joint_product(world)["tiers"][0]
    member = world.a.members[world.a.merchants[0]]
    sold = ok(world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers, json={
        "external_id": "JC-1", "tier_id": tier["id"], "member_id": member}))
    return tier, sold, card_of(world, member)


def units_left(world: World, card_id: int) -> list[int]:
    card = ok(world.client.get(f"{API}/joint-cards/{card_id}", headers=world.a.actors["operator"].headers), 200)
    return [int(i["units_left"]) for i in card["items"]]


def options_of(html: str, card_id: int) -> list[str]:
    select = html.split(f'id="jc-{card_id}-component"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d+)"', select)


def test_the_desk_uses_a_component_served_here_in_one_step_and_a_reload_uses_nothing(world: World) -> None:
    tier, sold, card = sold_card(world)
    wash, gym = tier["components"]
    desk = console(world.client, world.a.actors["staff1"].username)
    found = post(desk, "/console/counter", {"action": "lookup", "card": card})
    assert found.status_code == 200 and f'id="joint-card-{sold["id"]}"' in found.text
    assert "城市生活联名卡 · 经济版" in found.text and "汽车精洗 · 剩 2/2 次" in found.text
    assert options_of(found.text, sold["id"]) == [str(wash["id"])]  # the gym's month is not offered here

    used = desk.post(f"/console/joint-cards/{sold['id']}/consume", follow_redirects=False, data={
        "csrf": csrf_of(found.text), "from": "counter", "component_id": str(wash["id"]), "units": "1"})
    assert used.status_code == 303
    location = used.headers["location"]
    assert re.fullmatch(rf"/console/joint-cards/{sold['id']}\?used=\d+&from=counter", location)
    result = desk.get(location)
    assert result.status_code == 200 and "已核销 汽车精洗 ×1,剩 1 次" in result.text
    assert units_left(world, sold["id"]) == [1, 1]
    assert desk.get(location).status_code == 200 and units_left(world, sold["id"]) == [1, 1]  # a reload: nothing

    back = re.search(r'href="(/console/counter\?joint_card=\d+)" id="back-to-counter"', result.text)
    assert back, "the card's page leads back to the desk with the same member"
    again = desk.get(back.group(1))
    assert again.status_code == 200 and 'id="member-card"' in again.text and "汽车精洗 · 剩 1/2 次" in again.text

    # the card page's form, reached from the desk, still refuses another merchant's component next to its field
    refused = desk.post(f"/console/joint-cards/{sold['id']}/consume", data={
        "csrf": csrf_of(again.text), "from": "counter", "component_id": str(gym["id"]), "units": "1"})
    assert refused.status_code == 422 and "该项目属于其他商户" in (error_of(refused.text, "component_id") or "")
    assert 'id="back-to-counter"' in refused.text and units_left(world, sold["id"]) == [1, 1]

    # used up here: the desk says so instead of offering a form
    ok(world.client.post(f"{API}/joint-cards/{sold['id']}/consume", headers=world.a.actors["staff1"].headers,
                         json={"component_id": wash["id"], "units": 1}))
    empty = desk.get(back.group(1))
    assert f'id="jc-{sold["id"]}-use"' not in empty.text and "本卡在本店的项目已用完" in empty.text


def test_the_partner_serving_the_other_component_uses_its_own_and_an_outsider_sees_nothing(world: World) -> None:
    tier, sold, card = sold_card(world)
    _, gym = tier["components"]
    gym_desk = console(world.client, world.a.actors["staff2"].username)
    found = post(gym_desk, "/console/counter", {"action": "lookup", "card": card})
    assert options_of(found.text, sold["id"]) == [str(gym["id"])]
    used = landed_on_card(gym_desk, post(gym_desk, f"/console/joint-cards/{sold['id']}/consume",
                                         {"from": "counter", "component_id": str(gym["id"]), "units": "1"},
                                         page="/console/counter"))
    assert "已核销 健身月卡 ×1,剩 0 月卡" in used.text and units_left(world, sold["id"]) == [2, 0]

    outsider = console(world.client, world.a.actors["staff3"].username)  # m3 has no component on the card
    seen = post(outsider, "/console/counter", {"action": "lookup", "card": card})
    assert seen.status_code == 200 and f'id="joint-card-{sold["id"]}"' not in seen.text
    assert outsider.get(f"/console/counter?joint_card={sold['id']}").status_code == 404


def landed_on_card(client: Any, response: Any) -> Any:
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/console/joint-cards/")
    return client.get(response.headers["location"])


def test_a_result_id_shows_only_what_happened_at_this_merchant(world: World) -> None:
    """The redirect after a write names the order or coupon use; another merchant cannot read it through the desk."""
    m2 = world.a.merchants[1]
    desk = console(world.client, world.a.actors["staff2"].username)
    form = {"action": "order", "member_card": card_of(world, world.a.members[m2]), "amount": "50",
            "order_no": "POS-R1", "go": "record"}
    done = post(desk, "/console/counter", form)
    assert done.status_code == 303 and re.fullmatch(r"/console/counter\?recorded=\d+", done.headers["location"])
    assert "已记录消费 ¥50.00" in landed(desk, done).text
    other = console(world.client, world.a.actors["staff1"].username)
    assert other.get(done.headers["location"]).status_code == 404
    assert other.get("/console/counter?redeemed=999999").status_code == 404
