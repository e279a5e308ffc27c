"""A published coupon can be paused, resumed and edited where that is safe (name, description, validity and stock
for coupons issued from now on, stores added); what its holders were promised is refused in words. API and console."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFF = {"name": "首次保养立减50", "kind": "amount_off", "amount_fen": 5_000, "valid_days": 30, "total_stock": 10}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def issue(world: World, template_id: int) -> Any:
    member = world.a.members[world.a.merchants[0]]
    return world.client.post(f"{API}/coupons/issue", headers=world.a.actors["staff1"].headers,
                             json={"template_id": template_id, "member_id": member})


def test_pause_resume_and_safe_edits_through_the_api(world: World) -> None:
    c, admin = world.client, world.a.actors["admin1"].headers
    template = ok(c.post(f"{API}/coupon-templates", headers=admin, json={**OFF, "per_member_limit": 2}), 201)
    url = f"{API}/coupon-templates/{template['id']}"
    coupon = ok(issue(world, template["id"]), 201)
    ok(issue(world, template["id"]), 201)

    assert ok(c.patch(url, headers=admin, json={"status": "paused"}))["status"] == "paused"
    refused = issue(world, template["id"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "template_paused"
    assert ok(c.patch(url, headers=admin, json={"status": "active"}))["status"] == "active"

    edited = ok(c.patch(url, headers=admin, json={
        "name": "首次保养立减50(年终)", "description": "年底前有效", "total_stock": 20, "valid_days": 7,
        "valid_until": "2099-01-01T00:00:00+08:00"}))
    assert (edited["name"], edited["total_stock"], edited["valid_days"]) == ("首次保养立减50(年终)", 20, 7)
    assert edited["amount_fen"] == 5_000
    # the coupon already out keeps its own dates
    held = ok(c.get(f"{API}/coupons/{coupon['id']}", headers=world.a.actors["staff1"].headers))
    assert held["valid_until"] == coupon["valid_until"]

    # what holders were promised: refused in words, nothing written
    for field, value, words in (("amount_fen", 3_000, "优惠金额"), ("min_spend_fen", 10_000, "最低消费"),
                                ("acceptance", "alliance", "使用范围"), ("kind", "percent_off", "券类型")):
        locked = c.patch(url, headers=admin, json={field: value, "name": "不该改"})
        assert locked.status_code == 422, locked.text
        error = locked.json()["error"]
        assert error["code"] == "template_locked"
        assert f"券发布后不能修改「{words}」" in error["message"] and "请暂停此券并发布新券" in error["message"]
    english = c.patch(url, headers={**admin, "Accept-Language": "en"}, json={"amount_fen": 1})
    assert "'amount' cannot change once a coupon is published" in english.json()["error"]["message"]
    assert ok(c.get(url, headers=admin))["name"] == "首次保养立减50(年终)"

    below = c.patch(url, headers=admin, json={"total_stock": 0})
    assert below.status_code == 422
    fewer = c.patch(url, headers=admin, json={"total_stock": 1})
    assert fewer.status_code == 422 and fewer.json()["error"]["code"] == "template_stock_below_issued"
    assert "库存不能少于已发出的 2 张" in fewer.json()["error"]["message"]
    window = c.patch(url, headers=admin, json={"valid_from": "2099-02-01T00:00:00+08:00"})
    assert window.status_code == 422 and window.json()["error"]["code"] == "template_window"
    stores = c.patch(url, headers=admin, json={"accepted_store_ids": [world.a.stores[world.a.merchants[0]]]})
    assert stores.status_code == 422 and stores.json()["error"]["code"] == "template_stores_not_selected"
    # only the issuing merchant's admins (or the operator)
    other = c.patch(url, headers=world.a.actors["admin2"].headers, json={"status": "paused"})
    assert other.status_code == 403
    clerk = c.patch(url, headers=world.a.actors["staff1"].headers, json={"status": "paused"})
    assert clerk.status_code == 403


def test_accepted_stores_may_be_added_never_taken_off_once_coupons_are_out(world: World) -> None:
    c, admin, operator = world.client, world.a.actors["admin1"].headers, world.a.actors["operator"].headers
    m1 = world.a.merchants[0]
    first = world.a.stores[m1]
    second = ok(c.post(f"{API}/merchants/{m1}/stores", headers=operator, json={
        "name": "二号店", "address": "深南大道 3 号", "latitude": 22.55, "longitude": 114.06}), 201)["id"]
    template = ok(c.post(f"{API}/coupon-templates", headers=admin, json={
        **OFF, "acceptance": "selected", "accepted_store_ids": [first]}), 201)
    url = f"{API}/coupon-templates/{template['id']}"
    foreign = c.patch(url, headers=admin, json={"accepted_store_ids": [first, world.b.stores[world.b.merchants[0]]]})
    assert foreign.status_code == 404
    ok(issue(world, template["id"]), 201)
    assert ok(c.patch(url, headers=admin, json={"accepted_store_ids": [second, first]}))["accepted_store_ids"] == \
        sorted([first, second])
    removed = c.patch(url, headers=admin, json={"accepted_store_ids": [second]})
    assert removed.status_code == 422 and removed.json()["error"]["code"] == "template_store_removed"
    assert "已发出 1 张券,不能取消适用门店" in removed.json()["error"]["message"]
    assert ok(c.get(url, headers=admin))["accepted_store_ids"] == sorted([first, second])


def test_the_console_pauses_resumes_and_edits_a_coupon(world: World) -> None:
    c, admin = world.client, world.a.actors["admin1"].headers
    template = ok(c.post(f"{API}/coupon-templates", headers=admin, json=OFF), 201)
    ok(issue(world, template["id"]), 201)
    browser = console(c, world.a.actors["admin1"].username)
    listing = browser.get("/console/coupons")
    assert f'href="/console/coupons/{template["id"]}/edit"' in listing.text
    page = browser.get(f"/console/coupons/{template['id']}/edit")
    assert page.status_code == 200 and "立减 ¥50.00" in page.text and "发放中" in page.text
    assert 'value="首次保养立减50"' in page.text and 'value="10"' in page.text

    paused = browser.post(f"/console/coupons/{template['id']}/pause", data={"csrf": csrf_of(page.text)},
                          follow_redirects=True)
    assert "已暂停发放" in paused.text and 'id="template-status">已暂停' in paused.text
    assert ok(c.get(f"{API}/coupon-templates/{template['id']}", headers=admin))["status"] == "paused"
    resumed = browser.post(f"/console/coupons/{template['id']}/resume", data={"csrf": csrf_of(paused.text)},
                           follow_redirects=True)
    assert "已恢复发放" in resumed.text

    form = {"csrf": csrf_of(resumed.text), "name": "保养立减50", "description": "", "valid_from": "",
            "valid_until": "2026-12-31", "valid_days": "30", "total_stock": "0"}
    bad = browser.post(f"/console/coupons/{template['id']}/edit", data=form)
    assert bad.status_code == 422 and 'id="e-total_stock"' in bad.text and "请输入 1 到 10000000 之间的整数" in bad.text
    backwards = browser.post(f"/console/coupons/{template['id']}/edit", data={**form, "total_stock": "50",
                                                                               "valid_from": "2027-01-05"})
    assert backwards.status_code == 422 and "结束日期不能早于开始日期" in backwards.text
    saved = browser.post(f"/console/coupons/{template['id']}/edit", data={**form, "total_stock": "50"},
                         follow_redirects=True)
    assert "已保存" in saved.text and 'value="2026-12-31"' in saved.text
    body = ok(c.get(f"{API}/coupon-templates/{template['id']}", headers=admin))
    assert (body["name"], body["total_stock"]) == ("保养立减50", 50)
    # the last day typed is included: the window ends at the next midnight, Beijing time
    assert datetime.fromisoformat(body["valid_until"]) == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert body["valid_from"] is None and body["amount_fen"] == 5_000

    other = console(c, world.a.actors["admin2"].username)
    seen = other.get(f"/console/coupons/{template['id']}/edit")
    assert seen.status_code == 200 and "只有发券商户的管理员可以修改此券" in seen.text
    assert 'id="edit-form"' not in seen.text
    assert other.post(f"/console/coupons/{template['id']}/pause",
                      data={"csrf": csrf_of(other.get("/console/coupons").text)}).status_code == 403
