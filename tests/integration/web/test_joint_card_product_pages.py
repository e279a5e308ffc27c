"""Defining a joint card from the console (/console/joint-cards/new): the same service call as
POST /joint-card-products; money typed in yuan and shown as ¥1,950.00; errors next to their fields in words and
nothing written; who may define one is the API's rule; the new product is then in the sell form and sells."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.jointcards.models import JointComponent, JointProduct, JointTier
from tests.conftest import World
from tests.integration.web.console import console
from tests.integration.web.test_counter_pages import card_of, error_of, ok, post

API = "/api/v1"
NEW = "/console/joint-cards/new"


def form(m1: int, m2: int, **extra: str) -> dict[str, str]:
    """舒适版 ¥1,950.00: 2 car washes at m1 (list ¥1,600) and a gym month at m2 (list ¥3,000)."""
    return {"name": "城市生活联名卡", "description": "洗车+健身", "carry_over_months": "12",
            "t0_name": "舒适版", "t0_price": "1,950.00",
            "t0c0_merchant_id": str(m1), "t0c0_name": "汽车精洗保养", "t0c0_units": "2", "t0c0_unit_name": "次",
            "t0c0_list_value": "1600",
            "t0c1_merchant_id": str(m2), "t0c1_name": "健身月卡", "t0c1_units": "1", "t0c1_unit_name": "月卡",
            "t0c1_list_value": "3000.00", **extra}


def products(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(JointProduct)) or 0)


def test_a_merchant_admin_defines_a_joint_card_and_sells_it(world: World, engine: Engine) -> None:
    m1, m2, _ = world.a.merchants
    admin = console(world.client, world.a.actors["admin1"].username)
    index = admin.get("/console/joint-cards")
    assert 'href="/console/joint-cards/new"' in index.text
    page = admin.get(NEW)
    assert page.status_code == 200 and "新建联合卡" in page.text
    created = post(admin, NEW, form(m1, m2))
    assert created.status_code == 303, created.text
    shown = admin.get(created.headers["location"])
    assert "联合卡已创建" in shown.text and "城市生活联名卡" in shown.text and "¥1,950.00" in shown.text
    with Session(engine) as session:
        product = session.scalars(select(JointProduct)).one()
        assert product.lead_merchant_id == m1 and product.carry_over_months == 12
        tier = session.scalars(select(JointTier).where(JointTier.product_id == product.id)).one()
        assert (tier.name, tier.price_fen) == ("舒适版", 195_000)
        parts = session.scalars(select(JointComponent).where(JointComponent.tier_id == tier.id)
                                .order_by(JointComponent.position)).all()
        assert [(c.merchant_id, c.units, c.list_value_fen) for c in parts] == [(m1, 2, 160_000), (m2, 1, 300_000)]
        assert sum(c.share_fen for c in parts) == 195_000 and parts[0].share_fen == 67_826  # 195000×16/46
        tier_id = tier.id
    # the product is in the sell form at the counter of m1, and sells
    desk = console(world.client, world.a.actors["staff1"].username)
    sell_form = desk.get("/console/joint-cards").text
    assert re.search(rf'<option value="{tier_id}"[^>]*>城市生活联名卡 · 舒适版 · ¥1,950.00</option>', sell_form)
    member = world.a.members[m1]
    sold = post(desk, "/console/joint-cards", {"tier_id": str(tier_id), "card": card_of(world, member),
                                               "external_id": "JC-NEW-1"}, page="/console/joint-cards")
    assert sold.status_code == 303, sold.text
    card_id = int(sold.headers["location"].split("/")[-1].split("?")[0])
    card: Any = ok(world.client.get(f"{API}/joint-cards/{card_id}", headers=world.a.actors["staff1"].headers), 200)
    assert card["price_fen"] == 195_000 and [i["units_left"] for i in card["items"]] == [2, 1]


def test_errors_are_shown_next_to_their_fields_and_nothing_is_written(world: World, engine: Engine) -> None:
    m1, m2, _ = world.a.merchants
    admin = console(world.client, world.a.actors["admin1"].username)
    bad = post(admin, NEW, form(m1, m2, name="", t0_price="19.505", t0c1_units="0", t0c0_list_value="abc",
                                t1_name="舒适版", t1c0_merchant_id=str(m2), t1c0_name="", t1c0_units="1",
                                t1c0_list_value="10"))
    assert bad.status_code == 422
    assert error_of(bad.text, "name") == "请输入联合卡名称"
    assert error_of(bad.text, "t0_price") == "请输入金额,最多两位小数,如 199.00"
    assert error_of(bad.text, "t0c1_units") == "请输入 1 到 100000 之间的整数"
    assert error_of(bad.text, "t0c0_list_value") == "请输入金额,最多两位小数,如 199.00"
    assert error_of(bad.text, "t1_name") == "版本名称不能重复"
    assert error_of(bad.text, "t1c0_name") == "请输入项目名称"
    assert 'value="汽车精洗保养"' in bad.text  # what was typed is kept
    empty_tier = post(admin, NEW, form(m1, m2, t1_name="豪华版", t1_price="99"))
    assert empty_tier.status_code == 422
    assert error_of(empty_tier.text, "t1c0_merchant_id") == "每个版本至少一个项目"
    other = world.b.merchants[0]  # another alliance's merchant: refused by the service, in words
    foreign = post(admin, NEW, form(m1, other))
    assert foreign.status_code == 422 and error_of(foreign.text, "form")
    assert "wrong_alliance" not in foreign.text
    assert products(engine) == 0


def test_only_the_operator_and_merchant_admins_may_define_one(world: World, engine: Engine) -> None:
    m1, m2, m3 = world.a.merchants
    staff = console(world.client, world.a.actors["staff1"].username)
    assert 'href="/console/joint-cards/new"' not in staff.get("/console/joint-cards").text
    assert staff.get(NEW).status_code == 403
    assert post(staff, NEW, form(m1, m2), page="/console/joint-cards").status_code == 403
    assert products(engine) == 0
    operator = console(world.client, world.a.actors["operator"].username)
    created = post(operator, NEW, form(m2, m3, expiry_merchant_id=str(m1)))
    # the expiry party must take part in the product: the service's refusal, next to its field
    assert created.status_code == 422 and error_of(created.text, "expiry_merchant_id")
    created = post(operator, NEW, form(m2, m3, expiry_merchant_id=str(m3)))
    assert created.status_code == 303, created.text
    with Session(engine) as session:
        product = session.scalars(select(JointProduct)).one()
        assert product.lead_merchant_id is None and product.expiry_merchant_id == m3
