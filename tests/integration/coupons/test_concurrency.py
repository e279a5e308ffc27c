"""64 tills scan the same single-use coupon at once (64 threads, 64 connections on PostgreSQL): exactly one
redemption succeeds, the others get `used_up`, and the coupon is never used twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.coupons import service
from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.coupons.schemas import RedeemIn
from lianmeng.orders.models import Order
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.conftest import WORKERS
from tests.integration.orders.test_concurrency import race


def centre_clerk(world: World) -> Principal:
    m2 = world.a.merchants[1]
    actor = world.a.actors["staff2"]
    return Principal(kind="user", id=actor.user_id, role=Role.STORE_STAFF, alliance_id=world.a.alliance_id,
                     merchant_id=m2, store_id=world.a.stores[m2], staff_id=world.a.staff[m2], label=actor.username)


def test_a_single_use_coupon_is_redeemed_exactly_once(world: World, session: Session, wide_engine: Engine) -> None:
    template = world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "立减¥50", "kind": "amount_off", "amount_fen": 5_000}).json()
    coupon: Any = world.client.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers, json={
        "template_id": template["id"], "member_id": world.a.members[world.a.merchants[0]]}).json()
    clerk = centre_clerk(world)

    def attempt(i: int) -> Callable[[Session], object]:
        return lambda s: service.redeem(s, clerk, RedeemIn(code=coupon["code"], bill_fen=20_000,
                                                           order_external_id=f"TILL-{i}"))

    outcomes = race(wide_engine, [attempt(i) for i in range(WORKERS)])
    assert outcomes == {201: 1, 422: WORKERS - 1}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Redemption)) == 1
    assert session.scalar(select(func.count()).select_from(Order)) == 1  # only the winner's order was recorded
    assert session.scalar(select(Coupon.uses_left).where(Coupon.id == coupon["id"])) == 0
