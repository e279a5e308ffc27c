"""A merchant admin defines a joint card on the console page (a mistake shown next to its field first), and the
counter sells it: joint-card product to sale through the pages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.web.test_counter_pages import API, card_of, ok


def test_a_joint_card_is_defined_on_the_page_and_sold_at_the_counter(page: Page, world: World) -> None:
    m1, m2, _ = world.a.merchants
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/joint-cards")
    page.click("#new-product-link")
    page.fill("#f-name", "城市生活联名卡")
    page.fill("#f-t0_name", "舒适版")
    page.fill("#f-t0_price", "1950.5")
    page.select_option("#f-t0c0_merchant_id", str(m1))
    page.fill("#f-t0c0_name", "汽车精洗保养")
    page.fill("#f-t0c0_units", "2")
    page.fill("#f-t0c0_list_value", "1600")
    page.select_option("#f-t0c1_merchant_id", str(m2))
    page.fill("#f-t0c1_name", "健身月卡")
    page.fill("#f-t0c1_units", "1")
    page.fill("#f-t0c1_unit_name", "月卡")
    page.fill("#f-t0c1_list_value", "3,000.001")
    page.click("#create-button")
    expect(page.locator("#e-t0c1_list_value")).to_contain_text("两位小数")
    expect(page.locator("#f-t0c0_name")).to_have_value("汽车精洗保养")
    assert ok(world.client.get(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers),
              200)["items"] == []
    page.fill("#f-t0c1_list_value", "3,000.00")
    page.click("#create-button")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已创建,可以售卡了")
    expect(page.locator("#products")).to_contain_text("舒适版 · ¥1,950.50")

    page.context.clear_cookies()
    log_in(page, world.a.actors["staff1"].username)
    expect(page).not_to_have_url("/login")
    page.goto("/console/joint-cards")
    expect(page.locator("#f-tier_id")).to_contain_text("城市生活联名卡 · 舒适版 · ¥1,950.50")
    page.fill("#f-card", card_of(world, world.a.members[m1]))
    page.fill("#f-external_id", "JC-NEW-1")
    page.click("#sell-button")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已售出")
    expect(page.locator("#value-left")).to_have_text("¥1,950.50")
