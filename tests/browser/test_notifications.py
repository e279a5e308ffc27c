"""In a real browser: a merchant proposes an agreement; the partner's admin sees the bell's count, opens the
notification centre, follows the link to the agreement, comes back and marks it read (the count goes), then turns
proposals off, and the next proposal is not notified."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_partners_members import log_in
from tests.conftest import World


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def propose(world: World, title: str) -> int:
    c, a = world.client, world.a.actors["admin1"].headers
    agreement = ok(c.post("/api/v1/agreements", headers=a, json={
        "title": title, "modes": ["rights_exchange"], "merchant_b_id": world.a.merchants[1],
        "commission_terms": [{"kind": "per_head", "amount_fen": 5000}], "return_window_days": 7}), 201)
    ok(c.post(f"/api/v1/agreements/{agreement['id']}/transitions", json={"action": "propose"}, headers=a))
    return int(agreement["id"])


def test_the_partner_sees_the_bell_follows_the_link_marks_read_and_turns_proposals_off(
    page: Page, world: World
) -> None:
    agreement = propose(world, "健身 × 汽车 权益互换")
    log_in(page, world.a.actors["admin2"].username)
    page.goto("/console/partners")
    expect(page.locator("#bell-count")).to_have_text("1")
    page.click("#nav-bell")
    expect(page).to_have_url(re.compile(r"/console/notifications$"))
    row = page.locator("#notifications tbody tr").first
    expect(row).to_have_class("unread")
    expect(row).to_contain_text("收到合作提议")
    expect(row).to_contain_text("alpha merchant 1 向您提议合作协议「健身 × 汽车 权益互换」,请查看并答复")
    assert "proposal_received" not in page.inner_text("body")
    row.locator("a.follow").click()
    expect(page).to_have_url(re.compile(rf"/console/partners/agreements/{agreement}$"))
    expect(page.locator("#agreement-status")).to_have_text("已提议")

    page.goto("/console/notifications")
    page.locator("#notifications tbody tr").first.locator("button.mark-read").click()
    expect(page).to_have_url(re.compile(r"/console/notifications\?done=read$"))
    expect(page.locator("#notifications tbody tr").first).to_have_class("read")
    expect(page.locator("#bell-count")).to_have_count(0)

    page.click("#to-settings")
    box = page.locator("#kind-proposal_received")
    expect(box).to_be_checked()
    expect(page.locator("#settings-form")).to_contain_text("收到合作提议")
    box.uncheck()
    page.click("#save-settings")
    expect(page).to_have_url(re.compile(r"/console/notifications/settings\?saved=1$"))
    expect(page.locator("#kind-proposal_received")).not_to_be_checked()
    expect(page.locator("#kind-statement_issued")).to_be_checked()

    propose(world, "第二份提议")
    page.goto("/console/notifications")
    expect(page.locator("#notifications tbody tr")).to_have_count(1)
    expect(page.locator("#bell-count")).to_have_count(0)
