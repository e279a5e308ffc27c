"""In a real phone-sized browser (390×844), issue 14's staff pages: the operator decides the verification queue
(one merchant's credit code verified, another's rejected with its reason, which the merchant's admin then reads);
the duplicate review finds a pair, the operator merges it, finds it in the merge history and undoes it; a clerk
claims from the pool until the daily limit and a claim from a page opened before the limit was reached shows the
409 message; a clerk moves through the profile queue with skip / previous and "save & next" saves the field."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.members.models import Member
from lianmeng.ownership.models import MemberOwner
from tests.browser.test_partners_members import log_in
from tests.conftest import World
from tests.integration.ownership.ownership import enrol as enrol_for_pool
from tests.integration.profiles.helpers import enrol as enrol_for_profiles
from tests.integration.verification.test_verification import DETAILS, OTHER_GOOD


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_operator_verifies_one_credit_code_and_rejects_another(phone: Page, world: World) -> None:
    m1, m2 = world.a.merchants[:2]
    ok(world.client.patch(f"/api/v1/merchants/{m1}", headers=world.a.actors["admin1"].headers, json=DETAILS))
    other = {**DETAILS, "credit_code": OTHER_GOOD, "registered_address": "广州市天河区天河路 385 号"}
    ok(world.client.patch(f"/api/v1/merchants/{m2}", headers=world.a.actors["admin2"].headers, json=other))
    log_in(phone, world.a.actors["operator"].username)
    phone.goto("/console/verification")
    first, second = phone.locator(f"#row-merchant-{m1}"), phone.locator(f"#row-merchant-{m2}")
    expect(first).to_contain_text(DETAILS["credit_code"])
    expect(second).to_contain_text(OTHER_GOOD)
    first.locator("input[name=note]").fill("执照原件已核对")
    first.get_by_role("button", name="人工验真通过").click()
    expect(phone.locator(f"#row-merchant-{m1}")).to_have_count(0)
    second.get_by_role("button", name="驳回").click()  # the reason is required: the browser does not send it
    expect(second).to_have_count(1)
    second.locator("input[name=reason]").fill("营业执照地址与注册地址不符")
    second.get_by_role("button", name="驳回").click()
    expect(phone.locator(f"#row-merchant-{m2}")).to_have_count(0)

    phone.context.clear_cookies()  # the merchants' admins, on the same phone
    log_in(phone, world.a.actors["admin2"].username)
    phone.goto("/console/verification")
    expect(phone.locator("#rejection")).to_contain_text("营业执照地址与注册地址不符")
    phone.context.clear_cookies()
    log_in(phone, world.a.actors["admin1"].username)
    phone.goto("/console/verification")
    expect(phone.locator("#status h2")).to_contain_text("人工验真通过")
    expect(phone.locator("#history")).to_contain_text("执照原件已核对")


def test_a_duplicate_is_reviewed_merged_found_in_the_history_and_undone(phone: Page, world: World) -> None:
    a = world.a
    at_gym = ok(world.client.post("/api/v1/members", headers=a.actors["staff2"].headers, json={
        "phone": "13622220001", "name": "曾小凡", "birth_year": 1988, "gender": "female"}), 201)
    at_centre = ok(world.client.post("/api/v1/members", headers=a.actors["staff1"].headers, json={
        "phone": "13622220002", "name": "Zeng Xiaofan", "birth_year": 1988, "gender": "female"}), 201)
    ok(world.client.post("/api/v1/orders", headers=a.actors["staff1"].headers, json={
        "external_id": "SVC-1", "member_id": at_centre["id"], "amount_fen": 50_000}), 201)  # 500 points to move

    log_in(phone, a.actors["operator"].username)
    phone.goto("/console/dedup")
    phone.click("#run")
    expect(phone.locator("#ran")).to_be_visible()
    phone.locator("#candidates tr", has_text="曾小凡").filter(has_text="Zeng Xiaofan").locator("a").click()
    expect(phone.locator("#status")).to_have_text("待审核")
    phones = phone.locator("#side-by-side td.phone")
    expect(phones).to_have_count(2)
    assert "13622220001" not in phone.content() and "13622220002" not in phone.content()
    assert sorted(phones.all_inner_texts()) == sorted([crypto.mask_phone("13622220001"),
                                                       crypto.mask_phone("13622220002")])
    phone.check(f'#merge-form input[name=survivor_id][value="{at_gym["id"]}"]')
    phone.fill("#merge-form input[name=reason]", "同一人:拼音与汉字同名,生日相同")
    phone.click("#merge")
    expect(phone.locator("#status")).to_have_text("已合并")

    phone.goto("/console/merges")
    row = phone.locator("#merges tbody tr").first
    expect(row).to_have_attribute("data-status", "in_force")
    expect(row).to_contain_text("联盟积分 500")
    expect(row).to_contain_text("同一人:拼音与汉字同名,生日相同")
    row.locator("input[name=reason]").fill("核实后为两人")
    row.get_by_role("button", name="撤销").click()
    expect(phone).to_have_url(re.compile(r"/console/merges#merge-\d+$"))
    row = phone.locator("#merges tbody tr").first
    expect(row).to_have_attribute("data-status", "reversed")
    expect(row).to_contain_text("撤销:核实后为两人")
    expect(row.get_by_role("button", name="撤销")).to_have_count(0)


def test_pool_claims_stop_at_the_daily_limit_with_the_409_message(phone: Page, world: World,
                                                                   session: Session) -> None:
    ok(world.client.put("/api/v1/ownership/settings", headers=world.a.actors["admin1"].headers,
                        json={"daily_claim_limit": 2, "idle_days": 90}))
    members = enrol_for_pool(world, "staff1", 3)
    log_in(phone, world.a.actors["staff1"].username)
    phone.goto("/console/ownership/mine")
    expect(phone.locator("#claims-left strong")).to_have_text("2")
    phone.locator("#pool li", has_text="客户0").get_by_role("button", name="认领").click()
    expect(phone.locator(".flash")).to_have_text("认领成功")
    expect(phone.locator("#claims-left strong")).to_have_text("1")
    stale = phone.context.new_page()  # a second tab, opened while one claim is left
    stale.goto("/console/ownership/mine")
    expect(stale.locator("#claims-left strong")).to_have_text("1")
    phone.locator("#pool li", has_text="客户1").get_by_role("button", name="认领").click()
    expect(phone.locator("#claims-left strong")).to_have_text("0")
    expect(phone.locator("#pool li", has_text="客户2").get_by_role("button", name="认领")).to_be_disabled()

    stale.locator("#pool li", has_text="客户2").get_by_role("button", name="认领").click()
    expect(stale.locator(".flash.error")).to_have_text("今日认领已达上限(每天 2 名)")
    expect(stale.locator("#my-members li")).to_have_count(2)
    session.rollback()
    owned = set(session.scalars(select(MemberOwner.member_id).where(MemberOwner.member_id.in_(members))))
    assert owned == set(members[:2])


def test_the_profile_queue_skip_previous_and_save_and_next(phone: Page, world: World, session: Session) -> None:
    a = enrol_for_profiles(world, "admin1")  # 0 %
    b = enrol_for_profiles(world, "admin1", name="乙")  # 20 %
    log_in(phone, world.a.actors["staff1"].username)
    phone.goto("/console/profiles")
    phone.locator(f'tr[data-member="{a}"] a').first.click()
    expect(phone.locator("#score strong")).to_have_text("0%")
    phone.click("#skip")
    expect(phone.locator("h1")).to_contain_text("乙")
    phone.click("#previous")
    expect(phone).to_have_url(re.compile(rf"/console/profiles/members/{a}$"))
    phone.fill("#f-name", "甲")
    phone.select_option("#f-gender", "female")
    phone.click("#save-next")  # 甲 is now 35 %: the next is 乙, who followed 甲
    expect(phone).to_have_url(re.compile(rf"/console/profiles/members/{b}$"))
    expect(phone.locator("h1")).to_contain_text("乙")
    session.rollback()
    saved = session.get(Member, a)
    assert saved is not None and (saved.name, saved.gender) == ("甲", "female")
    phone.goto(f"/console/profiles/members/{a}")
    expect(phone.locator("#f-name")).to_have_value("甲")
    expect(phone.locator("#score strong")).to_have_text("35%")
