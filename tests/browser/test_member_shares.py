"""我的分享 on a 390×844 phone: the member opens My shares, takes their link for the gym's offer, sees the link and
its QR code, and later their friend's first order, masked, with the frozen reward."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_member_page import sign_in
from tests.conftest import World
from tests.integration.distribution.helpers import buy, claim, new_member, offer, share_link


def test_a_member_opens_my_shares_and_sees_the_link_and_qr(world: World, phone: Page, live_server: str,
                                                           db_url: str) -> None:
    template = offer(world)
    sharer = world.a.members[world.a.merchants[0]]
    sign_in(phone, live_server, db_url, sharer)
    phone.goto("/m")
    phone.click("#nav-shares")
    expect(phone.locator(f"#offer-{template}")).to_contain_text("私教体验课")
    expect(phone.locator(f"#offer-{template}")).to_contain_text("返现 ¥20.00")
    phone.click(f"#offer-{template} button.make-link")
    link = phone.locator(f"#offer-{template} input.share-url")
    expect(link).to_have_value(f"{live_server}/claim/{share_link(world, sharer, template)}")
    expect(phone.locator(f"#offer-{template} svg.share-qr")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    friend = new_member(world, "李小明")
    claim(world, friend, share_link(world, sharer, template))
    buy(world, friend, 20_000, "browser-1")
    phone.reload()
    expect(phone.locator("#conversions li.conversion")).to_contain_text("李**")
    expect(phone.locator("#conversions li.conversion")).to_contain_text("冻结中")
    expect(phone.locator("#total-rebate-frozen")).to_have_text("¥20.00")
