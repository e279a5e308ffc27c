"""One sale at the counter on a phone (390×844): a coupon's discount and the rest paid with points and stored
value, the split shown before confirming, then a reload that sends nothing again."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_counter import find_member, fits_the_screen
from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.counter.test_coupon_and_points import own_coupon, uses_left
from tests.integration.counter.test_pay import balances, funded, orders


def test_a_clerk_redeems_a_coupon_and_takes_points_for_the_rest(phone: Page, world: World) -> None:
    member, card = funded(world)  # 1,000 points (¥10.00), ¥300.00 stored value at m2
    coupon = own_coupon(world, member)
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, card)
    expect(phone.locator("#coupons")).to_contain_text(coupon["code"])
    phone.fill("#f-bill", "200")
    phone.fill("#f-r_points", "1000")
    phone.fill("#f-r_stored_value", "50")
    phone.click("#redeem-button")
    expect(phone.locator("#result h2")).to_have_text("试算(未保存)")
    expect(phone.locator("#result-discount")).to_have_text("¥20.00")
    expect(phone.locator("#result-points")).to_have_text("1,000 积分 = ¥10.00")
    expect(phone.locator("#result-stored-value")).to_have_text("¥50.00")
    expect(phone.locator("#result-paid")).to_have_text("¥120.00")
    assert fits_the_screen(phone)
    assert uses_left(world, coupon["id"]) == 1 and len(orders(world)) == 1  # nothing written yet
    phone.click("#confirm-pay")
    expect(phone.locator(".flash[role=status]")).to_have_text("核销成功:到店立减20,优惠 ¥20.00,现金/刷卡 ¥120.00")
    expect(phone.locator("#result-order")).to_be_visible()
    phone.reload()  # a GET after the redirect: nothing is sent again
    expect(phone.locator("#result-paid")).to_have_text("¥120.00")
    assert uses_left(world, coupon["id"]) == 0
    paid = [o for o in orders(world) if o["points_used"]]
    assert [(o["amount_fen"], o["points_used"], o["stored_value_fen"], o["cash_fen"]) for o in paid] == [
        (18_000, 1_000, 5_000, 12_000)]
    assert balances(world, member)["stored_value"] == 25_000
    assert fits_the_screen(phone)
