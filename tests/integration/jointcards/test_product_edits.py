"""Changing a joint card after it is defined (PATCH /joint-card-products/{id}): rename it, change a tier not sold
yet, add tiers; a tier with a card sold is locked (409, explained). Pausing stops new sales; the cards already sold
stay usable; resuming sells again. An unsold tier can be deleted (DELETE …/tiers/{id}); a sold one and the last one
are refused (409, explained). Only the operator or the lead merchant's admin manages a product."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.jointcards import service
from lianmeng.jointcards.models import JointCard, JointComponent, JointTier
from lianmeng.jointcards.schemas import SaleIn
from lianmeng.kit.errors import AppError
from lianmeng.tenancy import Principal
from tests.conftest import IS_POSTGRES, World
from tests.integration.jointcards.test_joint_cards import API, consume, product_body, sell, setup
from tests.integration.jointcards.test_joint_cards import comfort as comfort_tier


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


def delete(world: World, product_id: int, tier_id: int, who: str = "operator", lang: str = "zh-CN") -> Any:
    return world.client.delete(f"{API}/joint-card-products/{product_id}/tiers/{tier_id}",
                               headers={**world.a.actors[who].headers, "Accept-Language": lang})


def test_an_unsold_tier_is_deleted_a_sold_one_and_the_last_one_are_refused_in_words(world: World,
                                                                                     session: Session) -> None:
    product, comfort = setup(world)
    economy = next(t for t in product["tiers"] if t["name"] == "经济版")
    assert sell(world, comfort).status_code == 201
    # sold: 409 in words, nothing removed
    r = delete(world, product["id"], comfort["id"])
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "joint_tier_sold"
    assert r.json()["error"]["message"].startswith("该版本已售出 1 张卡,不能删除")
    assert "1 card(s) of this tier are sold" in delete(world, product["id"], comfort["id"], lang="en").json()[
        "error"]["message"]
    # not the lead merchant's admin, nor a clerk: 403; another alliance's operator: 404
    assert delete(world, product["id"], economy["id"], who="admin1").status_code == 403
    assert delete(world, product["id"], economy["id"], who="staff1").status_code == 403
    foreign = world.client.delete(f"{API}/joint-card-products/{product['id']}/tiers/{economy['id']}",
                                  headers=world.b.actors["operator"].headers)
    assert foreign.status_code == 404
    # a tier of another product is not found through this one
    other, _ = setup(world, product_body(world, name="另一张卡"))
    assert delete(world, product["id"], other["tiers"][0]["id"]).status_code == 404
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JointTier)) == 4

    # unsold: deleted with its components; the product answers without it
    r = delete(world, product["id"], economy["id"])
    assert r.status_code == 200, r.text
    assert [t["name"] for t in r.json()["tiers"]] == ["舒适版"]
    session.rollback()
    assert session.get(JointTier, economy["id"]) is None
    assert session.scalar(select(func.count()).select_from(JointComponent)
                          .where(JointComponent.tier_id == economy["id"])) == 0
    assert delete(world, product["id"], economy["id"]).status_code == 404  # gone
    refused = sell(world, economy, external_id="POS-2")  # a sale of the deleted tier: refused, nothing sold
    assert refused.status_code == 422, refused.text
    # the last tier stays, even unsold
    lone, _ = setup(world, product_body(world, name="单版本卡", tiers=[comfort_tier(*world.a.merchants)]))
    r = delete(world, lone["id"], lone["tiers"][0]["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "joint_product_last_tier"
    assert "至少保留一个版本" in r.json()["error"]["message"]


def _principal(world: World, who: str, role: Role) -> Principal:
    actor = world.a.actors[who]
    return Principal(kind="user", id=actor.user_id, role=role, alliance_id=world.a.alliance_id,
                     merchant_id=actor.merchant_id, staff_id=actor.staff_id, label=actor.username)


def _in_a_thread(engine: Engine, job: Callable[[Session], object]) -> tuple[threading.Thread, list[object]]:
    """`job` in its own transaction, committed; its outcome (the result or the AppError) lands in the list."""
    outcome: list[object] = []

    def run() -> None:
        with Session(bind=engine) as s:
            try:
                outcome.append(job(s))
                s.commit()
            except AppError as error:
                s.rollback()
                outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite runs one writer at a time")
def test_a_sale_and_the_deletion_of_its_tier_take_turns(world: World, engine: Engine) -> None:
    """Sale first: the deletion waits for it, then sees the card (409). Deletion first: the sale waits, then finds
    no tier (422), never a half-written card or a 500."""
    product, comfort = setup(world)
    economy = next(t for t in product["tiers"] if t["name"] == "经济版")
    clerk = _principal(world, "staff1", Role.STORE_STAFF)
    operator = _principal(world, "operator", Role.OPERATOR_ADMIN)
    member = world.a.members[world.a.merchants[0]]

    with Session(bind=engine) as selling:
        service.sell(selling, clerk, SaleIn(external_id="POS-R1", tier_id=economy["id"], member_id=member))
        thread, outcome = _in_a_thread(engine, lambda s: service.delete_tier(s, operator, product["id"],
                                                                             economy["id"]))
        thread.join(timeout=0.3)
        assert thread.is_alive(), "the deletion must wait for the sale's transaction"
        selling.commit()
    thread.join(timeout=10)
    assert isinstance(outcome[0], AppError) and outcome[0].code == "joint_tier_sold"

    with Session(bind=engine) as deleting:
        service.delete_tier(deleting, operator, product["id"], comfort["id"])
        thread, outcome = _in_a_thread(engine, lambda s: service.sell(s, clerk, SaleIn(
            external_id="POS-R2", tier_id=comfort["id"], member_id=member)))
        thread.join(timeout=0.3)
        assert thread.is_alive(), "the sale must wait for the deletion's transaction"
        deleting.commit()
    thread.join(timeout=10)
    assert isinstance(outcome[0], AppError) and outcome[0].status_code == 422
    with Session(bind=engine) as s:
        assert s.scalar(select(func.count()).select_from(JointCard).where(JointCard.tier_id == comfort["id"])) == 0
