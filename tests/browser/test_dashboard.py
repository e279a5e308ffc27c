"""The dashboard and the operator's alliance view in a real browser: a merchant admin sees its figures, then a
customer is referred, arrives and buys (through the API, as the counter and the member's phone would do) and the
reloaded dashboard shows it; the operator's flow matrix counts the arrival; merchant admins are kept out of the
operator's view; a wrong custom period is explained next to its field."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_login import log_in
from tests.claiming import claim_by_phone
from tests.conftest import World
from tests.scenarios.test_traffic_exchange_story import activate, ok


def refer_a_customer(world: World) -> None:
    """The gym's guide shares the service centre's coupon, a car owner claims it, shows it at the centre and buys
    a ¥1,850 first service."""
    gym, centre, _ = world.a.merchants
    client = world.client
    activate(world, gym, centre, "健身房 → 服务中心")
    check = ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
        "valid_days": 30, "total_stock": 500}))
    link = ok(client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                          json={"template_id": check["id"]}))
    claimed = ok(claim_by_phone(client, link["token"], "13688886666", name="陈先生", accept_terms=True))
    desk = world.a.actors["staff2"].headers
    arrival = ok(client.post("/api/v1/coupons/redeem", headers=desk, json={"code": claimed["coupon"]["code"]}))
    ok(client.post(f"/api/v1/redemptions/{arrival['id']}/order", headers=desk, json={
        "external_id": "SVC-0001", "amount_fen": 185_000,
        "items": [{"name": "首保套餐", "quantity": 1, "unit_price_fen": 185_000}]}))


def log_out(page: Page) -> None:
    page.click("header form button[type=submit]")
    expect(page).to_have_url("/login")


def test_the_dashboard_shows_a_new_referral_after_a_reload(page: Page, world: World) -> None:
    log_in(page, world.a.actors["admin2"].username)
    expect(page).to_have_url("/console/dashboard")
    expect(page.locator("h1")).to_contain_text("数据看板")
    expect(page.locator("#merchant-name")).to_have_text("alpha merchant 2")
    expect(page.locator("#fig-arrivals")).to_have_text("0")
    expect(page.locator("#fig-conversions")).to_have_text("0")
    expect(page.locator("#fig-revenue")).to_have_text("¥0.00")
    expect(page.locator("#fig-rate")).to_have_text("—")
    expect(page.locator("#funnel-chart svg[role=img]")).to_be_visible()
    expect(page.locator("#flow-chart")).to_contain_text("暂无数据")

    refer_a_customer(world)
    page.reload()
    expect(page.locator("#fig-referrals-in")).to_have_text("1")
    expect(page.locator("#fig-arrivals")).to_have_text("1")
    expect(page.locator("#fig-conversions")).to_have_text("1")
    expect(page.locator("#fig-rate")).to_have_text("100.0%")
    expect(page.locator("#fig-revenue")).to_have_text("¥1,850.00")
    expect(page.locator("#cac-compare")).to_contain_text("¥200.00")  # the paid-ads benchmark next to ours
    expect(page.locator("#top-partners")).to_contain_text("alpha merchant 1")
    expect(page.locator("#flow-chart svg rect.chart-bar[data-value='1']")).to_have_count(1)
    expect(page.locator("#funnel-chart svg rect.chart-bar[data-value='1']")).to_have_count(3)
    expect(page.locator("#period-week")).to_be_visible()
    page.click("#period-week")
    expect(page.locator("#fig-revenue")).to_have_text("¥1,850.00")

    # the gym referred him: its admin sees the referral out and ¥155.50 frozen (¥100 per head + 3% of ¥1,850)
    log_out(page)
    log_in(page, world.a.actors["admin1"].username)
    expect(page.locator("#fig-referrals-out")).to_have_text("1")
    expect(page.locator("#fig-sent-arrivals")).to_have_text("1")
    expect(page.locator("#fig-revenue")).to_have_text("¥0.00")
    expect(page.locator("#rebate-frozen")).to_have_text("¥155.50")
    expect(page.locator("#rebate-available")).to_have_text("¥0.00")
    expect(page.locator("#leaderboard tr.me")).to_contain_text("alpha merchant 1")

    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename.endswith(".csv")


def test_the_operator_sees_the_flow_in_the_matrix_and_merchants_are_kept_out(page: Page, world: World) -> None:
    refer_a_customer(world)
    log_in(page, world.a.actors["operator"].username)
    expect(page).to_have_url("/console/operator")
    expect(page.locator("#merchants tbody tr")).to_have_count(3)
    expect(page.locator("#tot-arrivals")).to_have_text("1")
    cell = page.locator('#matrix g.cell[data-row="alpha merchant 1"][data-col="alpha merchant 2"] text')
    expect(cell).to_have_text("1")
    expect(page.locator('#matrix g.cell[data-row="alpha merchant 2"][data-col="alpha merchant 1"] text')).to_have_text(
        "0")
    expect(page.locator("#network path.edge.edge-active")).to_have_count(1)
    page.locator("#merchants tr", has_text="alpha merchant 2").locator("a.dashboard-link").click()
    expect(page.locator("#merchant-name")).to_have_text("alpha merchant 2")
    expect(page.locator("#fig-revenue")).to_have_text("¥1,850.00")

    log_out(page)
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/operator")
    expect(page.locator("h1")).to_have_text("403")
    expect(page.locator("p.flash.error")).to_have_text("无权执行此操作")


def test_a_wrong_custom_period_is_explained_next_to_the_field(page: Page, world: World) -> None:
    log_in(page, world.a.actors["admin1"].username)
    page.click("#period-custom")
    page.fill("#f-date_from", "2025-03-05")
    page.fill("#f-date_to", "2025-03-01")
    page.click("#apply-period")
    expect(page.locator("#e-date_to")).to_have_text("开始日期(2025-03-05)晚于结束日期(2025-03-01)")
    expect(page.locator("#fig-revenue")).to_have_count(0)
    page.goto("/console/dashboard?period=custom&date_from=2025-02-30&date_to=2025-03-01")
    expect(page.locator("#e-date_from")).to_have_text("日期格式不正确,请按 2025-11-03 的格式填写")
    page.fill("#f-date_from", "2025-02-01")
    page.click("#apply-period")
    expect(page.locator("#period-range")).to_have_text("2025-02-01 至 2025-03-01")
    expect(page.locator("#fig-arrivals")).to_have_text("0")
