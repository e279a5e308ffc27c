"""A joint campaign set up in the browser by the operator: bad input refused next to each field, then two merchants
with their contributions, an operator-paid poster shared by contribution, started, and its report."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_login import log_in
from tests.conftest import World


def test_the_operator_sets_up_a_campaign_and_reads_its_report(page: Page, world: World) -> None:
    log_in(page, world.a.actors["operator"].username)
    page.goto("/console/campaigns")
    page.click("#create-campaign")
    expect(page.locator("#e-starts_on")).to_be_visible()
    expect(page.locator("#e-ends_on")).to_be_visible()
    page.fill("#f-name", "新春健康节")
    page.fill("#f-starts_on", "2027-01-15")
    page.fill("#f-ends_on", "2027-01-10")
    page.click("#create-campaign")
    expect(page.locator("#e-ends_on")).to_have_text("结束日期须晚于开始日期")
    page.fill("#f-ends_on", "2027-01-30")
    page.click("#create-campaign")
    expect(page.locator("h1")).to_contain_text("新春健康节")

    m1, m2, _ = world.a.merchants
    page.select_option("#f-merchant_id", str(m1))
    page.fill("#f-contribution", "1万")
    page.click("#add-merchant")
    expect(page.locator("#e-contribution")).to_be_visible()
    for merchant, yuan in ((m1, "10,000"), (m2, "20000.00")):
        page.select_option("#f-merchant_id", str(merchant))
        page.fill("#f-contribution", yuan)
        page.click("#add-merchant")
        expect(page.locator(".flash")).to_have_text("已保存")
    expect(page.locator("#participants")).to_contain_text("¥20,000.00")

    page.fill("#f-what", "海报")
    page.fill("#f-amount", "300")
    page.click("#add-cost")
    expect(page.locator("#costs")).to_contain_text("¥300.00")
    page.click("#to-active")
    expect(page.locator("#status")).to_have_text("进行中")
    report = page.locator("#report")
    expect(report).to_contain_text("alpha merchant 1")
    expect(report).to_contain_text("¥100.00")  # m1's third of the poster
    expect(report).to_contain_text("¥200.00")
    expect(page.locator("svg.chart")).to_be_visible()
