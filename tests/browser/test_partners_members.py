"""In a real browser: a merchant admin proposes an agreement through the form (a bad input first, its message next
to the field), the partner's admin accepts it in their own browser; the member list shows masked phones only and
never another merchant's members; a member's page shows the points history; a withdrawal of more than is
available is refused next to the amount, and the operator approves one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from tests.conftest import PASSWORD, World

MASKED = re.compile(r"^1\d{2}\*{4}\d{4}$")


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def second(browser: Browser, live_server: str) -> Iterator[Page]:
    """Another person's browser (its own cookies)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_an_admin_proposes_through_the_form_and_the_partner_accepts(page: Page, second: Page, world: World) -> None:
    m2 = world.a.merchants[1]
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/partners")
    expect(page.locator(f'#partners tr[data-merchant="{m2}"]')).to_contain_text("尚无协议")
    page.locator(f'#partners tr[data-merchant="{m2}"] a').click()
    expect(page.locator("#f-merchant_b_id")).to_have_value(str(m2))
    page.check("#f-modes-rights_exchange")
    page.select_option("#f-commission_kind", "per_head")
    page.fill("#f-commission_amount", "五十")
    page.click("#submit-propose")
    expect(page.locator("#e-title")).to_have_text("必填")
    expect(page.locator("#e-commission_amount")).to_have_text("请输入金额,最多两位小数,如 199.00")
    expect(page.locator("#f-modes-rights_exchange")).to_be_checked()  # what was chosen is kept
    page.fill("#f-title", "健身 × 汽车 权益互换")
    page.fill("#f-commission_amount", "50")
    page.click("#submit-propose")
    expect(page).to_have_url(re.compile(r"/console/partners/agreements/\d+\?done=propose$"))
    expect(page.locator("#agreement-status")).to_have_text("已提议")
    expect(page.locator("#terms")).to_contain_text("¥50.00")
    expect(page.locator('#actions button[data-action="accept"]')).to_have_count(0)
    agreement_url = page.url

    log_in(second, world.a.actors["admin2"].username)
    second.goto("/console/partners")
    waiting = second.locator("#waiting tr", has_text="健身 × 汽车 权益互换")
    expect(waiting).to_have_count(1)
    waiting.locator('button[data-action="accept"]').click()
    expect(second.locator("#agreement-status")).to_have_text("双方已确认")
    expect(second.locator(".flash")).to_have_text("已接受,双方均已确认")
    expect(second.locator("#history tbody tr")).to_have_count(3)

    page.goto(agreement_url.split("?")[0])
    expect(page.locator("#agreement-status")).to_have_text("双方已确认")
    expect(page.locator('#actions button[data-action="activate"]')).to_have_count(1)

    # ending it takes two steps: the button opens a confirmation that needs a reason
    page.locator('#actions a[data-action="terminate"]').click()
    expect(page.locator("#agreement-status")).to_have_text("双方已确认")
    expect(page.locator("#confirm")).to_contain_text("确认终止这份协议?")
    page.click("#confirm-action")  # no reason: the browser's own check stops it (required)
    expect(page.locator("#agreement-status")).to_have_text("双方已确认")
    page.fill("#f-reason", "门店装修,暂不合作")
    page.click("#confirm-action")
    expect(page.locator("#agreement-status")).to_have_text("已终止")
    expect(page.locator('#history tr[data-action="terminate"]')).to_contain_text("门店装修,暂不合作")


def test_members_show_masked_phones_only_and_never_another_merchants(page: Page, world: World) -> None:
    m1, m2, _ = world.a.merchants
    log_in(page, world.a.actors["admin2"].username)
    page.goto("/console/members")
    rows = page.locator("#members tbody tr[data-member]")
    expect(rows).to_have_count(1)
    expect(page.locator(f'#members tr[data-member="{world.a.members[m2]}"]')).to_have_count(1)
    expect(page.locator(f'#members tr[data-member="{world.a.members[m1]}"]')).to_have_count(0)
    for text in page.locator("#members td.phone").all_inner_texts():
        assert MASKED.match(text.strip()), text
    html = page.content()
    assert "13900010001" not in html and "13900010000" not in html

    page.fill("#f-q", "139 0001 0001")
    page.click("#member-search button[type=submit]")
    expect(page.locator("#search-result")).to_contain_text("手机号 139****0001")
    expect(page.locator("#members tbody tr[data-member]")).to_have_count(1)
    expect(page.locator("#f-q")).to_have_value("")  # the phone is not written back into the page
    assert "0001" not in page.url
    page.fill("#f-q", "13900010000")  # m1's member: not ours, not found
    page.click("#member-search button[type=submit]")
    expect(page.locator("#members tbody tr[data-member]")).to_have_count(0)
    expect(page.locator("#members .empty")).to_have_text("没有找到会员")
    assert "13900010000" not in page.content()

    page.goto(f"/console/members/{world.a.members[m1]}")
    expect(page.locator("h1")).to_have_text("404")


def test_a_members_page_shows_the_points_history(page: Page, world: World) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "POS-7", "member_id": member, "amount_fen": 12_800}))
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/members")
    page.locator(f'#members tr[data-member="{member}"] a').click()
    expect(page.locator('#balances [data-kind="points"] b')).to_have_text("128 积分")
    line = page.locator('#history tr[data-cause="order"]')
    expect(line).to_have_count(1)
    expect(line).to_contain_text("消费")
    expect(line).to_contain_text("+128 积分")
    expect(page.locator("#orders tbody")).to_contain_text("POS-7")
    expect(page.locator("dd.phone")).to_have_text("139****0000")


def earn_available_rebates(world: World) -> None:
    """m1 refers a customer to m2 under a 5% agreement; after the return window m1 has ¥300 available."""
    op = world.a.actors["operator"].headers
    m1, m2 = world.a.merchants[:2]
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "导流返利", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
        "commission_terms": [{"kind": "percent_of_order", "rate_bp": 500, "payee": "merchant", "payer": "b"}]}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)
    member = world.a.members[m1]
    card = ok(world.client.get(f"/api/v1/members/{member}", headers=world.a.actors["staff1"].headers), 200)
    gym = world.a.actors["staff2"].headers
    ok(world.client.post("/api/v1/memberships", headers=gym, json={"card_no": card["card_no"]}))
    ok(world.client.post("/api/v1/orders", headers=gym, json={
        "external_id": "GYM-1", "member_id": member, "amount_fen": 600_000, "referrer_merchant_id": m1}))
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))


def test_too_much_is_refused_next_to_the_amount_and_the_operator_approves(
    page: Page, second: Page, world: World
) -> None:
    earn_available_rebates(world)
    m1 = world.a.merchants[0]
    added = world.client.post("/api/v1/payout-accounts", headers=world.a.actors["admin1"].headers, json={
        "method": "alipay", "account": "13800138000", "holder_name": "商户一"})  # withdrawals need one
    assert added.status_code == 201, added.text
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/withdrawals")
    expect(page.locator(f'#balances tr[data-payee="merchant:{m1}"] .available')).to_have_text("¥300.00")
    page.select_option("#f-payee", f"merchant:{m1}")
    page.fill("#f-amount", "1000")
    page.click("#withdraw-form button[type=submit]")
    expect(page.locator("#e-amount")).to_have_text("超过可提现余额(可提现 ¥300.00)")
    expect(page.locator("#f-amount")).to_have_value("1000")
    page.fill("#f-amount", "200")
    page.click("#withdraw-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("提现申请已提交,等待审核")
    expect(page.locator(f'#balances tr[data-payee="merchant:{m1}"] .available')).to_have_text("¥100.00")
    request = page.locator("#requests tr[data-withdrawal]").first
    expect(request).to_contain_text("待审核")
    expect(request.locator("button")).to_have_count(0)  # a merchant's own request is the operator's to decide

    log_in(second, world.a.actors["operator"].username)
    second.goto("/console/withdrawals")
    row = second.locator('#requests tr[data-status="requested"]')
    expect(row).to_have_count(1)
    row.locator('button[data-decision="approve"]').click()
    expect(second.locator(".flash")).to_have_text("已批准提现申请")
    expect(second.locator('#requests tr[data-status="approved"]')).to_contain_text("已批准,待打款")

    page.reload()
    expect(page.locator("#requests tr[data-withdrawal]").first).to_contain_text("已批准,待打款")
