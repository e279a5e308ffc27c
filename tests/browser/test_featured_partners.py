"""Featured placement on the member's phone (390×844): the merchant that booked today's partner-list slot is first
in /m/partners, marked 推广, and the page still fits the screen."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from lianmeng.kit import clock
from tests.browser.test_member_page import fits_the_screen, ok, sign_in
from tests.conftest import World


def test_the_featured_merchant_is_first_with_the_sponsored_badge(phone: Page, world: World, db_url: str,
                                                                  live_server: str) -> None:
    m1, _, m3 = world.a.merchants
    slot = ok(world.client.post("/api/v1/placements/slots", headers=world.a.actors["operator"].headers, json={
        "surface": "partner_list", "price_per_day_fen": 5_000, "capacity": 2, "max_days": 7}))
    ok(world.client.post("/api/v1/placements/bookings", headers=world.a.actors["admin3"].headers, json={
        "slot_id": slot["id"], "first_day": clock.today_in_shanghai().isoformat(), "days": 1}))
    sign_in(phone, live_server, db_url, world.a.members[m1])
    phone.goto("/m/partners")
    first = phone.locator("#partners > li").first
    expect(first).to_have_attribute("data-merchant", str(m3))
    expect(first.locator(".sponsored")).to_have_text("推广")
    expect(phone.locator("#partners .sponsored")).to_have_count(1)
    expect(phone.locator(f'#partners > li[data-merchant="{m1}"]')).not_to_have_class("m-partner featured")
    fits_the_screen(phone)
