"""In a real browser: a merchant admin narrows its member list by tier, value class and stars, and searches by the
phone's last four digits; the filters stay chosen and paging keeps them; another merchant's members never show."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.browser.test_partners_members import log_in
from tests.conftest import World
from tests.integration.members.test_member_list_filters import make_gold
from tests.integration.values.test_api import seed


def test_an_admin_filters_and_searches_its_members(page: Page, world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    member = seed(world, session)
    make_gold(world, member)
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/members")
    rows = page.locator("#members tbody tr[data-member]")
    expect(rows).to_have_count(7)
    page.select_option("#f-tier", "gold")
    page.click("#member-search button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/members\?tier=gold$"))
    expect(rows).to_have_count(1)
    expect(page.locator(f'#members tr[data-member="{member}"]')).to_contain_text("金卡会员")
    expect(page.locator("#f-tier")).to_have_value("gold")
    page.select_option("#f-tier", "")
    page.select_option("#f-value", "important_value")
    page.select_option("#f-stars", "6")
    page.click("#member-search button[type=submit]")
    expect(rows).to_have_count(1)
    expect(page.locator("#f-value option:checked")).to_have_text("重要价值")
    page.click("#clear-filters")
    expect(rows).to_have_count(7)
    page.fill("#f-q", "0001")  # m2's member's phone ends 0001: not ours
    page.click("#member-search button[type=submit]")
    expect(rows).to_have_count(0)
    expect(page.locator(f'#members tr[data-member="{world.a.members[m2]}"]')).to_have_count(0)
    page.fill("#f-q", "0000")
    page.click("#member-search button[type=submit]")
    expect(page.locator(f'#members tr[data-member="{world.a.members[m1]}"]')).to_have_count(1)
