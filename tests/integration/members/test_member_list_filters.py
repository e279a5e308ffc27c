"""The console's member list, filtered server-side by merchant (the operator's), tier, value class and stars, and
searched by card number, name or the phone's last four digits; paged with the filters kept; never another
merchant's members."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from tests.conftest import World
from tests.integration.values.helpers import add_member
from tests.integration.values.test_api import seed
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
ROW = re.compile(r'<tr data-member="(\d+)">')


def listed(browser: Any, query: str = "") -> set[int]:
    response = browser.get(f"/console/members{query}")
    assert response.status_code == 200, response.text
    return {int(i) for i in ROW.findall(response.text)}


def make_gold(world: World, member_id: int) -> None:
    headers = world.a.actors["admin1"].headers
    page = world.client.get(f"{API}/memberships", params={"member_id": member_id,
                                                          "merchant_id": world.a.merchants[0]}, headers=headers)
    membership = page.json()["items"][0]["id"]
    response = world.client.patch(f"{API}/memberships/{membership}", json={"tier": "gold"}, headers=headers)
    assert response.status_code == 200, response.text


def test_a_merchant_filters_its_members_by_tier_value_class_and_stars(world: World, session: Session) -> None:
    m2 = world.a.merchants[1]
    member = seed(world, session)  # m1's member: important_value at m1, 6 stars; six others ranked lower at m1
    make_gold(world, member)
    admin1 = console(world.client, world.a.actors["admin1"].username)
    everyone = listed(admin1)
    assert member in everyone and len(everyone) == 7
    assert listed(admin1, "?value=important_value") == {member}
    assert member not in listed(admin1, "?value=general_winback")
    assert listed(admin1, "?stars=6") == {member} and listed(admin1, "?stars=7") == set()
    assert listed(admin1, "?tier=gold") == {member} and listed(admin1, "?tier=black") == set()
    assert listed(admin1, "?tier=gold&value=important_value&stars=6") == {member}
    # unknown codes are ignored, not errors; a merchant's "merchant" filter cannot reach another merchant
    assert listed(admin1, "?tier=platinum&value=vip&stars=99") == everyone
    assert listed(admin1, f"?merchant={m2}") == everyone
    page = admin1.get("/console/members?value=important_value")
    assert "重要价值" in page.text and "important_value</option>" not in page.text
    assert 'value="important_value" selected' in page.text and 'id="f-merchant"' not in page.text

    # the member spent at m2 too, and has a value row there: m2 still never sees it (not its member)
    admin2 = console(world.client, world.a.actors["admin2"].username)
    assert member not in listed(admin2, "?value=important_value")
    assert member not in listed(admin2, "?stars=6") and listed(admin2, "?tier=gold") == set()
    assert listed(admin2) == {world.a.members[m2]}
    admin3 = console(world.client, world.a.actors["admin3"].username)
    assert listed(admin3, "?stars=1") == set()  # m3's member never ordered: no stars


def test_search_by_the_phones_last_four_digits_card_or_name(world: World) -> None:
    m1, _, m3 = world.a.merchants
    operator = console(world.client, world.a.actors["operator"].username)
    assert listed(operator, "?q=0002") == {world.a.members[m3]}  # 139****0002
    admin1 = console(world.client, world.a.actors["admin1"].username)
    assert listed(admin1, "?q=0002") == set()  # m3's member: not ours
    assert listed(admin1, "?q=0000") == {world.a.members[m1]}
    assert listed(admin1, "?q=会员1") == {world.a.members[m1]}
    card = world.client.get(f"{API}/members/{world.a.members[m1]}", headers=world.a.actors["admin1"].headers)
    assert listed(admin1, f"?q={card.json()['card_no'][:6]}") == {world.a.members[m1]}
    # the search form posts; its filters go on to the address with it (a phone never does)
    form = admin1.get("/console/members")
    sent = admin1.post("/console/members", data={"csrf": csrf_of(form.text), "q": "0000", "tier": "standard",
                                                 "value": "", "stars": ""}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/console/members?q=0000&tier=standard"
    whole = admin1.post("/console/members", data={"csrf": csrf_of(form.text), "q": "13900010000", "tier": "gold"})
    assert whole.status_code == 200 and "13900010000" not in whole.text
    assert 'value="gold" selected' in whole.text and ROW.findall(whole.text) == []  # not gold: filtered out


def test_the_operator_filters_by_merchant_and_pages_keep_the_filters(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    for n in range(25):
        add_member(session, world.a.alliance_id, m1, 900 + n)
    session.commit()
    operator = console(world.client, world.a.actors["operator"].username)
    assert listed(operator, f"?merchant={m2}") == {world.a.members[m2]}
    first = operator.get(f"/console/members?merchant={m1}")
    assert len(ROW.findall(first.text)) == 20 and "26 位会员" in first.text
    assert f'href="/console/members?merchant={m1}&p=2"' in first.text
    second = operator.get(f"/console/members?merchant={m1}&p=2")
    assert len(ROW.findall(second.text)) == 6
    assert f'<option value="{m1}" selected>' in second.text
    # the B alliance's operator: none of these, whatever the filter
    other = console(world.client, world.b.actors["operator"].username)
    assert listed(other, f"?merchant={m1}") == listed(other)
    assert not (listed(other) & {world.a.members[m1], world.a.members[m2]})


def api_listed(world: World, actor: str, side: str = "a", **params: Any) -> set[int]:
    response = world.client.get(f"{API}/members", params={"page_size": 100, **params},
                                headers=getattr(world, side).actors[actor].headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_the_api_filters_members_like_the_console(world: World, session: Session) -> None:
    """GET /members?tier=&value=&stars=&merchant_id=: the same query as the console list, scoped the same way."""
    m1, m2, _ = world.a.merchants
    member = seed(world, session)
    make_gold(world, member)
    admin1 = console(world.client, world.a.actors["admin1"].username)
    for query, params in (("?value=important_value", {"value": "important_value"}), ("?stars=6", {"stars": 6}),
                          ("?tier=gold", {"tier": "gold"}), ("?tier=black", {"tier": "black"}),
                          ("?tier=gold&value=important_value&stars=6",
                           {"tier": "gold", "value": "important_value", "stars": 6})):
        assert api_listed(world, "admin1", **params) == listed(admin1, query)
    assert api_listed(world, "admin1", value="important_value") == {member}
    assert api_listed(world, "admin1", tier="gold") == {member}
    # a partner's members never appear, whatever the filter: m2 sees none of m1's
    assert member not in api_listed(world, "admin2", value="important_value")
    assert api_listed(world, "admin2", tier="gold") == set()
    assert api_listed(world, "admin2", stars=6) == set()
    # the operator: tier at the merchant it picks, or anywhere
    assert api_listed(world, "operator", tier="gold") == {member}
    assert api_listed(world, "operator", tier="gold", merchant_id=m1) == {member}
    assert api_listed(world, "operator", tier="gold", merchant_id=m2) == set()
    assert api_listed(world, "operator", side="b", tier="gold") == set()
    # phone search by keyed hash, combined with a filter
    assert member == world.a.members[m1]
    assert api_listed(world, "admin1", phone="13900010000") == {member}
    assert api_listed(world, "admin1", phone="13900010000", tier="gold") == {member}
    assert api_listed(world, "admin1", phone="13900010000", tier="black") == set()
    assert api_listed(world, "admin2", phone="13900010000") == set()
    # bad values: 422 in words, naming the parameter
    for bad in ({"tier": "platinum"}, {"value": "vip"}, {"stars": 99}, {"stars": 0}):
        response = world.client.get(f"{API}/members", params=bad, headers=world.a.actors["admin1"].headers)
        assert response.status_code == 422, response.text
        body = response.json()["error"]
        assert body["code"] == "validation_error" and body["message"]
        assert any(next(iter(bad)) in d["loc"] for d in body["details"])


def test_the_member_filters_are_documented_in_openapi(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/members"]["get"]["parameters"]}
    assert {"tier", "value", "stars", "merchant_id", "q", "phone"} <= set(parameters)
    assert "会员价值分层" in parameters["value"]["description"] and parameters["stars"]["schema"]
