"""Issue 15, the office: a campaign run from the console pages alone — a gift package made from the participants'
coupons, a member registered by card and checked in at the event, the package handed out, a package coupon redeemed
at the counter with an order — and the report (and the list) fill from it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.campaigns.test_campaigns_api import campaign_with, ok, template
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_counter_pages import card_of, error_of
from tests.integration.web.test_member_pages import as_member


def post(browser: TestClient, page: str, path: str, data: dict[str, str]) -> Any:
    return browser.post(path, data={"csrf": csrf_of(browser.get(page).text), **data}, follow_redirects=False)


def report_row(html: str, name: str) -> list[str]:
    table = html[html.index('id="report"'):]
    table = table[:table.index("</table>")]
    row = re.search(rf"<tr><td>{re.escape(name)}</td>(.*?)</tr>", table, re.S)
    assert row, table
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))


def test_registration_to_roi_from_the_pages(world: World) -> None:
    m1, m2, m3 = world.a.merchants
    cid = campaign_with(world, [m1, m2], contribution_fen=100_000)
    gym = template(world, "admin2", "健身体验立减")
    page = f"/console/campaigns/{cid}"

    operator = console(world.client, world.a.actors["operator"].username)
    assert f'name="template_{gym}"' in operator.get(page).text
    empty = post(operator, page, f"{page}/gift-packages", {"package_name": "健康生活礼包"})
    assert empty.status_code == 422 and "请至少选择一种优惠券" in empty.text
    made = post(operator, page, f"{page}/gift-packages", {"package_name": "健康生活礼包", f"template_{gym}": "1"})
    assert made.status_code == 303, made.text
    package = ok(world, "operator", "GET", f"/campaigns/{cid}/gift-packages")["items"][0]
    assert package["template_ids"] == [gym]

    desk = console(world.client, world.a.actors["staff1"].username)
    member = world.a.members[m1]
    card = card_of(world, member)
    registered = post(desk, page, f"{page}/registrations", {"card": card})
    assert registered.status_code == 303, registered.text
    again = post(desk, page, f"{page}/registrations", {"card": card})
    assert again.status_code == 422 and '<p class="flash error" role="alert">该会员已报名此活动</p>' in again.text
    bad = post(desk, page, f"{page}/registrations", {"phone": "12"})
    assert bad.status_code == 422 and error_of(bad.text, "phone")
    registration = ok(world, "staff1", "GET", f"/campaigns/{cid}/registrations")["items"][0]
    assert registration["member_id"] == member and registration["checked_in_at"] is None

    checked = post(desk, page, f"/console/campaign-registrations/{registration['id']}/check-in", {})
    assert checked.status_code == 303, checked.text
    twice = post(desk, page, f"/console/campaign-registrations/{registration['id']}/check-in", {})
    assert twice.status_code == 409 and "该会员已签到" in twice.text
    handed = post(desk, page, f"/console/gift-packages/{package['id']}/claim", {"member_id": str(member)})
    assert handed.status_code == 303, handed.text
    shown = desk.get(page).text
    assert "已签到" in shown and "健康生活礼包 · 已领取" in shown
    assert card not in shown  # the card is what a partner's member shows at a counter: not listed for staff
    coupons = ok(world, "operator", "GET", f"/coupons?member_id={member}&template_id={gym}")["items"]
    assert len(coupons) == 1 and coupons[0]["referrer_merchant_id"] == m1

    # at the gym's counter the package coupon is redeemed with an order (bill ¥300 less ¥10)
    till = console(world.client, world.a.actors["staff2"].username)
    sale = post(till, "/console/counter", "/console/counter", {
        "action": "redeem", "member_card": card, "code": coupons[0]["code"], "bill": "300", "receipt": "GYM-1"})
    assert sale.status_code in (200, 303), sale.text

    report = ok(world, "admin2", "GET", f"/campaigns/{cid}/report")
    rows = {r["merchant_id"]: r for r in report["merchants"]}
    assert (report["registered"], report["checked_in"]) == (1, 1)
    assert (rows[m2]["conversions"], rows[m2]["revenue_fen"], rows[m2]["participants"]) == (1, 29_000, 1)
    assert rows[m2]["roi"] == "0.3"  # ¥290 / ¥1,000
    assert rows[m1]["participants"] == 1 and rows[m1]["conversions"] == 0

    html = operator.get(page).text
    gym_name = rows[m2]["merchant_name"]
    assert report_row(html, gym_name) == ["¥1,000.00", "1", "1", "¥290.00", "¥0.00", "¥0.00", "¥0.00", "0.3×"]
    listed = operator.get("/console/campaigns").text
    row = re.search(rf'<a href="{page}">.*?</tr>', listed, re.S)
    assert row, listed
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(0)) == ["2", "¥2,000.00", "1", "1"]

    # a merchant outside the campaign does not see it; the operator has no till to check people in at
    outsider = console(world.client, world.a.actors["staff3"].username)
    assert outsider.get(page).status_code == 404
    assert m3 not in rows
    by_operator = post(operator, page, f"/console/campaign-registrations/{registration['id']}/check-in", {})
    assert by_operator.status_code == 409 and "该会员已签到" not in by_operator.text


def test_registration_waits_for_the_start_and_store_staff_do_not_make_packages(world: World) -> None:
    m1, m2, _ = world.a.merchants
    cid = campaign_with(world, [m1, m2], activate=False)
    page = f"/console/campaigns/{cid}"
    desk = console(world.client, world.a.actors["staff1"].username)
    html = desk.get(page).text
    assert 'id="register-form"' not in html and "活动进行中才能报名和签到" in html
    assert 'id="package-form"' not in html
    early = post(desk, page, f"{page}/registrations", {"card": card_of(world, world.a.members[m1])})
    assert early.status_code == 422 and "活动当前状态为「草稿」,不能执行此操作" in early.text
    assert ok(world, "operator", "GET", f"/campaigns/{cid}/registrations")["items"] == []
    refused = post(desk, page, f"{page}/gift-packages", {"package_name": "x", "template_1": "1"})
    assert refused.status_code == 422 and "无权执行此操作" in refused.text


def test_a_member_registers_from_the_member_page_and_staff_check_them_in(world: World, db_url: str) -> None:
    m1, m2, _ = world.a.merchants
    cid = campaign_with(world, [m1, m2])
    draft = campaign_with(world, [m1], activate=False)
    member = world.a.members[m2]
    phone = TestClient(world.client.app)
    as_member(phone, db_url, member)
    listed = phone.get("/m/campaigns")
    assert listed.status_code == 200 and f'id="campaign-{cid}"' in listed.text
    assert f'id="campaign-{draft}"' not in listed.text  # only what is on
    assert "alpha merchant 1、alpha merchant 2" in listed.text
    done = phone.post(f"/m/campaigns/{cid}/register", data={"csrf": csrf_of(listed.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/m/campaigns?registered=1"
    after = phone.get("/m/campaigns?registered=1").text
    assert "报名成功" in after and "已报名" in after and f'action="/m/campaigns/{cid}/register"' not in after
    again = phone.post(f"/m/campaigns/{cid}/register", data={"csrf": csrf_of(listed.text)})
    assert again.status_code == 422 and "该会员已报名此活动" in again.text
    early = phone.post(f"/m/campaigns/{draft}/register", data={"csrf": csrf_of(listed.text)})
    assert early.status_code == 422 and "活动当前状态为「草稿」" in early.text

    registration = ok(world, "staff2", "GET", f"/campaigns/{cid}/registrations")["items"]
    assert [r["member_id"] for r in registration] == [member]
    assert registration[0]["registered_by_merchant_id"] is None
    desk = console(world.client, world.a.actors["staff2"].username)
    page = f"/console/campaigns/{cid}"
    checked = post(desk, page, f"/console/campaign-registrations/{registration[0]['id']}/check-in", {})
    assert checked.status_code == 303
    assert "已签到" in phone.get("/m/campaigns").text
    assert ok(world, "operator", "GET", f"/campaigns/{cid}/report")["checked_in"] == 1
