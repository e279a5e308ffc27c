"""Issue 11 item 14, the wording part: a missing page says so (not "no such endpoint"); the campaign list agrees
with the campaign page; terminate / reject / suspend ask to confirm with a reason, on the page and in the API; a
too-large amount is called too large, with the cap, wherever a yuan amount is typed."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from lianmeng.kit.money import format_yuan
from lianmeng.kit.types import MAX_FEN
from tests.conftest import World
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_counter_pages import card_of, referral

API = "/api/v1"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<small class="error" id="e-{field}" role="alert">([^<]*)</small>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


# --- a missing page ---------------------------------------------------------------------------------------------


def test_a_missing_page_says_page_not_found_with_a_link_home(client: TestClient) -> None:
    page = client.get("/console/nothing-here")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "页面不存在" in page.text and "接口不存在" not in page.text
    assert re.search(r'<a href="/console" id="home-link">返回首页</a>', page.text)
    english = client.get("/nothing/at/all", headers={"Accept-Language": "en"})
    assert "Page not found" in english.text and "No such endpoint" not in english.text
    assert 'id="home-link">Back to the home page</a>' in english.text
    member = client.get("/m/nothing-here")
    assert member.status_code == 404 and '<a href="/m" id="home-link">' in member.text
    api = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})  # the API keeps its wording
    assert api.status_code == 404 and api.json()["error"] == {
        "code": "route_not_found", "message": "No such endpoint", "details": None}


# --- the campaign list ----------------------------------------------------------------------------------------


def test_the_campaign_list_shows_the_contributions_the_campaign_page_shows(world: World) -> None:
    op = world.a.actors["operator"].headers
    campaign = ok(world.client.post(f"{API}/campaigns", headers=op, json={
        "name": "特斯拉车主健康生活节", "starts_at": "2030-05-01T00:00:00+08:00",
        "ends_at": "2030-05-08T00:00:00+08:00"}))
    for merchant, fen in zip(world.a.merchants, (300_000, 200_000, 150_050), strict=True):
        ok(world.client.post(f"{API}/campaigns/{campaign['id']}/merchants", headers=op,
                             json={"merchant_id": merchant, "contribution_fen": fen}))
    browser = console(world.client, world.a.actors["operator"].username)
    detail = browser.get(f"/console/campaigns/{campaign['id']}").text
    shown = detail[detail.index('id="participants"'):]
    assert shown[:shown.index("</table>")].count("<tr>") == 3 and "¥1,500.50" in shown
    listed = browser.get("/console/campaigns").text
    row = re.search(rf'<a href="/console/campaigns/{campaign["id"]}">.*?</tr>', listed, re.S)
    assert row, listed
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(0))
    assert cells == ["3", format_yuan(650_050), "0", "0"]  # three merchants, ¥6,500.50; nobody registered yet
    api = ok(world.client.get(f"{API}/campaigns", headers=op), 200)["items"]
    assert [len(c["merchants"]) for c in api if c["id"] == campaign["id"]] == [3]


# --- confirming with a reason -------------------------------------------------------------------------------------


def agreement_between(world: World, status: str = "active") -> int:
    op = world.a.actors["operator"].headers
    m1, m2, _ = world.a.merchants
    agreement = ok(world.client.post(f"{API}/agreements", headers=op, json={
        "title": "健身 × 汽车 权益互换", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"]}))
    steps = {"proposed": ("propose",), "active": ("propose", "accept", "activate")}[status]
    for action in steps:
        ok(world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)
    return int(agreement["id"])


def test_the_api_needs_a_reason_to_reject_suspend_or_terminate(world: World) -> None:
    active = agreement_between(world)
    admin1 = world.a.actors["admin1"].headers
    url = f"{API}/agreements/{active}/transitions"
    for action in ("suspend", "terminate"):
        for body in ({"action": action}, {"action": action, "note": "   "}):
            refused = world.client.post(url, json=body, headers={**admin1, "Accept-Language": "en"})
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == "agreement_reason_required"
            assert refused.json()["error"]["message"].startswith("Give a reason")
    assert ok(world.client.get(f"{API}/agreements/{active}", headers=admin1), 200)["status"] == "active"
    proposed = agreement_between(world, "proposed")
    refused = world.client.post(f"{API}/agreements/{proposed}/transitions", json={"action": "reject"},
                                headers=world.a.actors["admin2"].headers)
    assert refused.status_code == 422 and refused.json()["error"]["message"].startswith("请填写原因")
    done = ok(world.client.post(url, json={"action": "terminate", "note": " 门店停业 "}, headers=admin1), 200)
    assert done["status"] == "terminated"
    events = ok(world.client.get(f"{API}/agreements/{active}/events", headers=admin1), 200)
    assert [(e["action"], e["note"]) for e in events][-1] == ("terminate", "门店停业")
    resume = ok(world.client.post(f"{API}/agreements/{proposed}/transitions", json={"action": "withdraw"},
                                  headers=world.a.actors["admin1"].headers), 200)  # other moves need no reason
    assert resume["status"] == "draft"


def test_terminating_on_the_page_asks_to_confirm_with_a_reason_and_shows_it_in_the_history(world: World) -> None:
    agreement_id = agreement_between(world)
    browser = console(world.client, world.a.actors["admin2"].username)
    page = browser.get(f"/console/partners/agreements/{agreement_id}").text
    assert f'href="/console/partners/agreements/{agreement_id}?confirm=terminate#confirm"' in page
    assert f'action="/console/partners/agreements/{agreement_id}/terminate"' not in page  # no one-click form
    listed = browser.get("/console/partners").text
    assert f'action="/console/partners/agreements/{agreement_id}/terminate"' not in listed
    asked = browser.get(f"/console/partners/agreements/{agreement_id}?confirm=terminate")
    assert "确认终止这份协议?终止后不能恢复。" in asked.text and 'id="confirm"' in asked.text
    token = csrf_of(asked.text)
    blank = browser.post(f"/console/partners/agreements/{agreement_id}/terminate",
                         data={"csrf": token, "reason": "  "})
    assert blank.status_code == 422 and error_next_to(blank.text, "reason") == "请填写原因,对方会在变更记录中看到"
    direct = browser.post(f"/console/partners/agreements/{agreement_id}/terminate", data={"csrf": token})
    assert direct.status_code == 422 and 'id="confirm"' in direct.text  # a bare post only opens the confirm step
    api = world.a.actors["admin2"].headers
    assert ok(world.client.get(f"{API}/agreements/{agreement_id}", headers=api), 200)["status"] == "active"
    done = browser.post(f"/console/partners/agreements/{agreement_id}/terminate",
                        data={"csrf": token, "reason": "合作方门店装修停业"}, follow_redirects=False)
    assert done.status_code == 303
    after = browser.get(done.headers["location"]).text
    history = after[after.index('id="history"'):]
    assert '<tr data-action="terminate">' in history and "合作方门店装修停业" in history
    assert ok(world.client.get(f"{API}/agreements/{agreement_id}", headers=api), 200)["status"] == "terminated"


# --- amounts too large -------------------------------------------------------------------------------------------


def test_a_too_large_amount_says_so_with_the_cap_at_the_counter_and_elsewhere(world: World) -> None:
    data = referral(world)
    own_card = card_of(world, world.a.members[world.a.merchants[1]])  # a member of the desk's merchant
    desk = console(world.client, world.a.actors["admin2"].username)
    token = csrf_of(desk.get("/console/counter").text)
    cap = format_yuan(MAX_FEN)
    assert cap == "¥100,000,000.00"
    huge = desk.post("/console/counter", data={"csrf": token, "action": "order", "member_card": own_card,
                                               "amount": "99,999,999,999", "order_no": "POS-9"})
    assert huge.status_code == 422 and error_next_to(huge.text, "amount") == f"金额过大,上限 {cap}"
    bill = desk.post("/console/counter", data={"csrf": token, "action": "redeem", "member_card": data["card_no"],
                                               "coupon": f"c:{data['coupon']['code']}", "bill": "99999999999"})
    assert error_next_to(bill.text, "bill") == f"金额过大,上限 {cap}"
    at_cap = desk.post("/console/counter", data={"csrf": token, "action": "order", "member_card": own_card,
                                                 "amount": "100000000", "order_no": "POS-10", "go": "check"})
    assert at_cap.status_code == 200, at_cap.text  # the cap itself is an amount the API takes
    desk.cookies.set("lm_lang", "en")
    english = desk.post("/console/counter", data={"csrf": token, "action": "order", "member_card": own_card,
                                                  "amount": "¥100,000,000.01", "order_no": "POS-9"})
    assert error_next_to(english.text, "amount") == f"Amount too large, at most {cap}"
    still = desk.post("/console/counter", data={"csrf": token, "action": "order", "member_card": own_card,
                                                "amount": "1.234", "order_no": "POS-9"})
    assert error_next_to(still.text, "amount") == "Enter an amount with at most 2 decimals, e.g. 199.00"

    coupons = desk.post("/console/coupons", data={"csrf": token, "name": "巨额券", "kind": "amount_off",
                                                  "amount": "99999999999", "acceptance": "owner"})
    assert error_next_to(coupons.text, "amount") == f"Amount too large, at most {cap}"
    op = console(world.client, world.a.actors["operator"].username)
    campaign = ok(world.client.post(f"{API}/campaigns", headers=world.a.actors["operator"].headers, json={
        "name": "生活节", "starts_at": "2030-05-01T00:00:00+08:00", "ends_at": "2030-05-08T00:00:00+08:00"}))
    added = op.post(f"/console/campaigns/{campaign['id']}/merchants", data={
        "csrf": csrf_of(op.get("/console/campaigns").text), "merchant_id": str(world.a.merchants[0]),
        "contribution": "99999999999"})
    assert added.status_code == 422 and error_next_to(added.text, "contribution") == f"金额过大,上限 {cap}"
    proposed = op.post("/console/partners/propose", data={
        "csrf": csrf_of(op.get("/console/campaigns").text), "title": "巨额佣金", "modes": "rights_exchange",
        "merchant_a_id": str(world.a.merchants[0]), "merchant_b_id": str(world.a.merchants[1]),
        "commission_kind": "per_head", "commission_amount": "2000000", "payer": "b", "payee": "merchant",
        "return_window_days": "7", "settlement_cycle": "monthly"})
    assert proposed.status_code == 422
    assert error_next_to(proposed.text, "commission_amount") == "金额过大,上限 ¥1,000,000.00"  # a term's own cap


def test_the_counter_names_the_commission_basis_in_words(world: World) -> None:
    data = referral(world)  # ¥100 per referred head to m1, plus ¥50 to its guide
    desk = console(world.client, world.a.actors["staff2"].username)
    form = {"csrf": csrf_of(desk.get("/console/counter").text), "action": "redeem", "member_card": data["card_no"],
            "coupon": f"c:{data['coupon']['code']}", "bill": "300", "receipt": "POS-1", "go": "check"}
    checked = desk.post("/console/counter", data=form)
    table = checked.text[checked.text.index('id="commission"'):]
    assert "按人头" in table and "per_head" not in checked.text
    desk.cookies.set("lm_lang", "en")
    english = desk.post("/console/counter", data=form).text
    assert "Per head" in english[english.index('id="commission"'):] and "per_head" not in english


# --- numbers with words ----------------------------------------------------------------------------------------


def test_counts_read_as_sentences_one_member_three_members(world: World) -> None:
    browser = console(world.client, world.a.actors["admin1"].username)
    found = browser.get("/console/members?q=会员1").text  # one member of m1 is called 会员1
    assert re.search(r'id="search-result">查找 “会员1”: 1 位会员</p>', found), found
    assert 'id="member-count">共 1 位会员</span>' in found
    browser.cookies.set("lm_lang", "en")
    english = browser.get("/console/members?q=会员1").text
    assert "“会员1”: 1 member</p>" in english and "1 members" not in english
    operator = console(world.client, world.a.actors["operator"].username)
    operator.cookies.set("lm_lang", "en")
    everyone = operator.get("/console/members").text
    assert f'id="member-count">{len(world.a.members)} members</span>' in everyone

    op = world.a.actors["operator"].headers
    agreement = ok(world.client.post(f"{API}/agreements", headers=op, json={
        "title": "一天观察期", "merchant_a_id": world.a.merchants[0], "merchant_b_id": world.a.merchants[1],
        "modes": ["rights_exchange"], "return_window_days": 1}))
    page = operator.get(f"/console/partners/agreements/{agreement['id']}").text
    assert '<dd id="return-window">1 day</dd>' in page
    operator.cookies.set("lm_lang", "zh-CN")
    assert '<dd id="return-window">1 天</dd>' in operator.get(f"/console/partners/agreements/{agreement['id']}").text


def test_count_wording() -> None:
    from lianmeng.kit.i18n import count

    assert [count(n, "en", "位会员", "member") for n in (0, 1, 2, 1_234)] == [
        "0 members", "1 member", "2 members", "1,234 members"]
    assert count(1, "en", "笔分录", "entry", "entries") == "1 entry" and count(2, "en", "", "entry", "entries") == \
        "2 entries"
    assert count(3, "zh-CN", "张对账单", "statement") == "3 张对账单"


def test_a_refusal_on_a_page_names_statuses_in_words(world: World) -> None:
    op = world.a.actors["operator"].headers
    campaign = ok(world.client.post(f"{API}/campaigns", headers=op, json={
        "name": "已结束的活动", "starts_at": "2030-05-01T00:00:00+08:00", "ends_at": "2030-05-08T00:00:00+08:00"}))
    ok(world.client.post(f"{API}/campaigns/{campaign['id']}/status", headers=op, json={"status": "closed"}), 200)
    browser = console(world.client, world.a.actors["operator"].username)
    token = csrf_of(browser.get(f"/console/campaigns/{campaign['id']}").text)
    refused = browser.post(f"/console/campaigns/{campaign['id']}/status", data={"csrf": token, "status": "active"})
    assert refused.status_code == 409
    assert "活动状态不能从「已结束」变为「进行中」" in refused.text and "「closed」" not in refused.text
    browser.cookies.set("lm_lang", "en")
    english = browser.post(f"/console/campaigns/{campaign['id']}/status", data={"csrf": token, "status": "active"})
    assert "A campaign cannot go from 'Closed' to 'Active'" in html.unescape(english.text)
