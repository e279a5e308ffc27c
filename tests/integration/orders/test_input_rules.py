"""Order input is checked once, at the door, the same way on every endpoint that takes an order (issue 11, item 3):
items that do not add up to the amount are a 422 with nothing written, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Redemption
from lianmeng.orders.models import Order
from tests.conftest import World

BAD_ITEMS = {"external_id": "X-1", "amount_fen": 100, "items": [{"name": "a", "unit_price_fen": 50}]}


def _arrival(world: World) -> int:
    """A coupon of m2 redeemed at m2's counter without an order: an arrival waiting for its order."""
    admin = world.a.actors["admin2"].headers
    template = world.client.post("/api/v1/coupon-templates", headers=admin, json={
        "name": "立减¥10", "kind": "amount_off", "amount_fen": 1_000, "valid_days": 30})
    assert template.status_code == 201, template.text
    member = world.a.members[world.a.merchants[1]]
    coupon = world.client.post("/api/v1/coupons/issue", headers=admin,
                               json={"template_id": template.json()["id"], "member_id": member})
    assert coupon.status_code == 201, coupon.text
    arrival = world.client.post("/api/v1/coupons/redeem", headers=world.a.actors["staff2"].headers,
                                json={"code": coupon.json()["code"]})
    assert arrival.status_code == 201, arrival.text
    return int(arrival.json()["id"])


def _send(world: World, door: str, order: dict[str, Any]) -> Any:
    staff = world.a.actors["staff2"].headers
    member = world.a.members[world.a.merchants[1]]
    if door == "orders":
        return world.client.post("/api/v1/orders", headers=staff, json={**order, "member_id": member})
    if door == "batch":
        return world.client.post("/api/v1/orders/batch", headers=staff,
                                 json={"orders": [{**order, "member_id": member}]})
    return world.client.post(f"/api/v1/redemptions/{_arrival(world)}/order", headers=staff, json=order)


@pytest.mark.parametrize("door", ["orders", "batch", "redemption"])
def test_items_that_do_not_add_up_are_refused_alike_everywhere(world: World, session: Session, door: str) -> None:
    response = _send(world, door, BAD_ITEMS)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any("add up" in problem["msg"] for problem in error["details"]), error
    assert session.scalar(select(func.count()).select_from(Order)) == 0
    assert session.scalar(select(Redemption.order_id).where(Redemption.order_id.is_not(None))) is None


@pytest.mark.parametrize("door", ["orders", "batch", "redemption"])
def test_items_that_add_up_are_recorded_with_the_order(world: World, session: Session, door: str) -> None:
    good = {**BAD_ITEMS, "items": [{"name": "a", "quantity": 2, "unit_price_fen": 50}]}
    response = _send(world, door, good)
    assert response.status_code in (200, 201), response.text
    order = session.scalars(select(Order)).one()
    assert (order.amount_fen, order.items) == (100, [{"name": "a", "quantity": 2, "unit_price_fen": 50}])
