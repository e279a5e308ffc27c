"""A joint campaign set up in the browser by the operator: bad input refused next to each field, then two merchants
with their contributions, an operator-paid poster shared by contribution, started, and its report; then a campaign
from registration on the member's phone to the ROI on the operator's page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_counter import find_member, fits_the_screen
from tests.browser.test_login import log_in
from tests.browser.test_member_page import sign_in
from tests.conftest import World
from tests.integration.campaigns.test_campaigns_api import campaign_with, template
from tests.integration.web.test_counter_pages import card_of


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


def test_a_campaign_from_registration_to_roi_on_the_pages(page: Page, phone: Page, world: World, live_server: str,
                                                         db_url: str) -> None:
    """Issue 15: the member registers on the phone, the service centre's staff check them in and hand out the gift
    package, the gym's clerk redeems its coupon at the counter, and the operator reads the conversion and ROI."""
    m1, m2, _ = world.a.merchants
    cid = campaign_with(world, [m1, m2], contribution_fen=100_000)
    template(world, "admin2", "健身体验立减")
    member = world.a.members[m1]

    log_in(page, world.a.actors["operator"].username)
    page.click("#nav-campaigns")
    page.click(f"a[href='/console/campaigns/{cid}']")
    page.fill("#f-package_name", "健康生活礼包")
    page.click("#add-package")
    expect(page.locator("#e-templates")).to_have_text("请至少选择一种优惠券")
    page.locator("#package-form input[type=checkbox]").first.check()
    page.click("#add-package")
    expect(page.locator(".flash")).to_have_text("已保存")
    expect(page.locator("#packages")).to_contain_text("健康生活礼包")

    sign_in(phone, live_server, db_url, member)
    phone.goto("/m")
    phone.click("#nav-campaigns")
    phone.locator(f"#campaign-{cid} button.register").click()
    expect(phone.locator(".flash[role=status]")).to_contain_text("报名成功")
    expect(phone.locator(f"#campaign-{cid}")).to_contain_text("已报名")
    assert fits_the_screen(phone)

    page.context.clear_cookies()  # the next person on this device
    log_in(page, world.a.actors["staff1"].username)
    page.goto(f"/console/campaigns/{cid}")
    page.locator("#registrations button.check-in").click()
    expect(page.locator("#registrations")).to_contain_text("已签到")
    page.locator("#registrations button.hand-out").click()
    expect(page.locator("#registrations")).to_contain_text("健康生活礼包 · 已领取")

    phone.context.clear_cookies()  # the next person on this device
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, card_of(world, member))
    expect(phone.locator("#coupons")).to_contain_text("健身体验立减")
    phone.fill("#f-bill", "300")
    phone.fill("#f-receipt", "GYM-1")
    phone.click("#redeem-button")
    expect(phone.locator(".flash[role=status]")).to_contain_text("核销成功")

    page.context.clear_cookies()
    log_in(page, world.a.actors["operator"].username)
    page.goto(f"/console/campaigns/{cid}")
    expect(page.locator("#report")).to_contain_text("¥290.00")
    expect(page.locator("#report")).to_contain_text("0.3×")
    expect(page.locator("#registrations")).to_contain_text("已签到")
    page.goto("/console/campaigns")
    expect(page.locator(f"#campaigns a[href='/console/campaigns/{cid}']")).to_be_visible()
