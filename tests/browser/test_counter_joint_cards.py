"""A joint card's component used at the counter on a phone (390×844): the clerk finds the member, the desk lists
their joint card with the component served here and what is left, one press uses it; the card's page says so,
a reload uses nothing twice, and the link back shows the same member at the desk."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_counter import find_member, fits_the_screen
from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.counter.test_joint_cards import sold_card, units_left


def test_a_clerk_uses_a_joint_card_component_right_after_finding_the_member(phone: Page, world: World) -> None:
    tier, sold, card = sold_card(world)  # m1 sold m1's member 2 car washes (m1) and a gym month (m2)
    wash = tier["components"][0]
    log_in(phone, world.a.actors["staff1"].username)
    find_member(phone, card)
    box = phone.locator(f"#joint-card-{sold['id']}")
    expect(box).to_contain_text("城市生活联名卡 · 经济版")
    expect(phone.locator(f"#jc-{sold['id']}-component option")).to_have_count(1)  # only what is served here
    expect(phone.locator(f"#jc-{sold['id']}-component")).to_have_value(str(wash["id"]))
    expect(box).to_contain_text("汽车精洗 · 剩 2/2 次")
    assert fits_the_screen(phone)

    phone.click(f"#jc-{sold['id']}-use")
    expect(phone.locator(".flash[role=status]")).to_have_text("已核销 汽车精洗 ×1,剩 1 次")
    expect(phone.locator(f"#component-{wash['id']} .units-left")).to_have_text("1 / 2 次")
    expect(phone).to_have_url(re.compile(rf"/console/joint-cards/{sold['id']}\?used=\d+&from=counter$"))
    assert fits_the_screen(phone)
    phone.reload()
    expect(phone.locator(f"#component-{wash['id']} .units-left")).to_have_text("1 / 2 次")
    assert units_left(world, sold["id"]) == [1, 1]

    phone.click("#back-to-counter")
    expect(phone.locator("#member-card")).to_be_visible()
    expect(phone.locator(f"#joint-card-{sold['id']}")).to_contain_text("汽车精洗 · 剩 1/2 次")
    phone.fill(f"#jc-{sold['id']}-units", "5")  # more than is left: said next to the field, nothing used
    phone.click(f"#jc-{sold['id']}-use")
    expect(phone.locator("#e-units")).to_have_text("该项目剩余次数不足")
    assert units_left(world, sold["id"]) == [1, 1]
