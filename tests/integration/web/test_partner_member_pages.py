"""Console pages of partners, members and withdrawals through TestClient: the same tenancy as the API (another
merchant's member is a 404 page), phones never in clear in any HTML, CSRF on every form, errors next to their
field, and the agreement and withdrawal flows end to end."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from tests.conftest import World
from tests.integration.web.console import CSRF
from tests.integration.web.console import console as login


def console(client: TestClient, username: str) -> TestClient:
    return login(client, username, raise_server_exceptions=False)


def csrf_of(browser: TestClient, path: str) -> str:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


def error_next_to(html: str, field: str) -> str:
    """The text of the error shown next to a field (`<small class="error" id="e-<field>">`)."""
    match = re.search(rf'<small class="error" id="e-{field}" role="alert">([^<]*)</small>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def phone_of(world: World, index: int) -> str:
    return f"139{10_000 + index:08d}"  # as tests.conftest.world enrols them in alliance A


PROPOSAL = {"title": "健身 × 汽车 权益互换", "modes": "rights_exchange", "commission_kind": "per_head",
            "commission_amount": "50", "payer": "b", "payee": "merchant", "return_window_days": "7",
            "settlement_cycle": "monthly", "then": "propose"}


def test_propose_with_errors_next_to_fields_then_the_partner_accepts(world: World) -> None:
    m2 = world.a.merchants[1]
    admin1 = console(world.client, world.a.actors["admin1"].username)
    token = csrf_of(admin1, "/console/partners/propose")
    bad = admin1.post("/console/partners/propose", data={
        **PROPOSAL, "csrf": token, "title": "", "merchant_b_id": str(m2), "commission_amount": "5o",
        "valid_from": "2030-02-01", "valid_until": "2030-01-01"})
    assert bad.status_code == 422
    assert error_next_to(bad.text, "title") == "必填"
    assert error_next_to(bad.text, "commission_amount") == "请输入金额,最多两位小数,如 199.00"
    assert error_next_to(bad.text, "valid_until") == "结束日期不能早于开始日期"
    assert 'value="5o"' in bad.text  # what was typed stays in the form
    no_mode = admin1.post("/console/partners/propose", data={
        **{k: v for k, v in PROPOSAL.items() if k != "modes"}, "csrf": token, "merchant_b_id": str(m2)})
    assert no_mode.status_code == 422 and error_next_to(no_mode.text, "modes") == "请至少选择一种合作模式"

    done = admin1.post("/console/partners/propose", data={**PROPOSAL, "csrf": token, "merchant_b_id": str(m2)},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    location = done.headers["location"]
    agreement_id = int(location.split("/")[-1].split("?")[0])
    detail = admin1.get(location)
    assert "已提议" in detail.text and "协议已提交,等待对方确认" in detail.text
    assert "按人头" in detail.text and "¥50.00" in detail.text
    assert 'data-action="accept"' not in detail.text  # the proposer cannot accept its own proposal
    refused = admin1.post(f"/console/partners/agreements/{agreement_id}/accept", data={"csrf": token})
    assert refused.status_code == 409 and "须由对方商户决定" in refused.text

    admin3 = console(world.client, world.a.actors["admin3"].username)
    assert admin3.get(location).status_code == 404  # not a party: not even shown

    admin2 = console(world.client, world.a.actors["admin2"].username)
    partners = admin2.get("/console/partners")
    assert 'id="waiting"' in partners.text and "健身 × 汽车 权益互换" in partners.text
    token2 = csrf_of(admin2, "/console/partners")
    accepted = admin2.post(f"/console/partners/agreements/{agreement_id}/accept", data={"csrf": token2},
                           follow_redirects=False)
    assert accepted.status_code == 303
    after = admin2.get(accepted.headers["location"])
    assert "双方已确认" in after.text
    history = after.text[after.text.index('id="history"'):]
    assert history.count("<tr data-action=") == 3  # drafted, proposed, accepted
    again = admin2.post(f"/console/partners/agreements/{agreement_id}/accept", data={"csrf": token2})
    assert again.status_code == 409 and "不能「接受」" in again.text
    api = ok(world.client.get(f"/api/v1/agreements/{agreement_id}", headers=world.a.actors["admin2"].headers), 200)
    assert api["status"] == "accepted" and api["commission_terms"][0]["amount_fen"] == 5_000


def test_a_merchant_sees_only_its_members_and_never_a_phone_in_clear(world: World) -> None:
    m1, m2, _ = world.a.merchants
    theirs = world.a.members[m1]
    ours = world.a.members[m2]
    admin2 = console(world.client, world.a.actors["admin2"].username)
    listing = admin2.get("/console/members")
    assert listing.status_code == 200
    assert f'data-member="{ours}"' in listing.text and f'data-member="{theirs}"' not in listing.text
    assert "139****0001" in listing.text
    other = admin2.get(f"/console/members/{theirs}")
    assert other.status_code == 404 and "未找到会员" in other.text
    assert admin2.get("/console/members/999999999").status_code == 404
    mine = admin2.get(f"/console/members/{ours}")
    assert mine.status_code == 200 and "139****0001" in mine.text

    token = csrf_of(admin2, "/console/members")
    by_phone = admin2.post("/console/members", data={"csrf": token, "q": phone_of(world, 1)})
    assert by_phone.status_code == 200 and f'data-member="{ours}"' in by_phone.text
    assert "手机号 139****0001" in by_phone.text
    not_ours = admin2.post("/console/members", data={"csrf": token, "q": phone_of(world, 0)})
    assert f'data-member="{theirs}"' not in not_ours.text and "没有找到会员" in not_ours.text
    card = ok(world.client.get(f"/api/v1/members/{ours}", headers=world.a.actors["admin2"].headers), 200)["card_no"]
    by_card = admin2.post("/console/members", data={"csrf": token, "q": card}, follow_redirects=True)
    assert f'data-member="{ours}"' in by_card.text

    operator = console(world.client, world.a.actors["operator"].username)
    everyone = operator.get("/console/members")
    assert all(f'data-member="{m}"' in everyone.text for m in world.a.members.values())
    assert f'data-member="{world.b.members[world.b.merchants[0]]}"' not in everyone.text  # alliance B's
    pages = [listing, mine, by_phone, not_ours, by_card, everyone, operator.get(f"/console/members/{theirs}")]
    for html in (p.text for p in pages):
        for index in range(3):
            assert phone_of(world, index) not in html
            assert phone_of(world, index)[3:] not in html  # not even the digits after the prefix


def test_member_page_shows_points_history_and_orders_here(world: World) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "POS-1", "member_id": member, "amount_fen": 12_800}))
    admin1 = console(world.client, world.a.actors["admin1"].username)
    page = admin1.get(f"/console/members/{member}")
    assert page.status_code == 200
    history = page.text[page.text.index('id="history"'):page.text.index('id="orders"')]
    assert 'data-cause="order"' in history and "+128 积分" in history
    assert "POS-1" in page.text and "¥128.00" in page.text
    assert 'data-kind="points"><b>128 积分' in page.text
    # m2 does not see m1's orders even once the member is enrolled there too
    card = ok(world.client.get(f"/api/v1/members/{member}", headers=world.a.actors["staff1"].headers), 200)
    ok(world.client.post("/api/v1/memberships", headers=world.a.actors["staff2"].headers,
                         json={"card_no": card["card_no"]}))
    admin2 = console(world.client, world.a.actors["admin2"].username)
    theirs = admin2.get(f"/console/members/{member}")
    assert theirs.status_code == 200 and "POS-1" not in theirs.text and "暂无订单" in theirs.text


def earn_available_rebates(world: World) -> None:
    """m1 refers a customer to m2 under a 5% agreement; once the return window is over m1 has ¥300 available."""
    op = world.a.actors["operator"].headers
    m1, m2 = world.a.merchants[:2]
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "导流返利", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
        "commission_terms": [{"kind": "percent_of_order", "rate_bp": 500, "payee": "merchant", "payer": "b"}],
        "return_window_days": 7}))
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


def test_withdrawal_errors_next_to_the_amount_then_the_operator_approves(world: World) -> None:
    earn_available_rebates(world)
    m1 = world.a.merchants[0]
    admin1 = console(world.client, world.a.actors["admin1"].username)
    page = admin1.get("/console/withdrawals")
    balances = page.text[page.text.index('id="balances"'):page.text.index('id="withdraw-form"')]
    assert f'data-payee="merchant:{m1}"' in balances and "¥300.00" in balances
    token = csrf_of(admin1, "/console/withdrawals")
    payee = f"merchant:{m1}"
    no_account = admin1.post("/console/withdrawals", data={"csrf": token, "payee": payee, "amount": "200"})
    assert no_account.status_code == 422
    assert error_next_to(no_account.text, "payout_account").startswith("请选择收款账户")
    bad_card = admin1.post("/console/payout-accounts", data={
        "csrf": token, "method": "bank_card", "account": "6222-12", "holder_name": "商户一", "bank_name": "招商银行"})
    assert bad_card.status_code == 422 and error_next_to(bad_card.text, "account").startswith("账号格式不对")
    assert "6222-12" not in bad_card.text  # the number is never echoed back
    added = admin1.post("/console/payout-accounts", data={
        "csrf": token, "method": "bank_card", "account": "6222 0212 3456 7890 123", "holder_name": "商户一",
        "bank_name": "招商银行"}, follow_redirects=True)
    assert "收款账户已添加" in added.text and "6222 **** 0123" in added.text and "6222021234567890123" not in added.text
    account = re.findall(r'data-account="(\d+)"', added.text)[0]
    payee = f"merchant:{m1}"
    ask = {"csrf": token, "payee": payee, "payout_account": account}
    too_much = admin1.post("/console/withdrawals", data={**ask, "amount": "300.01"})
    assert too_much.status_code == 422
    assert error_next_to(too_much.text, "amount") == "超过可提现余额(可提现 ¥300.00)"
    assert 'value="300.01"' in too_much.text
    not_money = admin1.post("/console/withdrawals", data={**ask, "amount": "1.234"})
    assert error_next_to(not_money.text, "amount") == "请输入金额,最多两位小数,如 199.00"
    below = admin1.post("/console/withdrawals", data={**ask, "amount": "5"})
    assert error_next_to(below.text, "amount") == "最低提现金额为 ¥10.00"
    someone_else = admin1.post("/console/withdrawals", data={
        "csrf": token, "payee": f"merchant:{world.a.merchants[1]}", "amount": "50"})
    assert someone_else.status_code == 422 and error_next_to(someone_else.text, "payee") == "请选择提现对象"
    asked = admin1.post("/console/withdrawals", data={**ask, "amount": "200"},
                        follow_redirects=False)
    assert asked.status_code == 303
    listed = admin1.get(asked.headers["location"])
    assert "提现申请已提交" in listed.text and "待审核" in listed.text and "¥200.00" in listed.text
    assert "银行卡 招商银行 6222 **** 0123" in listed.text
    assert 'data-decision="approve"' not in listed.text  # merchants' withdrawals are the operator's to decide
    withdrawal_id = int(re.findall(r'data-withdrawal="(\d+)"', listed.text)[0])
    own = admin1.post(f"/console/withdrawals/{withdrawal_id}/approve", data={"csrf": token})
    assert own.status_code == 403

    admin2 = console(world.client, world.a.actors["admin2"].username)
    assert f'data-withdrawal="{withdrawal_id}"' not in admin2.get("/console/withdrawals").text
    operator = console(world.client, world.a.actors["operator"].username)
    op_token = csrf_of(operator, "/console/withdrawals")
    no_ref = operator.post(f"/console/withdrawals/{withdrawal_id}/pay", data={"csrf": op_token})
    assert no_ref.status_code == 409  # not approved yet
    approved = operator.post(f"/console/withdrawals/{withdrawal_id}/approve", data={"csrf": op_token},
                             follow_redirects=False)
    assert approved.status_code == 303
    decided = operator.get("/console/withdrawals").text
    assert "已批准,待打款" in decided and "6222 **** 0123" in decided  # the operator sees where to pay
    missing_ref = operator.post(f"/console/withdrawals/{withdrawal_id}/pay", data={"csrf": op_token})
    assert missing_ref.status_code == 422 and "打款流水号" in missing_ref.text
    paid = operator.post(f"/console/withdrawals/{withdrawal_id}/pay",
                         data={"csrf": op_token, "payout_reference": "WX-9"}, follow_redirects=True)
    assert "已打款" in paid.text and "WX-9" in paid.text
    api = ok(world.client.get(f"/api/v1/withdrawals/{withdrawal_id}", headers=world.a.actors["admin1"].headers),
             200)
    assert api["status"] == "paid" and api["amount_fen"] == 20_000 and api["payout_account_id"] == int(account)


@pytest.mark.parametrize("path", [
    "/console/partners/propose", "/console/partners/agreements/1/accept", "/console/members",
    "/console/withdrawals", "/console/withdrawals/1/approve",
])
def test_forms_without_the_csrf_token_are_refused(world: World, path: str) -> None:
    admin1 = console(world.client, world.a.actors["admin1"].username)
    missing = admin1.post(path, data={"title": "x", "amount": "1", "q": "x"})
    assert missing.status_code == 403 and "页面已过期" in missing.text
    wrong = admin1.post(path, data={"csrf": "0" * 32, "amount": "1"})
    assert wrong.status_code == 403


def test_pages_need_a_staff_login(world: World) -> None:
    anonymous = TestClient(world.client.app, raise_server_exceptions=False)
    for path in ("/console/partners", "/console/members", f"/console/members/{world.a.members[world.a.merchants[0]]}",
                 "/console/withdrawals"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_the_pages_speak_english_when_asked(world: World) -> None:
    earn_available_rebates(world)
    admin1 = console(world.client, world.a.actors["admin1"].username)
    admin1.cookies.set("lm_lang", "en")
    token = csrf_of(admin1, "/console/partners/propose")
    bad = admin1.post("/console/partners/propose", data={
        **PROPOSAL, "csrf": token, "merchant_b_id": "", "commission_kind": "percent_of_order",
        "commission_percent": "120", "return_window_days": "400"})
    assert error_next_to(bad.text, "merchant_b_id") == "Choose the partner"
    assert error_next_to(bad.text, "commission_percent").startswith("Enter a percentage between 0 and 100")
    assert error_next_to(bad.text, "return_window_days") == "Must be at most 365"
    assert "Propose an agreement" in bad.text
    too_much = admin1.post("/console/withdrawals", data={
        "csrf": csrf_of(admin1, "/console/withdrawals"), "payee": f"merchant:{world.a.merchants[0]}",
        "amount": "301"})
    assert error_next_to(too_much.text, "amount") == "More than is available (¥300.00 available)"
    members = admin1.get(f"/console/members/{world.a.members[world.a.merchants[0]]}")
    assert "Alliance points" in members.text and "Orders" in members.text


def test_the_operator_proposes_between_two_merchants_and_both_see_it(world: World) -> None:
    m1, m2 = world.a.merchants[:2]
    operator = console(world.client, world.a.actors["operator"].username)
    token = csrf_of(operator, "/console/partners/propose")
    form = operator.get("/console/partners/propose").text
    assert 'id="f-merchant_a_id"' in form and "全联盟" in form
    same = operator.post("/console/partners/propose", data={
        **PROPOSAL, "csrf": token, "merchant_a_id": str(m1), "merchant_b_id": str(m1)})
    assert error_next_to(same.text, "merchant_b_id") == "协议双方不能是同一商户"
    no_a = operator.post("/console/partners/propose", data={**PROPOSAL, "csrf": token, "merchant_b_id": str(m2)})
    assert error_next_to(no_a.text, "merchant_a_id") == "请选择提议方商户"
    done = operator.post("/console/partners/propose", data={
        **PROPOSAL, "csrf": token, "merchant_a_id": str(m1), "merchant_b_id": str(m2), "then": "draft"},
        follow_redirects=True)
    assert "草稿已保存" in done.text and 'data-action="propose"' in done.text
    admin1 = console(world.client, world.a.actors["admin1"].username)
    listing = admin1.get("/console/partners").text
    assert "健身 × 汽车 权益互换" in listing and "草稿" in listing
    admin3 = console(world.client, world.a.actors["admin3"].username)
    assert "健身 × 汽车 权益互换" not in admin3.get("/console/partners").text
    staff1 = console(world.client, world.a.actors["staff1"].username)
    assert staff1.get("/console/partners/propose").status_code == 403  # store staff only read agreements
    assert 'id="propose-link"' not in staff1.get("/console/partners").text


def test_store_staff_see_only_their_own_rebates(world: World) -> None:
    earn_available_rebates(world)
    m1 = world.a.merchants[0]
    staff1 = console(world.client, world.a.actors["staff1"].username)
    page = staff1.get("/console/withdrawals")
    assert page.status_code == 200
    assert re.findall(r'data-payee="([^"]+)"', page.text) == [f"staff:{world.a.staff[m1]}"]
    token = csrf_of(staff1, "/console/withdrawals")
    for_the_merchant = staff1.post("/console/withdrawals", data={"csrf": token, "payee": f"merchant:{m1}",
                                                                  "amount": "50"})
    assert for_the_merchant.status_code == 422 and error_next_to(for_the_merchant.text, "payee") == "请选择提现对象"
    nothing = staff1.post("/console/withdrawals", data={"csrf": token, "payee": f"staff:{world.a.staff[m1]}",
                                                        "amount": "50"})
    assert error_next_to(nothing.text, "amount") == "超过可提现余额(可提现 ¥0.00)"
