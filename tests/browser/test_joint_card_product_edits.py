"""A merchant admin adds rows on demand while defining a joint card (JS adds them in place; without JS the same
button posts the form back with one more row, keeping what was typed), then edits the product and pauses it: a
paused product cannot be sold from the page; the card already sold stays usable."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.web.test_counter_pages import API, ok


def fill_component(page: Page, key: str, merchant: int, name: str, units: str, value: str) -> None:
    page.select_option(f"#f-{key}_merchant_id", str(merchant))
    page.fill(f"#f-{key}_name", name)
    page.fill(f"#f-{key}_units", units)
    page.fill(f"#f-{key}_list_value", value)


def test_rows_are_added_on_demand_then_the_product_is_created(page: Page, world: World) -> None:
    m1, m2, m3 = world.a.merchants
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/joint-cards/new")
    expect(page.locator("#f-t0c3_name")).to_have_count(0)
    page.fill("#f-name", "城市生活联名卡")
    page.fill("#f-t0_name", "舒适版")
    page.fill("#f-t0_price", "2000")
    fill_component(page, "t0c0", m1, "汽车精洗保养", "2", "1600")
    fill_component(page, "t0c1", m2, "健身月卡", "1", "3000")
    fill_component(page, "t0c2", m3, "亲子课", "10", "5000")
    page.click("#add-component-0")  # JS: a fourth row in place, nothing posted
    expect(page.locator("#f-t0c3_merchant_id")).to_be_focused()  # added in place: the typed rows are still there
    expect(page.locator("#f-t0c2_name")).to_have_value("亲子课")
    fill_component(page, "t0c3", m3, "餐饮抵用金", "1", "1000")
    page.click("#add-tier")
    expect(page.locator("#f-t1_name")).to_be_visible()
    page.fill("#f-t1_name", "经济版")
    page.fill("#f-t1_price", "500")
    fill_component(page, "t1c0", m2, "健身周卡", "1", "600")
    page.click("#create-button")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已创建,可以售卡了")
    product = ok(world.client.get(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers),
                 200)["items"][0]
    assert [(t["name"], len(t["components"])) for t in product["tiers"]] == [("舒适版", 4), ("经济版", 1)]


def test_without_js_add_a_row_posts_back_and_keeps_what_was_typed(browser: Browser, live_server: str,
                                                                   world: World) -> None:
    m1 = world.a.merchants[0]
    context = browser.new_context(base_url=live_server, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, world.a.actors["admin1"].username)
        page.goto("/console/joint-cards/new")
        page.fill("#f-name", "无脚本联名卡")
        fill_component(page, "t0c2", m1, "汽车精洗保养", "2", "1600")
        page.click("#add-component-0")
        expect(page.locator("#f-t0c3_name")).to_be_visible()
        expect(page.locator("#f-name")).to_have_value("无脚本联名卡")
        expect(page.locator("#f-t0c2_name")).to_have_value("汽车精洗保养")
        page.click("#add-tier")
        expect(page.locator("#f-t1_name")).to_be_visible()
        expect(page.locator("#f-t0c3_name")).to_be_visible()
        assert ok(world.client.get(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers),
                  200)["items"] == []
    finally:
        context.close()


def test_a_product_is_edited_then_paused_and_cannot_be_sold(page: Page, world: World) -> None:
    m1, m2, _ = world.a.merchants
    created = ok(world.client.post(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers, json={
        "name": "城市生活联名卡", "tiers": [
            {"name": "经济版", "price_fen": 98_000, "components": [
                {"merchant_id": m1, "name": "汽车精洗", "units": 2, "list_value_fen": 40_000},
                {"merchant_id": m2, "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 60_000}]},
            {"name": "舒适版", "price_fen": 148_000, "components": [
                {"merchant_id": m1, "name": "汽车精洗", "units": 4, "list_value_fen": 80_000}]}]}))
    economy = created["tiers"][0]
    sold = ok(world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers, json={
        "external_id": "JC-B-1", "tier_id": economy["id"], "member_id": world.a.members[m1]}))
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/joint-cards")
    page.click(f"#edit-product-{created['id']}")
    expect(page.locator(f"#locked-tier-{economy['id']}")).to_contain_text("已售出 1 张")
    expect(page.locator("#f-t0_name")).to_have_value("舒适版")  # the unsold tier is editable
    page.fill("#f-name", "城市生活联名卡·春季")
    page.fill("#f-t0_price", "1500")
    page.click("#save-button")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已保存")
    expect(page.locator("#products")).to_contain_text("舒适版 · ¥1,500.00")
    page.click(f"#pause-product-{created['id']}")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已停售,已售出的卡仍可使用")
    expect(page.locator(f"#product-{created['id']}")).to_contain_text("已停售")

    page.context.clear_cookies()
    log_in(page, world.a.actors["staff1"].username)
    page.goto("/console/joint-cards")
    expect(page.locator("#sell")).to_have_count(0)  # nothing on sale: no sell form
    page.goto(f"/console/joint-cards/{sold['id']}")
    page.click("#consume-button")  # the card sold before the pause stays usable
    expect(page.locator(".flash[role=status]")).to_have_text("已核销 汽车精洗 ×1,剩 1 次")
    page.context.clear_cookies()
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/joint-cards")
    page.click(f"#resume-product-{created['id']}")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已恢复销售")
