"""The counter desk on a phone, as the service centre's store clerk uses it: find the referred member by card
number, see the partner's coupon, check the bill, redeem it with the bill and receipt number, and see the success
and the commission the order pays the referring gym and its guide. Mistakes are shown next to their field and
write nothing."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lianmeng.kit import ids
from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.web.test_counter_pages import API, ok, referral, uses_left


def find_member(phone: Page, card_no: str) -> None:
    phone.fill("#f-card", card_no)
    phone.click("#find-member")


def fits_the_screen(phone: Page) -> bool:
    return bool(phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_store_staff_redeem_a_coupon_with_the_bill_and_see_the_commission(phone: Page, world: World) -> None:
    data = referral(world)
    clerk = world.a.actors["staff2"]
    log_in(phone, clerk.username)
    expect(phone).to_have_url("/console/counter")
    find_member(phone, data["card_no"])
    expect(phone.locator("#member-phone")).to_have_text("139****0000")  # masked, never the number
    expect(phone.locator("#coupons")).to_contain_text("到店立减20")
    expect(phone.locator("#coupons")).to_contain_text(data["coupon"]["code"])
    assert fits_the_screen(phone)

    # a dry run first: the real figures, nothing kept
    phone.fill("#f-bill", "200")
    phone.fill("#f-receipt", "SVC-1001")
    phone.click("#redeem-check")
    expect(phone.locator("#result h2")).to_have_text("试算(未保存)")
    expect(phone.locator("#commission-total")).to_have_text("¥150.00")
    assert uses_left(world, data["coupon"]["id"]) == 1

    phone.fill("#f-bill", "200.00")
    phone.fill("#f-receipt", "SVC-1001")
    phone.click("#redeem-button")
    expect(phone.locator(".flash[role=status]")).to_have_text("核销成功:到店立减20,优惠 ¥20.00,实收 ¥180.00")
    expect(phone.locator("#result-paid")).to_have_text("¥180.00")
    expect(phone.locator("#commission")).to_contain_text(f"{world.a.merchants[0]}")
    expect(phone.locator("#commission")).to_contain_text("推荐导购")
    expect(phone.locator("#commission-total")).to_have_text("¥150.00")
    expect(phone.locator("#coupons")).not_to_contain_text(data["coupon"]["code"])  # used
    assert fits_the_screen(phone)

    assert uses_left(world, data["coupon"]["id"]) == 0
    expect(phone).to_have_url(re.compile(r"/console/counter\?redeemed=\d+$"))  # POST-redirect-GET
    phone.reload()  # a reload shows the result again and sends nothing
    expect(phone.locator("#result-paid")).to_have_text("¥180.00")
    assert uses_left(world, data["coupon"]["id"]) == 0
    gym = world.a.actors["admin1"].headers
    rebates = ok(world.client.get(f"{API}/rebates", headers=gym), 200)["items"]
    assert sorted((r["payee_type"], r["amount_fen"], r["status"]) for r in rebates) == [
        ("merchant", 10_000, "frozen"), ("staff", 5_000, "frozen")]


def test_an_unknown_card_is_shown_next_to_the_card_field(phone: Page, world: World) -> None:
    referral(world)
    log_in(phone, world.a.actors["staff2"].username)
    unknown = ids.CARD_PREFIX + "12345678901"
    find_member(phone, unknown + ids.luhn_check_digit(unknown))  # well formed, but nobody holds it
    expect(phone.locator("#e-card")).to_have_text("联盟卡号或二维码无效")
    expect(phone.locator("#f-card")).to_have_value(unknown + ids.luhn_check_digit(unknown))
    expect(phone.locator("#member")).to_have_count(0)
    find_member(phone, "1234")
    expect(phone.locator("#e-card")).to_have_text("联盟卡号或二维码无效")
    phone.fill("#f-card", "")
    phone.fill("#f-phone", "12")
    phone.click("#find-member")
    expect(phone.locator("#e-phone")).to_have_text("手机号格式不正确")


def test_a_bad_amount_is_shown_next_to_the_amount_and_nothing_is_written(phone: Page, world: World) -> None:
    data = referral(world)
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, data["card_no"])
    for bad in ("12.345", "abc", "-5"):
        phone.fill("#f-bill", bad)
        phone.fill("#f-receipt", "SVC-2001")
        phone.click("#redeem-button")
        expect(phone.locator("#e-bill")).to_be_visible()
        expect(phone.locator("#e-bill")).to_contain_text("金额")
        expect(phone.locator("#f-bill")).to_have_value(bad)  # kept for correcting
        expect(phone.locator(".flash[role=status]")).to_have_count(0)
    phone.click("#enrol")  # a partner's member joins this store, so orders without a coupon can be recorded
    expect(phone.locator(".flash[role=status]")).to_have_text("已加入本店会员")
    phone.fill("#f-amount", "abc")
    phone.fill("#f-order_no", "SVC-2002")
    phone.click("#order-button")
    expect(phone.locator("#e-amount")).to_contain_text("金额")
    assert uses_left(world, data["coupon"]["id"]) == 1
    desk = world.a.actors["admin2"].headers
    assert ok(world.client.get(f"{API}/redemptions", headers=desk), 200)["items"] == []
    assert ok(world.client.get(f"{API}/orders", headers=desk), 200)["items"] == []



def test_a_redemption_at_the_counter_moves_the_dashboard(phone: Page, page: Page, world: World) -> None:
    """The issue's story in two browsers: the centre's admin watches the dashboard while the clerk redeems the
    gym's customer's coupon at the counter; after a reload the arrival, the conversion and the revenue are there."""
    data = referral(world)
    log_in(page, world.a.actors["admin2"].username)
    page.goto("/console/dashboard")
    expect(page.locator("#fig-arrivals")).to_have_text("0")
    expect(page.locator("#fig-conversions")).to_have_text("0")
    expect(page.locator("#fig-revenue")).to_have_text("¥0.00")

    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, data["card_no"])
    phone.fill("#f-bill", "200")
    phone.fill("#f-receipt", "SVC-2001")
    phone.click("#redeem-button")
    expect(phone.locator(".flash[role=status]")).to_contain_text("核销成功")

    page.reload()
    expect(page.locator("#fig-arrivals")).to_have_text("1")
    expect(page.locator("#fig-conversions")).to_have_text("1")
    expect(page.locator("#fig-rate")).to_have_text("100.0%")
    expect(page.locator("#fig-revenue")).to_have_text("¥180.00")
    expect(page.locator("#top-partners")).to_contain_text("alpha merchant 1")
