"""Money between merchants in the browser: the gym's admin reads January's statement, disputes its commission line
(a reason is required, shown next to the field), the operator corrects it and both confirm; the statement downloads
as XLSX; a line drills down to the orders behind it; the guide sees each rebate; a payout account is added and a
withdrawal paid to it; the operator's settle form refuses a bad period next to the field."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.web.test_partner_member_pages import earn_available_rebates
from tests.scenarios.test_monthly_settlement_story import call, january, on


def settled_january(world: World) -> dict[str, int]:
    facts = january(world)
    with on(2, 1, 1):
        run = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 201)
    call(world, "operator", "POST", f"/settlement/runs/{run['id']}/issue")
    listed = call(world, "operator", "GET", "/statements", params={"run_id": run["id"]})["items"]
    return {s["merchant_id"]: s["id"] for s in listed} | {"gym": facts["gym"]}


def test_a_statement_is_disputed_corrected_confirmed_and_downloaded(page: Page, browser: Browser, live_server: str,
                                                                     world: World) -> None:
    statements = settled_january(world)
    gym_statement = statements[statements["gym"]]
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/money")
    expect(page.locator("#statements")).to_contain_text("2027-01")
    expect(page.locator("#statements")).not_to_contain_text(world.a.actors["admin2"].username)
    page.click(f"a[href='/console/money/statements/{gym_statement}']")
    expect(page.locator("#net")).to_have_text("¥3,000.00")
    expect(page.locator("#lines")).to_contain_text("推荐佣金")
    expect(page.locator("#lines")).to_contain_text("联合卡分账")
    expect(page.locator("#counterparties")).to_contain_text("联盟总部")

    # a dispute needs a reason: the message appears next to the field, and nothing changes
    page.locator("#lines input[type=checkbox]").first.check()
    page.click("#dispute")
    expect(page.locator("#e-reason")).to_be_visible()
    expect(page.locator("#status")).to_have_text("已出具")
    page.fill("#f-reason", "佣金少算 ¥1.00")
    page.locator("#lines input[type=checkbox]").first.check()
    page.click("#dispute")
    expect(page.locator("#status")).to_have_text("有异议")

    # the operator corrects it (a bad amount is refused next to the field first) and confirms
    operator_context = browser.new_context(base_url=live_server, locale="zh-CN")
    operator = operator_context.new_page()
    log_in(operator, world.a.actors["operator"].username)
    operator.goto(f"/console/money/statements/{gym_statement}")
    operator.select_option("#f-line_id", index=1)
    operator.fill("#f-amount", "abc")
    operator.fill("#f-note", "补差")
    operator.click("#adjust")
    expect(operator.locator("#e-amount")).to_be_visible()
    operator.select_option("#f-line_id", index=1)
    operator.fill("#f-amount", "1.00")
    operator.fill("#f-note", "佣金补差")
    operator.click("#adjust")
    expect(operator.locator("#status")).to_have_text("已调整")
    expect(operator.locator("#net")).to_have_text("¥3,001.00")
    operator.click("#confirm")
    expect(operator.locator(".flash")).to_have_text("已确认")

    # the gym confirms too: confirmed, and the XLSX says the same
    page.goto(f"/console/money/statements/{gym_statement}")
    expect(page.locator("#lines")).to_contain_text("佣金补差")
    page.click("#confirm")
    expect(page.locator("#status")).to_have_text("已确认")
    with page.expect_download() as download:
        page.click("#xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    assert [c.value for c in sheet[3]][:4] == ["行号", "对方", "科目", "事项"]
    assert sheet.cell(row=sheet.max_row, column=6).value == 3001

    # the operator records the payout
    operator.goto(f"/console/money/statements/{gym_statement}")
    operator.fill("#f-payout_ref", "ICBC-20270205-0001")
    operator.click("#pay")
    expect(operator.locator("#status")).to_have_text("已付款")
    expect(operator.locator("#payout")).to_have_text("ICBC-20270205-0001")
    operator_context.close()


def test_a_statement_line_drills_down_to_its_orders(page: Page, world: World) -> None:
    """The gym's admin opens its January statement, clicks the commission line's number and sees the centre's order
    behind it (receipt, amount), adding up to the line; the XLSX has the details sheet with the same order."""
    statements = settled_january(world)
    gym_statement = statements[statements["gym"]]
    log_in(page, world.a.actors["admin1"].username)
    page.goto(f"/console/money/statements/{gym_statement}")
    numbers = page.locator("#lines a.line-link").all_inner_texts()
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    page.locator("#lines tr", has_text="推荐佣金").locator("a.line-link").click()
    expect(page.locator("h1")).to_contain_text("第")
    expect(page.locator("#entries")).to_contain_text("SVC-0110")
    expect(page.locator("#entries")).to_contain_text("¥1,850.00")
    expect(page.locator("#entries-total")).to_have_text(page.locator("#line-amount").inner_text())
    page.click("#back")
    with page.expect_download() as download:
        page.click("#xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert len(book.worksheets) == 3
    details = book.worksheets[1]
    assert "SVC-0110" in [c.value for c in details["F"]]


def test_the_guide_sees_each_rebate(page: Page, world: World) -> None:
    """The gym's guide (store staff) sees the commission of the order it referred to the centre: the order's
    receipt, the centre as the partner that pays, ¥50.00, its unfreeze date and 冻结中."""
    facts = january(world)
    log_in(page, world.a.actors["staff1"].username)
    page.goto("/console/withdrawals")
    row = page.locator("#rebates tbody tr").first
    expect(row).to_contain_text("SVC-0110")
    expect(row.locator(".partner")).not_to_be_empty()
    expect(row.locator(".amount")).to_have_text("¥50.00")
    expect(row).to_contain_text("冻结中")
    expect(row.locator(".unfreezes")).to_contain_text("2027-")
    assert page.locator("#rebates tbody tr").count() == 1
    assert world.a.actors["staff1"].staff_id == facts["guide"]  # the page was the guide's


def test_a_payout_account_then_a_withdrawal_to_it(page: Page, world: World) -> None:
    """m1's admin has ¥300 of released rebates: asking without a payout account is refused next to the field; a
    bad card number too (and is not shown back); a WeChat Pay account is added, shown masked, chosen, and the
    request lists where it will be paid."""
    earn_available_rebates(world)
    log_in(page, world.a.actors["admin1"].username)
    page.goto("/console/withdrawals")
    expect(page.locator("#no-account")).to_be_visible()
    page.fill("#f-amount", "200")
    page.locator("#withdraw-form button[type=submit]").click()
    expect(page.locator("#e-payout_account")).to_be_visible()

    page.select_option("#f-method", "bank_card")
    page.fill("#f-account", "6222-12")
    page.fill("#f-holder_name", "商户一")
    page.fill("#f-bank_name", "招商银行")
    page.click("#add-account")
    expect(page.locator("#e-account")).to_contain_text("账号格式不对")
    expect(page.locator("#f-account")).to_have_value("")
    page.select_option("#f-method", "wechat_pay")
    page.fill("#f-account", "13800138000")
    page.fill("#f-holder_name", "商户一")
    page.fill("#f-bank_name", "")
    page.click("#add-account")
    expect(page.locator(".flash")).to_contain_text("收款账户已添加")
    expect(page.locator("#payout-accounts")).to_contain_text("微信支付")
    expect(page.locator("#payout-accounts .masked")).to_have_text("138****8000")
    assert "13800138000" not in page.content()

    expect(page.locator("#f-payout_account option")).to_have_count(1)
    page.fill("#f-amount", "200")
    page.locator("#withdraw-form button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("提现申请已提交")
    expect(page.locator("#requests .payout").first).to_contain_text("微信支付 138****8000")


def test_the_settle_form_refuses_a_bad_period_next_to_the_field(page: Page, world: World) -> None:
    log_in(page, world.a.actors["operator"].username)
    page.goto("/console/money")
    page.fill("#f-period", "2026-13")
    page.click("#settle")
    expect(page.locator("#e-period")).to_contain_text("2026-13")
    page.fill("#f-period", "2026-10")
    page.click("#settle")
    expect(page.locator(".flash")).to_contain_text("2026-10")
    page.click("#runs button:has-text('与账本核对')")
    expect(page.locator("#verify-result")).to_contain_text("核对通过")


def test_store_staff_have_no_money_pages(page: Page, world: World) -> None:
    log_in(page, world.a.actors["staff1"].username)
    response = page.goto("/console/money")
    assert response is not None and response.status == 403
