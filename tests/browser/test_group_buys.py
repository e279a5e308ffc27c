"""Group buys (拼团) in a real browser: on 390×844 phones a member starts a group and sees its share link and QR
code, a friend opens the link, logs in with the SMS code and joins, the group (of 2) forms and both see it formed;
a third member who opened the link while a seat was free is told, in words, that the group is full. And a
merchant admin defines an offer on the console page (a mistake shown next to its field first)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_login import log_in
from tests.browser.test_member_page import fits_the_screen, sign_in, sms_code
from tests.conftest import World
from tests.integration.groupbuys.helpers import API, cover, create_offer, ok


@pytest.fixture
def phones(browser: Browser, live_server: str) -> Iterator[list[Page]]:
    """Three phone-sized tabs, each a browser of its own (its own cookies)."""
    contexts = [browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
                for _ in range(3)]
    tabs = []
    for context in contexts:
        context.set_default_timeout(15_000)
        tabs.append(context.new_page())
    yield tabs
    for context in contexts:
        context.close()


def test_a_member_starts_a_group_a_friend_joins_by_the_link_and_it_forms(
    phones: list[Page], world: World, db_url: str, live_server: str
) -> None:
    leader, friend, late = phones
    m1, _, m3 = world.a.merchants
    cover(world)
    offer = create_offer(world, "admin1", group_size=2)
    sign_in(leader, live_server, db_url, world.a.members[m1])
    leader.goto("/m")
    leader.click("#nav-group-buys")
    expect(leader).to_have_url("/m/group-buys")
    card = leader.locator(f"#offer-{offer['id']}")
    expect(card.locator(".group-price")).to_have_text("¥199.00")
    expect(card).to_contain_text("2人团")
    fits_the_screen(leader)
    leader.clock.install()  # the countdown's timer, moved on by hand below
    card.locator("button[type=submit]").click()
    expect(leader.locator(".flash[role=status]")).to_contain_text("已开团并付款")
    expect(leader.locator("#group-progress")).to_contain_text("已拼 1 / 2 人")
    expect(leader.locator("#group-countdown")).to_contain_text("还剩 23 小时")
    leader.clock.run_for("02:00:00")
    expect(leader.locator("#group-countdown")).to_contain_text("还剩 21 小时")
    expect(leader.locator("#share-qr svg.group-qr")).to_be_visible()
    link = leader.locator("#share-link").input_value()
    assert link.startswith(f"{live_server}/g/"), link
    fits_the_screen(leader)
    group_page = leader.url

    # a third member opens the link while a seat is still free
    sign_in(late, live_server, db_url, world.a.members[m3])
    late.goto(link)
    expect(late.locator("#join")).to_be_visible()

    # the friend opens the link, logs in with the SMS code, comes back and joins
    friend.goto(link)
    expect(friend.locator("#invited-by")).to_have_text("会** 邀你一起拼团")
    expect(friend.locator("#group-progress")).to_contain_text("已拼 1 / 2 人")
    fits_the_screen(friend)
    friend.click("#login-to-join")
    expect(friend).to_have_url(f"/m/login?next=/g/{link.rsplit('/', 1)[1]}&alliance=alpha")
    friend.fill("#f-phone", "139 0001 0001")
    friend.click("#send-code")
    friend.fill("#f-code", sms_code(db_url))
    friend.click("#verify")
    expect(friend).to_have_url(link)
    friend.click("#join")
    expect(friend.locator("#group-formed")).to_contain_text("已成团")
    expect(friend.locator("#group-state")).to_have_text("已成团已发放")
    expect(friend.locator("#package")).to_contain_text("健身周卡")
    fits_the_screen(friend)

    leader.goto(group_page)
    expect(leader.locator("#group-formed")).to_contain_text("已成团")
    expect(leader.locator("#group-progress")).to_contain_text("已拼 2 / 2 人")
    expect(leader.locator("#share")).to_have_count(0)

    # the late member's page still offers the join: the group is full now, and the page says so
    late.click("#join")
    expect(late.locator("#join-error")).to_have_text("该团已满员,可以自己开一个新团")
    expect(late.locator("#join")).to_have_count(0)
    fits_the_screen(late)
    groups = ok(world.client.get(f"{API}/group-buys/{offer['id']}/groups", headers=world.a.actors["admin1"].headers),
                200)
    assert (groups["formed"], groups["seats_issued"]) == (1, 2)


def test_a_merchant_admin_creates_an_offer_on_the_console(page: Page, world: World) -> None:
    m1, m2, _ = world.a.merchants
    cover(world)
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/dashboard")
    page.click("#nav-group-buys")
    page.click("#new-offer-link")
    page.fill("#f-name", "洗车+健身周卡 两人团")
    page.fill("#f-price", "199.001")
    page.fill("#f-group_size", "2")
    page.fill("#f-hours_to_form", "24")
    page.select_option("#f-c0_merchant_id", str(m1))
    page.fill("#f-c0_name", "精洗一次")
    page.fill("#f-c0_units", "1")
    page.fill("#f-c0_list_value", "88")
    page.select_option("#f-c1_merchant_id", str(m2))
    page.fill("#f-c1_name", "健身周卡")
    page.fill("#f-c1_units", "1")
    page.fill("#f-c1_unit_name", "周")
    page.fill("#f-c1_list_value", "199")
    page.click("#create-button")
    expect(page.locator("#e-price")).to_contain_text("两位小数")
    expect(page.locator("#f-c1_name")).to_have_value("健身周卡")
    page.fill("#f-price", "199.00")
    page.click("#create-button")
    expect(page.locator(".flash[role=status]")).to_have_text("拼团已创建,会员现在可以开团了")
    row = page.locator("#offer-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("洗车+健身周卡 两人团")
    expect(row).to_contain_text("¥199.00")
    expect(row).to_contain_text("进行中")
    row.locator(".offer-link").click()
    expect(page.locator("#groups-open")).to_have_text("0")
    expect(page.locator("#money-paid")).to_have_text("¥0.00")
