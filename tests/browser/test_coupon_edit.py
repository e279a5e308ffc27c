"""In a real browser: a merchant admin pauses a published coupon from the coupons page, resumes it, and edits its
name and stock (a stock below what was issued first: refused next to the field, in words)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_partners_members import log_in, ok
from tests.conftest import World


def test_an_admin_pauses_resumes_and_edits_a_coupon(page: Page, world: World) -> None:
    c, admin = world.client, world.a.actors["admin1"].headers
    template = ok(c.post("/api/v1/coupon-templates", headers=admin, json={
        "name": "首次保养立减50", "kind": "amount_off", "amount_fen": 5_000, "valid_days": 30, "total_stock": 10,
        "per_member_limit": 2}))
    for _ in range(2):
        ok(c.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers, json={
            "template_id": template["id"], "member_id": world.a.members[world.a.merchants[0]]}))

    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/coupons")
    page.locator(f'#template-{template["id"]} a.edit-link').click()
    expect(page).to_have_url(re.compile(rf"/console/coupons/{template['id']}/edit$"))
    expect(page.locator("#locked-terms")).to_contain_text("立减 ¥50.00")
    expect(page.locator("#template-status")).to_have_text("发放中")
    page.click("#pause-button")
    expect(page.locator("#template-status")).to_have_text("已暂停")
    expect(page.locator(".flash")).to_have_text("已暂停发放")
    page.goto("/console/coupons")
    expect(page.locator(f'#template-{template["id"]} .status')).to_have_text("已暂停")
    page.locator(f'#template-{template["id"]} a.edit-link').click()
    page.click("#resume-button")
    expect(page.locator("#template-status")).to_have_text("发放中")

    page.fill("#f-name", "年终保养立减50")
    page.fill("#f-total_stock", "1")
    page.click("#save-button")
    expect(page.locator("#e-total_stock")).to_have_text("库存不能少于已发出的 2 张")
    expect(page.locator("#f-name")).to_have_value("年终保养立减50")  # what was typed is kept
    page.fill("#f-total_stock", "100")
    page.click("#save-button")
    expect(page.locator(".flash")).to_have_text("已保存")
    expect(page.locator("h1")).to_contain_text("年终保养立减50")
    page.goto("/console/coupons")
    expect(page.locator(f'#stock-{template["id"]}')).to_have_text("2 / 100")
