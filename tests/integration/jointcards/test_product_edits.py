"""Changing a joint card after it is defined (PATCH /joint-card-products/{id}): rename it, change a tier not sold
yet, add tiers; a tier with a card sold is locked (409, explained). Pausing stops new sales; the cards already sold
stay usable; resuming sells again. Only the operator or the lead merchant's admin manages a product."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.integration.jointcards.test_joint_cards import API, consume, product_body, sell, setup


def patch(world: World, product_id: int, body: dict[str, Any], who: str = "operator") -> Any:
    return world.client.patch(f"{API}/joint-card-products/{product_id}", json=body,
                              headers=world.a.actors[who].headers)


def status(world: World, product_id: int, action: str, who: str = "operator") -> Any:
    return world.client.post(f"{API}/joint-card-products/{product_id}/{action}", headers=world.a.actors[who].headers)


def test_unsold_tiers_change_sold_tiers_are_locked_and_tiers_can_be_added(world: World) -> None:
    m1, m2, m3 = world.a.merchants
    product, comfort = setup(world)
    economy = next(t for t in product["tiers"] if t["name"] == "经济版")
    assert sell(world, comfort).status_code == 201
    # rename, and re-price the economy tier (not sold) with a third component
    new_economy = {"id": economy["id"], "name": "经济版", "price_fen": 1_000_000, "components": [
        {"merchant_id": m1, "name": "汽车精洗保养", "units": 1, "list_value_fen": 100_000},
        {"merchant_id": m2, "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 300_000},
        {"merchant_id": m3, "name": "餐饮抵用金", "unit_name": "元", "units": 1, "list_value_fen": 100_000}]}
    r = patch(world, product["id"], {"name": "城市生活联名卡 2027", "description": "新年版", "tiers": [new_economy]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["name"] == "城市生活联名卡 2027" and out["description"] == "新年版"
    tier = next(t for t in out["tiers"] if t["id"] == economy["id"])
    assert tier["price_fen"] == 1_000_000 and tier["cards_sold"] == 0
    assert [c["share_fen"] for c in tier["components"]] == [200_000, 600_000, 200_000]
    assert next(t for t in out["tiers"] if t["id"] == comfort["id"])["cards_sold"] == 1
    # the sold tier is locked: refused whole, in words, nothing changed
    locked = dict(comfort, price_fen=1_000)
    locked = {k: locked[k] for k in ("id", "name", "price_fen")} | {"components": [
        {k: c[k] for k in ("merchant_id", "name", "unit_name", "units", "list_value_fen")}
        for c in comfort["components"]]}
    r = patch(world, product["id"], {"name": "改不了", "tiers": [locked]})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "joint_tier_locked" and "已有售出的卡" in r.json()["error"]["message"]
    en = world.client.patch(f"{API}/joint-card-products/{product['id']}", json={"tiers": [locked]},
                            headers={**world.a.actors["operator"].headers, "Accept-Language": "en"})
    assert "Cards of this tier are sold" in en.json()["error"]["message"]
    after = world.client.get(f"{API}/joint-card-products/{product['id']}", headers=world.a.actors["operator"].headers)
    assert after.json()["name"] == "城市生活联名卡 2027"
    assert next(t for t in after.json()["tiers"] if t["id"] == comfort["id"])["price_fen"] == 1_480_000
    # a new tier is added after the others; a name already used is refused
    premium = {"name": "尊享版", "price_fen": 2_000_000, "components": [
        {"merchant_id": m1, "name": "汽车精洗保养", "units": 4, "list_value_fen": 320_000}]}
    r = patch(world, product["id"], {"tiers": [premium]})
    assert r.status_code == 200, r.text
    assert [t["name"] for t in r.json()["tiers"]] == ["经济版", "舒适版", "尊享版"]
    r = patch(world, product["id"], {"tiers": [dict(premium, name="舒适版")]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "joint_tier_name_taken"
    # a merchant of another alliance cannot be named; a tier of another product is not found
    outsider = {"name": "外来版", "price_fen": 100, "components": [
        {"merchant_id": world.b.merchants[0], "name": "x", "units": 1, "list_value_fen": 100}]}
    assert patch(world, product["id"], {"tiers": [outsider]}).status_code == 422
    other, _ = setup(world, product_body(world, name="另一张卡"))
    r = patch(world, product["id"], {"tiers": [dict(new_economy, id=other["tiers"][0]["id"])]})
    assert r.status_code == 404, r.text


def test_a_paused_product_sells_nothing_and_its_cards_stay_usable(world: World) -> None:
    product, comfort = setup(world)
    sold = sell(world, comfort)
    assert sold.status_code == 201
    card = sold.json()
    r = status(world, product["id"], "pause")
    assert r.status_code == 200 and r.json()["status"] == "paused"
    assert status(world, product["id"], "pause").json()["status"] == "paused"  # idempotent
    refused = sell(world, comfort, external_id="POS-2")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "joint_product_paused"
    car = next(i for i in card["items"] if i["name"] == "汽车精洗保养")
    assert consume(world, card["id"], car["component_id"]).status_code == 201  # still usable
    listed = world.client.get(f"{API}/joint-card-products", params={"status": "active"},
                              headers=world.a.actors["staff1"].headers)
    assert product["id"] not in {p["id"] for p in listed.json()["items"]}
    assert status(world, product["id"], "resume").json()["status"] == "active"
    assert sell(world, comfort, external_id="POS-2").status_code == 201


def test_only_the_operator_or_the_lead_merchants_admin_manages_a_product(world: World) -> None:
    m1 = world.a.merchants[0]
    product, _ = setup(world)  # the operator's (no lead merchant)
    for who in ("admin1", "staff1"):
        r = status(world, product["id"], "pause", who=who)
        assert r.status_code == 403 and r.json()["error"]["code"] == "joint_product_not_managed", r.text
        assert patch(world, product["id"], {"name": "x"}, who=who).status_code == 403
    led = world.client.post(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers,
                            json=product_body(world, name="一号店联名卡"))
    assert led.status_code == 201 and led.json()["lead_merchant_id"] == m1
    assert status(world, led.json()["id"], "pause", who="admin1").status_code == 200
    assert status(world, led.json()["id"], "pause", who="admin2").status_code == 403
    assert patch(world, led.json()["id"], {"name": "一号店联名卡·新"}, who="admin1").status_code == 200
    other_alliance = world.client.post(f"{API}/joint-card-products/{product['id']}/pause",
                                       headers=world.b.actors["operator"].headers)
    assert other_alliance.status_code == 404
