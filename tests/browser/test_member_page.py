"""The member's phone: log in with the SMS code, the alliance card with its QR, points and coupons as they arrive,
partners by distance, and claiming a shared coupon link — in a 390×844 tab."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lianmeng.auth import service as auth_service
from lianmeng.auth.models import OutboxMessage
from lianmeng.db import new_session
from lianmeng.members.models import Member
from lianmeng.web.console import MEMBER_COOKIE
from tests.conftest import World


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def sms_code(db_url: str) -> str:
    """The code as the dev sender delivers it: the newest message in the outbox table."""
    with new_session(db_url) as s:
        body = s.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    found = re.search(r"验证码为 (\d{6})", body or "")
    assert found, body
    return found.group(1)


def card_display(db_url: str, member_id: int) -> str:
    with new_session(db_url) as s:
        member = s.get(Member, member_id)
        assert member is not None
        return " ".join(member.card_no[i:i + 4] for i in range(0, 16, 4))


def sign_in(tab: Page, live_server: str, db_url: str, member_id: int) -> None:
    """A member already logged in (the code flow itself is the first test)."""
    with new_session(db_url) as s:
        member = s.get(Member, member_id)
        assert member is not None
        token = auth_service.member_token(member).access_token
    tab.context.add_cookies([{"name": MEMBER_COOKIE, "value": token, "url": live_server, "httpOnly": True,
                              "sameSite": "Strict"}])


def fits_the_screen(tab: Page) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_member_logs_in_with_the_sms_code_and_sees_card_points_and_coupons(
    phone: Page, world: World, db_url: str
) -> None:
    member_id = world.a.members[world.a.merchants[0]]
    phone.goto("/m")
    expect(phone).to_have_url("/m/login?next=/m")
    phone.select_option("#f-alliance", "alpha")
    phone.fill("#f-phone", "139 0001 0000")
    phone.click("#send-code")
    expect(phone.locator("#f-code")).to_be_visible()
    code = sms_code(db_url)
    phone.fill("#f-code", "000000" if code != "000000" else "111111")
    phone.click("#verify")
    expect(phone.locator("#e-code")).to_have_text("验证码错误或已过期")
    phone.fill("#f-code", code)
    phone.click("#verify")
    expect(phone).to_have_url("/m")

    expect(phone.locator("#card-no")).to_have_text(card_display(db_url, member_id))
    expect(phone.locator("#card-qr svg.card-qr")).to_be_visible()
    expect(phone.locator("#points-balance")).to_have_text("0")
    expect(phone.locator("body")).not_to_contain_text("13900010000")
    fits_the_screen(phone)

    staff = world.a.actors["staff1"].headers
    ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "POS-1", "member_id": member_id, "amount_fen": 12_300}))
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin1"].headers, json={
        "name": "满300减50", "kind": "amount_off", "amount_fen": 5_000, "min_spend_fen": 30_000, "valid_days": 30}))
    coupon = ok(world.client.post("/api/v1/coupons/issue", headers=staff,
                                  json={"template_id": template["id"], "member_id": member_id}))
    phone.reload()
    expect(phone.locator("#points-balance")).to_have_text("123")
    expect(phone.locator("#points-history li").first).to_contain_text("消费得积分 · alpha merchant 1")
    expect(phone.locator("#points-history li").first).to_contain_text("+123")
    expect(phone.locator("#coupons .coupon-code")).to_have_text([coupon["code"]])
    expect(phone.locator("#coupons .coupon-name")).to_have_text(["满300减50"])
    fits_the_screen(phone)

    phone.click("#lang-switch")
    expect(phone.locator("#coupons h2")).to_contain_text("My coupons")
    expect(phone.locator("#points h2")).to_have_text("My points")
    expect(phone.locator("#coupons .m-offer-text")).to_have_text("¥50.00 off · spend ¥300.00 or more")
    phone.click("#lang-switch")
    expect(phone.locator("#points h2")).to_have_text("我的积分")

    phone.click("#logout")
    expect(phone).to_have_url("/m/login")
    phone.goto("/m")
    expect(phone).to_have_url("/m/login?next=/m")


def test_partners_are_listed_nearest_first(phone: Page, world: World, db_url: str, live_server: str) -> None:
    m1, m2, m3 = world.a.merchants
    op = world.a.actors["operator"].headers
    # the member's home store (m1's) is at 22.54, 114.05, like every first store of `world`
    for merchant, name, lat, lng in ((m2, "宝安店", 22.60, 113.88), (m3, "福田店", 22.545, 114.06),
                                     (m2, "南山店", 22.53, 113.95)):
        ok(world.client.post(f"/api/v1/merchants/{merchant}/stores", headers=op, json={
            "name": name, "address": "深圳", "latitude": lat, "longitude": lng}))
    ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin3"].headers, json={
        "name": "午市套餐8折", "kind": "percent_off", "percent_bp": 2_000}))
    sign_in(phone, live_server, db_url, world.a.members[m1])
    phone.goto("/m")
    phone.click("#nav-partners")
    expect(phone).to_have_url("/m/partners")
    expect(phone.locator("#origin")).to_contain_text(f"store {m1}")
    expect(phone.locator(".store-name")).to_have_text(
        [f"store {m1}", f"store {m2}", f"store {m3}", "福田店", "南山店", "宝安店"])
    expect(phone.locator(".m-partner").nth(3)).to_contain_text("午市套餐8折")
    expect(phone.locator(".m-partner").nth(3)).to_contain_text("1.2 公里")
    fits_the_screen(phone)
    # from somewhere else, typed in (folded away under "手动输入"): Bao'an first
    expect(phone.locator("#locate")).to_be_visible()
    expect(phone.locator("#f-lat")).to_be_hidden()
    phone.click("#manual summary")
    phone.fill("#f-lat", "22.60")
    phone.fill("#f-lng", "113.88")
    phone.click("form.m-where button[type=submit]")
    expect(phone.locator(".store-name").first).to_have_text("宝安店")
    expect(phone.locator(".distance").first).to_have_text("0 米")


def test_claiming_a_shared_coupon_link_on_the_phone(phone: Page, world: World, db_url: str) -> None:
    """A gym's (m2) coupon handed out by the service centre's (m1) guide: the page says who gives it, whose it is and
    which stores take it (nearest first once the phone shares its location); the phone is proved by its SMS code
    before anything is recorded, then the card number is shown and the member is logged in."""
    m2 = world.a.merchants[1]
    ok(world.client.post(f"/api/v1/merchants/{m2}/stores", headers=world.a.actors["operator"].headers, json={
        "name": "宝安店", "address": "宝安大道 88 号", "latitude": 22.60, "longitude": 113.88}))
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
        "valid_days": 30, "total_stock": 500}))
    link = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                json={"template_id": template["id"]}))
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 22.60, "longitude": 113.88})
    phone.goto(f"/c/{link['token']}")
    expect(phone.locator("#offer-name")).to_have_text("免费车辆检测")
    expect(phone.locator("#offer-value")).to_have_text("免费车辆检测(价值 ¥300.00)")
    expect(phone.locator("#shared-by")).to_contain_text("alpha merchant 1")
    expect(phone.locator("#given-by")).to_contain_text("alpha merchant 1")
    expect(phone.locator("#offered-by")).to_have_text("alpha merchant 2")
    expect(phone.locator("#min-spend")).to_have_text("无门槛")
    expect(phone.locator("#validity")).to_have_text("领取后 30 天内有效")
    expect(phone.locator(".place-store")).to_have_text([f"store {m2}", "宝安店"])
    phone.click("#locate")  # the browser shares its location: Bao'an first
    expect(phone.locator("#sorted-by-distance")).to_be_visible()
    expect(phone.locator(".place-store")).to_have_text(["宝安店", f"store {m2}"])
    expect(phone.locator(".m-place").first).to_contain_text("宝安大道 88 号")
    expect(phone.locator(".m-place .distance").first).to_have_text("0 米")
    fits_the_screen(phone)

    phone.fill("#f-phone", "136 8888 6666")
    phone.fill("#f-name", "陈先生")
    phone.click("#send-code")
    expect(phone.locator("#e-accept_terms")).to_have_text("请阅读并同意会员条款")
    expect(phone.locator("#f-phone")).to_have_value("136 8888 6666")
    phone.check("#f-accept_terms")
    phone.click("#send-code")
    expect(phone.locator("#code-sent")).to_contain_text("136****6666")
    code = sms_code(db_url)
    phone.fill("#f-code", "000000" if code != "000000" else "111111")
    phone.click("#claim")
    expect(phone.locator("#e-code")).to_have_text("验证码错误或已过期")
    expect(phone.locator("#coupon-code")).to_have_count(0)
    phone.fill("#f-code", code)
    phone.click("#claim")
    expect(phone.locator("#claimed")).to_have_text("领取成功")
    coupon = phone.locator("#coupon-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{12}", coupon)
    expect(phone.locator("#card-no")).to_have_text(re.compile(r"^8860 \d{4} \d{4} \d{4}$"))
    expect(phone.locator("#offered-by")).to_have_text("alpha merchant 2")
    expect(phone.locator(".place-store").first).to_have_text("宝安店")
    expect(phone.locator("#validity")).to_contain_text("(北京时间)")
    expect(phone.locator("body")).not_to_contain_text("13688886666")
    phone.click("#to-card")
    expect(phone).to_have_url("/m")
    expect(phone.locator("#coupons .coupon-code")).to_have_text([coupon])
    expect(phone.locator("#coupons .coupon-where")).to_have_text(["alpha merchant 2"])
    phone.click("#lang-switch")
    expect(phone.locator("#coupons .m-offer-text")).to_have_text("Free 车辆检测 (worth ¥300.00)")
    expect(phone.locator("#nav-card")).to_have_text("My card")

    # another link, logged in: one tap, no code
    second = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin3"].headers, json={
        "name": "午市套餐8折", "kind": "percent_off", "percent_bp": 2_000}))
    again = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                 json={"template_id": second["id"]}))
    phone.goto(f"/c/{again['token']}")
    expect(phone.locator("#mine-phone")).to_have_text("136****6666")
    phone.click("#claim-mine")
    expect(phone.locator("#claimed")).to_have_text("You have it")  # the language chosen above stays
    expect(phone.locator("#offer-value")).to_have_text("20% off")


def test_taking_a_partners_offer_from_the_partners_list(phone: Page, world: World, db_url: str,
                                                        live_server: str) -> None:
    """One tap on a partner's offer: the coupon is the member's at once, the page says so with its code, the offer
    is marked taken and reloading does not take another; it shows on the card page."""
    m1 = world.a.merchants[0]
    offer = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin3"].headers, json={
        "name": "午市套餐8折", "kind": "percent_off", "percent_bp": 2_000}))
    sign_in(phone, live_server, db_url, world.a.members[m1])
    phone.goto("/m/partners")
    item = phone.locator(f"#offer-{offer['id']}")
    expect(item.locator(".offer-taken")).to_have_count(0)
    item.get_by_role("button", name="领取").click()
    expect(phone.locator("#taken")).to_contain_text("已领取「午市套餐8折」,券码 ")
    code = re.search(r"券码 ([A-Z0-9]{12})", phone.locator("#taken").inner_text())
    assert code
    expect(item.locator(".offer-taken")).to_have_text("已领取")
    expect(item.locator("form.take-offer")).to_have_count(0)
    fits_the_screen(phone)
    phone.reload()  # the result page is a GET: nothing is posted again
    expect(phone.locator("#taken")).to_be_visible()
    phone.click("#to-my-coupons")
    expect(phone).to_have_url("/m#coupons")
    expect(phone.locator("#coupons .coupon-code")).to_have_text([code.group(1)])
    expect(phone.locator("#coupons .coupon-name")).to_have_text(["午市套餐8折"])


def test_nearby_stores_by_the_phones_location_and_a_link_to_the_map_app(
    phone: Page, world: World, db_url: str, live_server: str
) -> None:
    """No typing: one tap on 使用我的位置 shares the phone's position and the nearest store comes first; each store
    opens in the phone's map app (a geo: URI, pinned and named). When the location cannot be had, the typed-in
    coordinates unfold with a word why."""
    m1, m2, _ = world.a.merchants
    ok(world.client.post(f"/api/v1/merchants/{m2}/stores", headers=world.a.actors["operator"].headers, json={
        "name": "宝安店", "address": "宝安大道 88 号", "latitude": 22.60, "longitude": 113.88}))
    sign_in(phone, live_server, db_url, world.a.members[m1])
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 22.6001, "longitude": 113.8801})
    phone.goto("/m/partners")
    expect(phone.locator(".store-name").first).to_have_text(f"store {m1}")
    expect(phone.locator("#manual")).not_to_have_attribute("open", "")
    phone.click("#locate")
    expect(phone).to_have_url(re.compile(r"/m/partners\?lat=22\.60010&lng=113\.88010$"))
    expect(phone.locator("#origin")).to_contain_text("你提供的位置")
    expect(phone.locator(".store-name").first).to_have_text("宝安店")
    expect(phone.locator(".distance").first).to_have_text("20 米")
    first = phone.locator(".m-partner").first.locator("a.map-link")
    expect(first).to_have_text("在地图中打开")
    expect(first).to_have_attribute(
        "href", "geo:22.6,113.88?q=22.6,113.88(alpha%20merchant%202%20%C2%B7%20%E5%AE%9D%E5%AE%89%E5%BA%97)")
    expect(phone.locator("a.map-link")).to_have_count(phone.locator(".m-partner").count())
    fits_the_screen(phone)

    phone.context.clear_permissions()  # the member says no: the manual fields open, with a word why
    phone.goto("/m/partners")
    phone.click("#locate")
    expect(phone.locator("#locate-status")).to_have_text("无法获取你的位置,请在下方手动输入坐标。")
    expect(phone.locator("#manual")).to_have_attribute("open", "")
    expect(phone.locator("#f-lat")).to_be_visible()


def test_used_coupons_show_in_the_history(phone: Page, world: World, db_url: str, live_server: str) -> None:
    m1 = world.a.merchants[0]
    member_id = world.a.members[m1]
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "满100减20", "kind": "amount_off", "amount_fen": 2_000, "min_spend_fen": 10_000}))
    coupon = ok(world.client.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers,
                                  json={"template_id": template["id"], "member_id": member_id}))
    sign_in(phone, live_server, db_url, member_id)
    phone.goto("/m")
    expect(phone.locator("#used-coupons .empty")).to_be_visible()
    expect(phone.locator("#coupons .coupon-code")).to_have_text([coupon["code"]])
    ok(world.client.post("/api/v1/coupons/redeem", headers=world.a.actors["staff2"].headers,
                         json={"code": coupon["code"], "bill_fen": 15_000}))
    phone.reload()
    expect(phone.locator("#coupons .coupon-code")).to_have_count(0)
    used = phone.locator("#used-history li")
    expect(used).to_have_count(1)
    expect(used.locator(".used-name")).to_have_text("满100减20")
    expect(used.locator(".used-where")).to_contain_text("alpha merchant 2")
    expect(used.locator(".used-at")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(used.locator(".used-saved")).to_have_text("省 ¥20.00")
    fits_the_screen(phone)
    phone.click("#lang-switch")
    expect(phone.locator("#used-coupons h2")).to_contain_text("Coupons I used")
    expect(used.locator(".used-saved")).to_have_text("Saved ¥20.00")
