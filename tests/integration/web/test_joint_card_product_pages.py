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


def test_add_a_row_answers_the_form_with_one_more_row_and_writes_nothing(world: World, engine: Engine) -> None:
    m1, m2, _ = world.a.merchants
    admin = console(world.client, world.a.actors["admin1"].username)
    page = admin.get(NEW).text
    assert 'name="tier_count" value="1"' in page and 'id="f-t0c2_name"' in page and 'id="f-t0c3_name"' not in page
    typed = form(m1, m2, tier_count="1", t0_count="3")
    more = post(admin, NEW, {**typed, "add": "t0"})
    assert more.status_code == 200 and 'id="f-t0c3_name"' in more.text and 'name="t0_count" value="4"' in more.text
    assert 'value="汽车精洗保养"' in more.text and 'value="健身月卡"' in more.text  # what was typed is kept
    tier = post(admin, NEW, {**typed, "t0_count": "4", "add": "tier"})
    assert tier.status_code == 200 and 'name="tier_count" value="2"' in tier.text and 'id="f-t1_name"' in tier.text
    assert products(engine) == 0
    # the rows added (a second tier, a third component) are read on create
    created = post(admin, NEW, {**typed, "tier_count": "2", "t0_count": "4", "t1_count": "3",
                                "t0c3_merchant_id": str(m1), "t0c3_name": "轮胎检查", "t0c3_units": "1",
                                "t0c3_list_value": "100", "t1_name": "经济版", "t1_price": "500",
                                "t1c0_merchant_id": str(m2), "t1c0_name": "健身周卡", "t1c0_units": "1",
                                "t1c0_list_value": "600"})
    assert created.status_code == 303, created.text
    product = ok(world.client.get(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers), 200)
    tiers = product["items"][0]["tiers"]
    assert [t["name"] for t in tiers] == ["舒适版", "经济版"] and len(tiers[0]["components"]) == 3


def test_a_product_is_edited_and_paused_from_the_pages(world: World, engine: Engine) -> None:
    m1, m2, _ = world.a.merchants
    admin = console(world.client, world.a.actors["admin1"].username)
    assert post(admin, NEW, form(m1, m2)).status_code == 303
    product = ok(world.client.get(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers),
                 200)["items"][0]
    edit = f"/console/joint-cards/products/{product['id']}/edit"
    index = admin.get("/console/joint-cards").text
    assert f'href="{edit}"' in index and "在售" in index
    page = admin.get(edit)
    assert page.status_code == 200 and 'value="1950.00"' in page.text and 'name="t0_id"' in page.text
    changed = post(admin, edit, {**form(m1, m2, name="城市生活联名卡·春季", t0_price="2000"), "tier_count": "1",
                                 "t0_id": str(product["tiers"][0]["id"]), "t0_count": "2"})
    assert changed.status_code == 303, changed.text
    assert "联合卡已保存" in admin.get(changed.headers["location"]).text
    tier_id = product["tiers"][0]["id"]
    # sold once: the tier is locked on the edit page, with why; a second tier can still be added
    desk = console(world.client, world.a.actors["staff1"].username)
    sold = post(desk, "/console/joint-cards", {"tier_id": str(tier_id), "card": card_of(world, world.a.members[m1]),
                                               "external_id": "JC-E-1"}, page="/console/joint-cards")
    assert sold.status_code == 303, sold.text
    page = admin.get(edit)
    assert f'id="locked-tier-{tier_id}"' in page.text and "已售出 1 张" in page.text and 'name="t0_id"' not in page.text
    added = post(admin, edit, {"name": "城市生活联名卡·春季", "tier_count": "1", "t0_name": "经济版",
                               "t0_price": "300", "t0c0_merchant_id": str(m2), "t0c0_name": "健身周卡",
                               "t0c0_units": "1", "t0c0_list_value": "400"})
    assert added.status_code == 303, added.text
    # a form that still names the locked tier (posted from an old page) is refused in words
    stale = post(admin, edit, {**form(m1, m2, name="城市生活联名卡·春季", t0_price="10"), "t0_id": str(tier_id)})
    assert stale.status_code == 409 and "已有售出的卡" in (error_of(stale.text, "form") or "")
    # pause: the tiers leave the sell form and a sale is refused; the card sold stays usable
    paused = post(admin, f"/console/joint-cards/products/{product['id']}/pause", {}, page="/console/joint-cards")
    assert paused.status_code == 303
    listed = admin.get(paused.headers["location"]).text
    assert "已停售" in listed and f'id="resume-product-{product["id"]}"' in listed
    sell_form = desk.get("/console/joint-cards").text
    assert f'<option value="{tier_id}"' not in sell_form
    refused = post(desk, "/console/joint-cards", {"tier_id": str(tier_id), "card": card_of(world, world.a.members[m1]),
                                                  "external_id": "JC-E-2"}, page="/console/joint-cards")
    assert refused.status_code == 422 and "该联合卡已停售" in refused.text
    assert post(admin, f"/console/joint-cards/products/{product['id']}/resume", {},
                page="/console/joint-cards").status_code == 303
    assert f'<option value="{tier_id}"' in desk.get("/console/joint-cards").text
    # the desk's clerk may not manage it
    assert 'href="' + edit + '"' not in desk.get("/console/joint-cards").text
    assert desk.get(edit).status_code == 403
    assert post(desk, f"/console/joint-cards/products/{product['id']}/pause", {},
                page="/console/joint-cards").status_code == 403


def test_an_unsold_tier_is_deleted_from_the_edit_page_and_a_sold_one_is_refused_in_words(world: World,
                                                                                         engine: Engine) -> None:
    m1, m2, _ = world.a.merchants
    admin = console(world.client, world.a.actors["admin1"].username)
    two_tiers = form(m1, m2, tier_count="2", t1_name="经济版", t1_price="300", t1_count="1",
                     t1c0_merchant_id=str(m2), t1c0_name="健身周卡", t1c0_units="1", t1c0_list_value="400")
    assert post(admin, NEW, two_tiers).status_code == 303
    product = ok(world.client.get(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers),
                 200)["items"][0]
    comfort, economy = (t["id"] for t in product["tiers"])
    edit = f"/console/joint-cards/products/{product['id']}/edit"
    desk = console(world.client, world.a.actors["staff1"].username)
    sold = post(desk, "/console/joint-cards", {"tier_id": str(comfort), "card": card_of(world, world.a.members[m1]),
                                               "external_id": "JC-D-1"}, page="/console/joint-cards")
    assert sold.status_code == 303, sold.text
    page = admin.get(edit).text
    button = f'formaction="/console/joint-cards/products/{product["id"]}/tiers/{economy}/delete"'
    assert button in page and f"/tiers/{comfort}/delete" not in page  # the sold tier is locked: no button

    # a delete posted for the sold tier (an old page) is refused in words, nothing removed
    stale = post(admin, f"{edit.removesuffix('/edit')}/tiers/{comfort}/delete", {}, page=edit)
    assert stale.status_code == 409 and "该版本已售出 1 张卡,不能删除" in (error_of(stale.text, "form") or "")
    # the clerk may not delete
    assert post(desk, f"{edit.removesuffix('/edit')}/tiers/{economy}/delete", {},
                page="/console/joint-cards").status_code == 403
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(JointTier)) == 2

    deleted = post(admin, f"{edit.removesuffix('/edit')}/tiers/{economy}/delete", {}, page=edit)
    assert deleted.status_code == 303 and deleted.headers["location"] == f"{edit}?deleted=1"
    shown = admin.get(deleted.headers["location"]).text
    assert "已删除未售出的版本" in shown and "健身周卡" not in shown and "/delete" not in shown  # the last tier stays
    with Session(engine) as session:
        assert session.get(JointTier, economy) is None
        assert session.scalar(select(func.count()).select_from(JointComponent)
                              .where(JointComponent.tier_id == economy)) == 0
