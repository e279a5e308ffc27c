"""The counter's newer flows on a phone (390×844), as a store clerk runs them: refund an order just recorded,
record an order without typing a receipt number, pay with points and stored value after seeing the split, type
a card when the camera cannot scan, and record an order for a partner's member by enrolling them in the same
step."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_counter import find_member, fits_the_screen
from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.counter.test_desk import orders_of
from tests.integration.counter.test_pay import balances, funded
from tests.integration.web.test_counter_pages import API, card_of, ok, referral


def test_a_clerk_refunds_part_of_an_order_just_recorded_and_a_reload_refunds_nothing(phone: Page,
                                                                                         world: World) -> None:
    m2 = world.a.merchants[1]
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, card_of(world, world.a.members[m2]))
    phone.fill("#f-amount", "120")
    phone.fill("#f-order_no", "POS-77")
    phone.click("#order-button")
    expect(phone.locator(".flash[role=status]")).to_have_text("已记录消费 ¥120.00")
    phone.click("#refund-link")
    expect(phone.locator("#order-no")).to_have_text("POS-77")
    expect(phone.locator("#f-amount")).to_have_value("120.00")  # the whole order, unless the clerk changes it
    assert fits_the_screen(phone)
    phone.fill("#f-amount", "20")
    phone.fill("#f-reason", "少做一项")
    phone.click("#refund-button")
    expect(phone.locator(".flash[role=status]")).to_have_text("已退款 ¥20.00")
    expect(phone.locator("#order-remaining")).to_have_text("¥100.00")
    expect(phone.locator("#refunds")).to_contain_text("少做一项")
    phone.reload()  # a GET after the redirect: nothing is sent again
    expect(phone.locator("#order-remaining")).to_have_text("¥100.00")
    phone.click("#to-orders")
    expect(phone.locator("#orders")).to_contain_text("POS-77")
    expect(phone.locator("#orders")).to_contain_text("¥20.00")
    assert fits_the_screen(phone)
    orders = ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["items"]
    refunds = ok(world.client.get(f"{API}/orders/{orders[0]['id']}/refunds",
                                  headers=world.a.actors["admin2"].headers), 200)
    assert [(r["amount_fen"], r["reason"]) for r in refunds] == [(2_000, "少做一项")]


def test_an_order_needs_no_receipt_number_and_the_member_is_named_with_the_tier_in_words(phone: Page,
                                                                                          world: World) -> None:
    m2 = world.a.merchants[1]
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, card_of(world, world.a.members[m2]))
    expect(phone.locator("#member-name")).to_have_text("会员2")
    expect(phone.locator("#member-tier")).to_have_text("普通会员")  # the tier in words, never `standard`
    phone.fill("#f-amount", "45.5")
    phone.click("#order-button")  # no receipt number typed
    expect(phone.locator(".flash[role=status]")).to_have_text("已记录消费 ¥45.50")
    expect(phone.locator("#result-order")).to_contain_text("CTR-")
    assert fits_the_screen(phone)
    orders = ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["items"]
    assert [o["amount_fen"] for o in orders] == [4_550] and orders[0]["external_id"].startswith("CTR-")


def test_a_clerk_shows_the_split_then_takes_points_and_stored_value(phone: Page, world: World) -> None:
    member, card = funded(world)
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, card)
    expect(phone.locator("#order")).to_contain_text("可用 1,000 积分(值 ¥10.00)")
    expect(phone.locator("#order")).to_contain_text("本店储值余额 ¥300.00")
    phone.fill("#f-amount", "1,950.00")
    phone.fill("#f-points", "1000")
    phone.fill("#f-stored_value", "300")
    phone.click("#order-button")
    expect(phone.locator("#result h2")).to_have_text("试算(未保存)")
    expect(phone.locator("#result-points")).to_have_text("1,000 积分 = ¥10.00")
    expect(phone.locator("#result-stored-value")).to_have_text("¥300.00")
    expect(phone.locator("#result-paid")).to_have_text("¥1,640.00")
    assert fits_the_screen(phone)
    assert len(orders_of(world)) == 1  # only the one that earned the points: nothing written yet
    phone.click("#confirm-pay")
    expect(phone.locator(".flash[role=status]")).to_have_text("已记录消费 ¥1,950.00,其中现金/刷卡 ¥1,640.00")
    phone.reload()  # the confirm answered with a redirect: a reload pays nothing twice
    expect(phone.locator("#result-paid")).to_have_text("¥1,640.00")
    paid = [o for o in orders_of(world) if o["external_id"] != "EARN-1"]
    assert [(o["points_used"], o["stored_value_fen"], o["cash_fen"]) for o in paid] == [(1_000, 30_000, 164_000)]
    assert balances(world, member).get("stored_value", 0) == 0


def test_a_partners_member_is_enrolled_and_served_in_one_step(phone: Page, world: World) -> None:
    data = referral(world)
    log_in(phone, world.a.actors["staff2"].username)
    find_member(phone, data["card_no"])
    expect(phone.locator("#member-name")).to_have_text("会**")  # a partner's member: the name masked
    phone.fill("#f-amount", "300")
    phone.click("#order-button")
    expect(phone.locator("#e-enrol")).to_have_text("请先征得会员同意,勾选加入本店会员")
    expect(phone.locator("#f-amount")).to_have_value("300")
    phone.check("#f-enrol")
    phone.click("#order-button")
    expect(phone.locator(".flash[role=status]")).to_have_text("已加入本店会员,已记录消费 ¥300.00")
    expect(phone.locator("#member-tier")).to_have_text("普通会员")
    expect(phone.locator("#member-name")).to_have_text("会员1")
    assert fits_the_screen(phone)
    assert [o["amount_fen"] for o in orders_of(world)] == [30_000]
