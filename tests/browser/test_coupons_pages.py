"""The coupon pages as a merchant admin uses them: publish a coupon through the form (mistakes shown next to their
fields first), hand it to a member by card number, open its claim QR to print, download it as PNG or SVG. And a
joint card sold at the counter and consumed there through the pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.web.test_counter_pages import API, card_of, joint_product, ok


def test_a_merchant_admin_publishes_issues_and_shares_a_coupon(page: Page, world: World) -> None:
    m1 = world.a.merchants[0]
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/coupons")

    # mistakes first: no name, no amount for an amount-off coupon, then amounts that are not amounts
    page.click("#publish-button")
    expect(page.locator("#e-name")).to_have_text("必填")
    expect(page.locator("#e-amount")).to_have_text("这种券必填")
    page.fill("#f-name", "洗车立减30")
    page.fill("#f-amount", "30.001")
    page.fill("#f-min_spend", "abc")
    page.fill("#f-total_stock", "0")
    page.click("#publish-button")
    expect(page.locator("#e-amount")).to_contain_text("两位小数")
    expect(page.locator("#e-min_spend")).to_contain_text("两位小数")
    expect(page.locator("#e-total_stock")).to_have_text("不能小于 1")
    expect(page.locator("#e-name")).to_have_count(0)
    expect(page.locator("#f-name")).to_have_value("洗车立减30")
    assert ok(world.client.get(f"{API}/coupon-templates", headers=world.a.actors["admin1"].headers),
              200)["items"] == []

    page.fill("#f-amount", "30")
    page.fill("#f-min_spend", "100")
    page.fill("#f-total_stock", "100")
    page.fill("#f-valid_days", "30")
    page.click("#publish-button")
    expect(page.locator(".flash[role=status]")).to_have_text("已发布「洗车立减30」")
    template = ok(world.client.get(f"{API}/coupon-templates", headers=world.a.actors["admin1"].headers),
                  200)["items"][0]
    assert (template["amount_fen"], template["min_spend_fen"], template["total_stock"]) == (3_000, 10_000, 100)
    row = page.locator(f"#template-{template['id']}")
    expect(row).to_contain_text("立减 ¥30.00 · 满 ¥100.00 可用")
    expect(page.locator(f"#stock-{template['id']}")).to_have_text("0 / 100")

    # hand it to a member by card number
    row.get_by_role("link", name="发券").click()
    page.fill("#f-card", "8860 0000 0000 0000")
    page.click("#issue-button")
    expect(page.locator("#e-card")).to_have_text("联盟卡号或二维码无效")
    member = world.a.members[m1]
    page.fill("#f-card", card_of(world, member))
    page.click("#issue-button")
    expect(page.locator(".flash[role=status]")).to_contain_text("已发放「洗车立减30」")
    code = page.locator("#issued-code").inner_text()
    coupons = ok(world.client.get(f"{API}/coupons?member_id={member}", headers=world.a.actors["admin1"].headers),
                 200)["items"]
    assert [c["code"] for c in coupons] == [code]
    page.goto("/console/coupons")
    expect(page.locator(f"#stock-{template['id']}")).to_have_text("1 / 100")

    # the claim QR, printable, and as PNG and SVG
    page.locator(f"#template-{template['id']}").get_by_role("link", name="领取码").click()
    expect(page.locator("#qr svg")).to_be_visible()
    expect(page.locator("#claim-url")).to_contain_text("/claim/")
    png_href = page.locator("#qr-png").get_attribute("href")
    svg_href = page.locator("#qr-svg").get_attribute("href")
    assert png_href and svg_href and re.fullmatch(r"/console/coupons/links/[\w-]+/qr\.png", png_href)
    png = page.request.get(png_href)
    assert png.status == 200 and png.headers["content-type"] == "image/png" and png.body().startswith(b"\x89PNG")
    svg = page.request.get(svg_href)
    assert svg.status == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.body()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("#qr svg")).to_be_visible()


def test_a_joint_card_is_sold_and_consumed_at_the_counter(page: Page, world: World) -> None:
    m1 = world.a.merchants[0]
    tier = joint_product(world)["tiers"][0]
    wash, gym = tier["components"]
    log_in(page, world.a.actors["staff1"].username)
    page.goto("/console/joint-cards")
    expect(page.locator("#products")).to_contain_text("城市生活联名卡")

    page.fill("#f-card", "1234")
    page.fill("#f-external_id", "JC-1")
    page.click("#sell-button")
    expect(page.locator("#e-card")).to_have_text("联盟卡号或二维码无效")
    page.fill("#f-card", card_of(world, world.a.members[m1]))
    page.click("#sell-button")
    expect(page.locator(".flash[role=status]")).to_have_text("联合卡已售出")
    expect(page.locator(f"#component-{wash['id']} .units-left")).to_have_text("2 / 2 次")
    expect(page.locator("#value-left")).to_have_text("¥980.00")

    page.select_option("#f-component_id", str(wash["id"]))
    page.click("#consume-button")
    expect(page.locator(".flash[role=status]")).to_have_text("已核销 汽车精洗 ×1,剩 1 次")
    expect(page.locator(f"#component-{wash['id']} .units-left")).to_have_text("1 / 2 次")

    page.select_option("#f-component_id", str(gym["id"]))  # the gym's month is not ours to use
    page.click("#consume-button")
    expect(page.locator("#e-component_id")).to_contain_text("该项目属于其他商户")
    page.select_option("#f-component_id", str(wash["id"]))
    page.fill("#f-units", "5")
    page.click("#consume-button")
    expect(page.locator("#e-units")).to_have_text("该项目剩余次数不足")
    expect(page.locator(f"#component-{wash['id']} .units-left")).to_have_text("1 / 2 次")

    page.goto("/console/joint-cards")
    expect(page.locator("#card-list")).to_contain_text("城市生活联名卡")
    cards = ok(world.client.get(f"{API}/joint-cards", headers=world.a.actors["staff1"].headers), 200)["items"]
    card = ok(world.client.get(f"{API}/joint-cards/{cards[0]['id']}", headers=world.a.actors["staff1"].headers),
              200)
    assert [i["units_left"] for i in card["items"]] == [1, 1]
