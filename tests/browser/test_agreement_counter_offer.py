"""In a real browser: the partner's admin receives a proposal and counters it through the form (a bad percentage
first, its message next to the field), the proposer sees the counter-offer waiting, reads what changed in words in
the history, and accepts it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_partners_members import log_in
from tests.conftest import World


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def second(browser: Browser, live_server: str) -> Iterator[Page]:
    """The proposer's own browser."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_partner_counters_and_the_proposer_accepts_the_counter_offer(
    page: Page, second: Page, world: World
) -> None:
    c, a = world.client, world.a.actors["admin1"].headers
    agreement = ok(c.post("/api/v1/agreements", headers=a, json={
        "title": "健身 × 汽车 权益互换", "modes": ["rights_exchange"], "merchant_b_id": world.a.merchants[1],
        "commission_terms": [{"kind": "per_head", "amount_fen": 5000}], "return_window_days": 7}), 201)
    ok(c.post(f"/api/v1/agreements/{agreement['id']}/transitions", json={"action": "propose"}, headers=a))
    url = f"/console/partners/agreements/{agreement['id']}"

    log_in(page, world.a.actors["admin2"].username)
    page.goto("/console/partners")
    page.locator(f'#waiting tr[data-agreement="{agreement["id"]}"] a[data-action="counter"]').click()
    expect(page).to_have_url(re.compile(rf"{url}/counter$"))
    expect(page.locator("#f-commission_amount")).to_have_value("50.00")  # the offer on the table, to change
    page.fill("#f-commission_amount", "三十")
    page.click("#submit-counter")
    expect(page.locator("#e-commission_amount")).to_have_text("请输入金额,最多两位小数,如 199.00")
    page.fill("#f-commission_amount", "30")
    page.fill("#f-return_window_days", "14")
    page.fill("#f-reason", "新客单价不高,佣金请降到 30 元")
    page.click("#submit-counter")
    expect(page).to_have_url(re.compile(rf"{url}\?done=counter$"))
    expect(page.locator("#agreement-status")).to_have_text("已提议")
    expect(page.locator("#offer-from")).to_contain_text("alpha merchant 2")
    expect(page.locator("#terms")).to_contain_text("¥30.00")
    expect(page.locator('#actions [data-action="accept"]')).to_have_count(0)
    expect(page.locator('#actions [data-action="withdraw"]')).to_have_count(1)

    log_in(second, world.a.actors["admin1"].username)
    second.goto("/console/partners")
    waiting = second.locator(f'#waiting tr[data-agreement="{agreement["id"]}"]')
    expect(waiting.locator(".offer-from")).to_have_text("alpha merchant 2")
    waiting.locator("a", has_text="健身 × 汽车 权益互换").click()
    countered = second.locator('#history tr[data-action="counter"]')
    expect(countered).to_contain_text("还价(提出新条款)")
    expect(countered).to_contain_text("佣金:按人头 ¥50.00 · 对方支付 · 给 推荐商户 → 按人头 ¥30.00")
    expect(countered).to_contain_text("退货观察期:7 天 → 14 天")
    expect(countered).to_contain_text("新客单价不高,佣金请降到 30 元")
    assert "commission_terms" not in second.content() and "return_window_days" not in second.inner_text("body")
    second.locator('#actions button[data-action="accept"]').click()
    expect(second.locator("#agreement-status")).to_have_text("双方已确认")
    expect(second.locator("#terms")).to_contain_text("¥30.00")
    expect(second.locator("#return-window")).to_contain_text("14")
