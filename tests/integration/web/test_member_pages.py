"""The member's pages through the app: login by one-time code or card QR, the card page shows only the member's own
data (never the clear phone), the partners page, and the claim landing of a shared coupon link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lianmeng.auth import service as auth_service
from lianmeng.auth.models import OutboxMessage
from lianmeng.coupons.models import Coupon
from lianmeng.db import new_session
from lianmeng.kit import clock
from lianmeng.members import service as members_service
from lianmeng.members.models import Member
from lianmeng.merchants.models import Store
from lianmeng.web.console import MEMBER_COOKIE
from tests.conftest import World


def phone_of(i: int) -> str:
    """The phone `world` enrolled for alliance A's i-th merchant."""
    return f"139{10_000 + i:08d}"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, html
    return found.group(1)


def last_code(db_url: str) -> str:
    with new_session(db_url) as s:
        body = s.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert body is not None
    found = re.search(r"验证码为 (\d{6})", body)
    assert found, body
    return found.group(1)


def member_cookie(db_url: str, member_id: int) -> str:
    with new_session(db_url) as s:
        member = s.get(Member, member_id)
        assert member is not None
        return auth_service.member_token(member).access_token


def as_member(client: TestClient, db_url: str, member_id: int) -> None:
    client.cookies.clear()
    client.cookies.set(MEMBER_COOKIE, member_cookie(db_url, member_id))


def store_name(db_url: str, store_id: int) -> str:
    with new_session(db_url) as s:
        store = s.get(Store, store_id)
        assert store is not None
        return store.name


def card_no(db_url: str, member_id: int) -> str:
    with new_session(db_url) as s:
        member = s.get(Member, member_id)
        assert member is not None
        return member.card_no


def test_the_member_page_needs_a_login(client: TestClient) -> None:
    for path in ("/m", "/m/partners"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/m/login?next={path}"
    client.cookies.set(MEMBER_COOKIE, "not-a-token")
    assert client.get("/m", follow_redirects=False).headers["location"] == "/m/login?next=/m"


def test_login_with_a_one_time_code_wrong_code_next_to_the_field(world: World, db_url: str) -> None:
    client = world.client
    form = client.get("/m/login?next=/m/partners&alliance=alpha")
    assert form.status_code == 200 and 'value="alpha" selected' in form.text
    token = csrf(form.text)
    missing = client.post("/m/login", data={"csrf": token, "alliance": "alpha", "phone": "12", "action": "code"})
    assert missing.status_code == 422 and 'id="e-phone"' in missing.text and "手机号格式不正确" in missing.text
    sent = client.post("/m/login", data={"csrf": token, "alliance": "alpha", "phone": phone_of(0),
                                         "next": "/m/partners", "action": "code"})
    assert sent.status_code == 200 and 'id="f-code"' in sent.text and "139****0000" in sent.text
    code = last_code(db_url)
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/m/login", data={"csrf": token, "alliance": "alpha", "phone": phone_of(0),
                                            "next": "/m/partners", "code": wrong, "action": "verify"})
    assert refused.status_code == 422
    assert re.search(r'id="e-code" role="alert">验证码错误或已过期<', refused.text)
    assert MEMBER_COOKIE not in refused.cookies
    done = client.post("/m/login", data={"csrf": token, "alliance": "alpha", "phone": phone_of(0),
                                         "next": "/m/partners", "code": code, "action": "verify"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/m/partners"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{MEMBER_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = client.get("/m")
    assert home.status_code == 200 and card_no(db_url, world.a.members[world.a.merchants[0]])[:4] in home.text
    # a used code does not work twice; a phone of another alliance gets no code at all (and is not told so)
    again = client.post("/m/login", data={"csrf": csrf(home.text), "alliance": "alpha", "phone": phone_of(0),
                                          "code": code, "action": "verify"})
    assert again.status_code == 422
    logout = client.post("/m/logout", data={"csrf": csrf(home.text)}, follow_redirects=False)
    assert logout.headers["location"] == "/m/login"
    assert client.get("/m", follow_redirects=False).status_code == 303


def test_already_logged_in_goes_to_the_card_and_next_must_stay_on_site(world: World, db_url: str) -> None:
    as_member(world.client, db_url, world.a.members[world.a.merchants[0]])
    assert world.client.get("/m/login", follow_redirects=False).headers["location"] == "/m"
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example"):
        response = world.client.get(f"/m/login?next={evil}", follow_redirects=False)
        assert response.headers["location"] == "/m"


def test_login_with_the_card_qr(world: World, db_url: str) -> None:
    client = world.client
    member_id = world.a.members[world.a.merchants[1]]
    with new_session(db_url) as s:
        member = s.get(Member, member_id)
        assert member is not None
        payload = members_service.qr_payload(member)
    token = csrf(client.get("/m/login").text)
    forged = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    refused = client.post("/m/login", data={"csrf": token, "qr": forged, "action": "card"})
    assert refused.status_code == 422 and re.search(r'id="e-qr" role="alert">联盟卡号或二维码无效<', refused.text)
    done = client.post("/m/login", data={"csrf": token, "qr": payload, "action": "card"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/m"
    assert "<svg" in client.get("/m").text


def test_forms_need_the_csrf_token(world: World) -> None:
    response = world.client.post("/m/login", data={"alliance": "alpha", "phone": phone_of(0), "action": "code"})
    assert response.status_code == 403


def test_a_member_sees_only_their_own_card_coupons_and_points(world: World, db_url: str) -> None:
    client = world.client
    m1, m2, _ = world.a.merchants
    mine, theirs = world.a.members[m1], world.a.members[m2]
    staff1, staff2 = world.a.actors["staff1"].headers, world.a.actors["staff2"].headers
    template = ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin1"].headers, json={
        "name": "满300减50", "kind": "amount_off", "amount_fen": 5_000, "min_spend_fen": 30_000, "valid_days": 30}))
    my_coupon = ok(client.post("/api/v1/coupons/issue", headers=staff1,
                               json={"template_id": template["id"], "member_id": mine}))
    gift = ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "健身体验课", "kind": "free_item", "item_name": "体验课", "item_value_fen": 9_900}))
    held = ok(client.post("/api/v1/coupons/issue", headers=staff2,
                          json={"template_id": gift["id"], "member_id": theirs, "claimed": False}))
    ok(client.post("/api/v1/orders", headers=staff1, json={"external_id": "M-1", "member_id": mine,
                                                            "amount_fen": 12_300}))
    ok(client.post("/api/v1/orders", headers=staff2, json={"external_id": "M-2", "member_id": theirs,
                                                            "amount_fen": 98_700}))

    as_member(client, db_url, mine)
    page = client.get("/m")
    assert page.status_code == 200
    text = page.text
    mine_card, their_card = card_no(db_url, mine), card_no(db_url, theirs)
    spaced = " ".join(mine_card[i:i + 4] for i in range(0, 16, 4))
    assert f'id="card-no">{spaced}<' in text
    assert '<svg' in text and 'class="card-qr"' in text
    assert my_coupon["code"] in text and "满300减50" in text and "立减 ¥50.00 · 满 ¥300.00 可用" in text
    assert 'id="points-balance">123<' in text and "消费得积分 · alpha merchant 1" in text
    assert "139****0000" in text
    for other in (their_card, held["code"], "健身体验课", "987", phone_of(1), "139****0001"):
        assert other not in text
    for i in range(3):
        assert phone_of(i) not in text
    # the other member's coupon cannot be taken through the page either
    take = client.post(f"/m/coupons/{held['id']}/claim", data={"csrf": csrf(text)})
    assert take.status_code == 404

    as_member(client, db_url, theirs)
    text = client.get("/m").text
    assert held["code"] in text and "领取" in text and my_coupon["code"] not in text and mine_card not in text
    assert 'id="points-balance">987<' in text
    taken = client.post(f"/m/coupons/{held['id']}/claim", data={"csrf": csrf(text)}, follow_redirects=False)
    assert taken.status_code == 303
    assert ok(client.get(f"/api/v1/coupons/{held['id']}", headers=staff2), 200)["claimed_at"] is not None


def test_partners_are_sorted_by_distance_with_their_offers(world: World, db_url: str) -> None:
    client = world.client
    m1, m2, m3 = world.a.merchants
    op = world.a.actors["operator"].headers
    ok(client.post(f"/api/v1/merchants/{m2}/stores", headers=op, json={
        "name": "远店", "address": "宝安 1 号", "latitude": 22.70, "longitude": 113.90}))
    ok(client.post(f"/api/v1/merchants/{m3}/stores", headers=op, json={
        "name": "近店", "address": "福田 2 号", "latitude": 22.541, "longitude": 114.051}))
    ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin3"].headers, json={
        "name": "午市套餐8折", "kind": "percent_off", "percent_bp": 2_000, "description": "工作日 11-14 点"}))
    paused = ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin3"].headers, json={
        "name": "已暂停的券", "kind": "amount_off", "amount_fen": 100}))
    ok(client.patch(f"/api/v1/coupon-templates/{paused['id']}", headers=world.a.actors["admin3"].headers,
                    json={"status": "paused"}), 200)
    as_member(client, db_url, world.a.members[m1])
    text = client.get("/m/partners").text
    names = re.findall(r'class="store-name">([^<]+)<', text)
    assert names[-1] == "远店" and names.index("近店") > 0  # the three at the home store first, then 近店
    assert "午市套餐8折" in text and "8 折" in text and "已暂停的券" not in text and "我的商户" in text
    far_away = client.get("/m/partners?lat=22.70&lng=113.90").text
    assert re.findall(r'class="store-name">([^<]+)<', far_away)[0] == "远店"
    assert "0 米" in far_away
    bad = client.get("/m/partners?lat=north&lng=114")
    assert bad.status_code == 200 and "位置无效" in bad.text
    assert world.b.merchants and "beta merchant" not in text  # another alliance's merchants are not partners


def _claim_link(world: World) -> dict[str, Any]:
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
        "valid_days": 30, "total_stock": 500}))
    result: dict[str, Any] = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                                  json={"template_id": template["id"]}))
    return result


def test_the_claim_landing_proves_the_phone_then_enrols_and_logs_in(world: World, db_url: str) -> None:
    client = world.client
    link = _claim_link(world)
    landing = client.get(f"/c/{link['token']}")
    assert landing.status_code == 200
    assert "免费车辆检测" in landing.text and "免费车辆检测(价值 ¥300.00)" in landing.text
    assert "alpha merchant 1" in landing.text and "领取后 30 天内有效" in landing.text
    assert 'id="send-code"' in landing.text and 'id="f-code"' not in landing.text
    token = csrf(landing.text)
    no_terms = client.post(f"/c/{link['token']}", data={"csrf": token, "phone": "13688886666", "name": "陈先生",
                                                         "action": "code"})
    assert no_terms.status_code == 422
    assert re.search(r'id="e-accept_terms" role="alert">请阅读并同意会员条款<', no_terms.text)
    assert 'value="13688886666"' in no_terms.text  # what they typed stays in the form
    bad_phone = client.post(f"/c/{link['token']}", data={"csrf": token, "phone": "12345", "accept_terms": "on",
                                                          "action": "code"})
    assert bad_phone.status_code == 422 and re.search(r'id="e-phone" role="alert">手机号格式不正确<', bad_phone.text)
    form = {"csrf": token, "phone": "136 8888 6666", "name": "陈先生", "accept_terms": "on"}
    sent = client.post(f"/c/{link['token']}", data={**form, "action": "code"})
    assert sent.status_code == 200 and 'id="f-code"' in sent.text and "验证码已发送至 136****6666" in sent.text
    assert MEMBER_COOKIE not in sent.cookies
    code = last_code(db_url)
    wrong = "000000" if code != "000000" else "111111"
    for garbage in ("abc", "１２３４５６", "1" * 9):  # not a code at all: said next to the field, no crash
        odd = client.post(f"/c/{link['token']}", data={**form, "code": garbage, "action": "claim"})
        assert odd.status_code == 422 and 'id="e-code"' in odd.text
    refused = client.post(f"/c/{link['token']}", data={**form, "code": wrong, "action": "claim"})
    assert refused.status_code == 422 and re.search(r'id="e-code" role="alert">验证码错误或已过期<', refused.text)
    assert 'id="coupon-code"' not in refused.text and MEMBER_COOKIE not in refused.cookies
    done = client.post(f"/c/{link['token']}", data={**form, "code": code, "action": "claim"})
    assert done.status_code == 200, done.text
    found = re.search(r'id="coupon-code">([A-Z0-9]+)<', done.text)
    assert found and re.search(r'id="card-no">8860 \d{4} \d{4} \d{4}<', done.text)
    assert "13688886666" not in done.text
    assert MEMBER_COOKIE in done.cookies
    home = client.get("/m")
    assert home.status_code == 200 and found.group(1) in home.text and "13688886666" not in home.text
    assert "136****6666" in home.text


def test_the_claim_page_writes_nothing_before_the_code(world: World, db_url: str) -> None:
    """The old one-step form (phone and terms, no code) only sends a code now: no member, no coupon, no card."""
    client = world.client
    link = _claim_link(world)
    client.cookies.clear()
    token = csrf(client.get(f"/c/{link['token']}").text)
    before = _coupons(db_url)
    for data in ({"phone": phone_of(2), "accept_terms": "on"},
                 {"phone": "13688886666", "accept_terms": "on", "action": "claim"}):
        answer = client.post(f"/c/{link['token']}", data={"csrf": token, **data})
        assert 'id="coupon-code"' not in answer.text and 'id="card-no"' not in answer.text
        assert MEMBER_COOKIE not in answer.cookies
    assert _coupons(db_url) == before
    with new_session(db_url) as s:
        stranger = s.scalars(select(Member).where(Member.phone_masked == "136****6666")).first()
        assert stranger is None  # "claim" without a code: not even a pending row


def _coupons(db_url: str) -> int:
    with new_session(db_url) as s:
        return len(list(s.scalars(select(Coupon.id))))


def test_an_existing_card_holder_claims_with_the_code_and_is_logged_in(world: World, db_url: str) -> None:
    client = world.client
    link = _claim_link(world)
    client.cookies.clear()
    token = csrf(client.get(f"/c/{link['token']}").text)
    form = {"csrf": token, "phone": phone_of(2), "accept_terms": "on"}
    assert client.post(f"/c/{link['token']}", data={**form, "action": "code"}).status_code == 200
    done = client.post(f"/c/{link['token']}", data={**form, "code": last_code(db_url), "action": "claim"})
    assert done.status_code == 200 and 'id="to-card"' in done.text
    assert card_no(db_url, world.a.members[world.a.merchants[2]])[-4:] in done.text
    assert phone_of(2) not in done.text and "139****0002" in done.text and MEMBER_COOKIE in done.cookies
    # a second code within the minute is throttled, said as a page error, not a crash
    throttled = client.post(f"/c/{link['token']}", data={**form, "action": "code"})
    assert throttled.status_code == 429 and "秒后再试" in throttled.text
    # the same member again (now logged in): the per-member limit is said as a page error
    again = client.post(f"/c/{link['token']}", data={"csrf": csrf(client.get(f"/c/{link['token']}").text),
                                                     "action": "mine"})
    assert again.status_code == 422 and "每人限领 1 张" in again.text


def test_a_logged_in_member_claims_with_one_tap_even_from_another_site(world: World, db_url: str) -> None:
    """The strict member cookie is held back on a cross-site visit: the form carries nobody's token."""
    client = world.client
    link = _claim_link(world)
    client.cookies.clear()
    anonymous = csrf(client.get(f"/c/{link['token']}").text)
    visitor = client.cookies["lm_csrf"]  # the same browser keeps its visitor cookie when it logs in
    as_member(client, db_url, world.a.members[world.a.merchants[2]])
    client.cookies.set("lm_csrf", visitor)
    landing = client.get(f"/c/{link['token']}")
    assert 'id="claim-mine"' in landing.text and "139****0002" in landing.text
    done = client.post(f"/c/{link['token']}", data={"csrf": anonymous, "action": "mine"})
    assert done.status_code == 200 and 'id="to-card"' in done.text  # their own: card number shown
    assert card_no(db_url, world.a.members[world.a.merchants[2]])[-4:] in done.text
    assert client.post(f"/c/{link['token']}", data={"csrf": "0" * 32, "action": "mine"}).status_code == 403
    # without a member login, "mine" goes to the login and comes back
    client.cookies.clear()
    client.cookies.set("lm_csrf", visitor)
    away = client.post(f"/c/{link['token']}", data={"csrf": anonymous, "action": "mine"}, follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == f"/m/login?next=%2Fc%2F{link['token']}"


def test_the_success_page_names_the_coupons_merchant_and_its_stores(world: World, db_url: str) -> None:
    """m2's coupon handed out by m1's guide: the page after claiming sends the member to m2, not m1."""
    client = world.client
    m1, m2, _ = world.a.merchants
    ok(client.post(f"/api/v1/merchants/{m2}/stores", headers=world.a.actors["operator"].headers, json={
        "name": "宝安店", "address": "宝安大道 88 号", "latitude": 22.60, "longitude": 113.88}))
    link = _claim_link(world)
    as_member(client, db_url, world.a.members[m1])
    token = csrf(client.get(f"/c/{link['token']}").text)
    done = client.post(f"/c/{link['token']}", data={"csrf": token, "action": "mine", "lat": "22.60",
                                                     "lng": "113.88"})
    assert done.status_code == 200, done.text
    assert re.search(r'id="given-by">alpha merchant 1 · store \d+<', done.text)
    assert 'id="offered-by">alpha merchant 2<' in done.text
    assert re.findall(r'class="place-store">([^<]+)<', done.text) == ["宝安店", f"store {m2}"]
    assert "宝安大道 88 号" in done.text
    window = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.search(f'id="validity">{window} 至 {window}{re.escape("(北京时间)")}<', done.text)
    assert 'id="min-spend">无门槛<' in done.text


def test_unknown_and_inactive_claim_links(world: World) -> None:
    assert world.client.get("/c/no-such-token").status_code == 404
    assert world.client.get(f"/c/{'x' * 500}").status_code == 404
    link = _claim_link(world)
    ok(world.client.patch(f"/api/v1/coupon-templates/{link['template_id']}",
                          headers=world.a.actors["admin2"].headers, json={"status": "paused"}), 200)
    landing = world.client.get(f"/c/{link['token']}")
    assert landing.status_code == 200 and 'id="inactive"' in landing.text and "claim-form" not in landing.text


def test_a_member_takes_a_partners_offer_from_the_partners_list(world: World, db_url: str) -> None:
    client = world.client
    m1, m2, m3 = world.a.merchants
    admin3 = world.a.actors["admin3"].headers
    lunch = ok(client.post("/api/v1/coupon-templates", headers=admin3, json={
        "name": "午市套餐8折", "kind": "percent_off", "percent_bp": 2_000, "total_stock": 2}))
    twice = ok(client.post("/api/v1/coupon-templates", headers=admin3, json={
        "name": "咖啡立减5元", "kind": "amount_off", "amount_fen": 500, "per_member_limit": 2}))
    mine, other = world.a.members[m1], world.a.members[m3]
    as_member(client, db_url, mine)
    text = client.get("/m/partners?lat=22.54&lng=114.05").text
    assert f'action="/m/offers/{lunch["id"]}/take"' in text and "已领取" not in text
    taken = client.post(f"/m/offers/{lunch['id']}/take", data={"csrf": csrf(text), "lat": "22.54", "lng": "114.05"},
                        follow_redirects=False)
    assert taken.status_code == 303
    where = taken.headers["location"]
    assert where.startswith("/m/partners?taken=") and "&lat=22.54&lng=114.05" in where
    assert where.endswith(f"#offer-{lunch['id']}")
    with new_session(db_url) as s:
        coupon = s.scalars(select(Coupon).where(Coupon.template_id == lunch["id"])).one()
        assert coupon.member_id == mine and coupon.claimed_at is not None and coupon.referrer_merchant_id is None
        code = coupon.code
    shown = client.get(where.split("#")[0]).text
    assert 'id="taken"' in shown and f"已领取「午市套餐8折」,券码 {code}" in shown
    assert f'id="offer-{lunch["id"]}"' in shown and "offer-taken" in shown
    assert f'action="/m/offers/{lunch["id"]}/take"' not in shown  # one per member: no button any more
    assert code in client.get("/m").text
    # again (a stale page): refused in words next to the offer, nothing written
    again = client.post(f"/m/offers/{lunch['id']}/take", data={"csrf": csrf(shown)})
    assert again.status_code == 422 and "每人限领 1 张" in again.text and "offer-refused" in again.text
    # two per member: a second tap gives a second coupon, then the button goes
    for _ in range(2):
        page = client.get("/m/partners").text
        assert client.post(f"/m/offers/{twice['id']}/take", data={"csrf": csrf(page)},
                           follow_redirects=False).status_code == 303
    assert f'action="/m/offers/{twice["id"]}/take"' not in client.get("/m/partners").text
    # another member takes the last one; for a third the stock of two is gone (and the offer is no longer listed)
    as_member(client, db_url, other)
    page = client.get("/m/partners").text
    assert 'id="taken"' not in client.get(where.split("#")[0]).text  # someone else's coupon id in ?taken=
    assert client.post(f"/m/offers/{lunch['id']}/take", data={"csrf": csrf(page)},
                       follow_redirects=False).status_code == 303
    as_member(client, db_url, world.a.members[m2])
    page = client.get("/m/partners").text
    assert "午市套餐8折" not in page
    gone = client.post(f"/m/offers/{lunch['id']}/take", data={"csrf": csrf(page)})
    assert gone.status_code == 422 and "券已领完" in gone.text
    with new_session(db_url) as s:
        assert len(s.scalars(select(Coupon).where(Coupon.template_id == lunch["id"])).all()) == 2


def test_only_a_partners_own_offer_of_the_alliance_can_be_taken(world: World, db_url: str) -> None:
    client = world.client
    m1 = world.a.merchants[0]
    beta = ok(client.post("/api/v1/coupon-templates", headers=world.b.actors["admin1"].headers, json={
        "name": "别的联盟的券", "kind": "amount_off", "amount_fen": 100}))
    paused = ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "暂停的券", "kind": "amount_off", "amount_fen": 100}))
    ok(client.patch(f"/api/v1/coupon-templates/{paused['id']}", headers=world.a.actors["admin2"].headers,
                    json={"status": "paused"}), 200)
    as_member(client, db_url, world.a.members[m1])
    page = client.get("/m/partners").text
    assert client.post(f"/m/offers/{beta['id']}/take", data={"csrf": csrf(page)}).status_code == 404
    refused = client.post(f"/m/offers/{paused['id']}/take", data={"csrf": csrf(page)})
    assert refused.status_code == 422 and "该券已停发" in refused.text
    assert client.post(f"/m/offers/{paused['id']}/take", data={}).status_code == 403  # no CSRF token
    with new_session(db_url) as s:
        assert s.scalars(select(Coupon).where(Coupon.template_id.in_([beta["id"], paused["id"]]))).all() == []


def test_each_store_opens_in_the_phones_map_app_and_typing_is_the_fallback(world: World, db_url: str) -> None:
    client = world.client
    m1, m2, _ = world.a.merchants
    ok(client.post(f"/api/v1/merchants/{m2}/stores", headers=world.a.actors["operator"].headers, json={
        "name": "宝安(西乡)店", "address": "宝安 1 号", "latitude": 22.575, "longitude": 113.8612346}))
    as_member(client, db_url, world.a.members[m1])
    text = client.get("/m/partners").text
    links = re.findall(r'class="map-link" href="([^"]+)"', text)
    assert len(links) == len(re.findall(r'class="store-name"', text)) == 4
    assert ("geo:22.575,113.861235?q=22.575,113.861235(alpha%20merchant%202%20%C2%B7%20"
            "%E5%AE%9D%E5%AE%89%28%E8%A5%BF%E4%B9%A1%29%E5%BA%97)") in links
    assert all(link.startswith("geo:") for link in links) and "http" not in " ".join(links)
    # the locate button leads; the coordinates are folded under 手动输入 (open when a typed one was not valid)
    assert text.index('id="locate"') < text.index('<details id="manual">') < text.index('id="f-lat"')
    assert "<summary>手动输入</summary>" in text
    assert '<details id="manual" open>' in client.get("/m/partners?lat=north&lng=1").text
    client.cookies.set("lm_lang", "en")
    assert "<summary>Enter manually</summary>" in client.get("/m/partners").text


def test_used_coupons_stay_in_the_history_with_where_when_and_what(world: World, db_url: str) -> None:
    client = world.client
    m1, _, m3 = world.a.merchants
    staff2 = world.a.actors["staff2"].headers
    cash = ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "满100减20", "kind": "amount_off", "amount_fen": 2_000, "min_spend_fen": 10_000}))
    mine, theirs = world.a.members[m1], world.a.members[m3]
    used = ok(client.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers,
                          json={"template_id": cash["id"], "member_id": mine}))  # a partner's coupon, handed out
    kept = ok(client.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers, json={
        "template_id": ok(client.post("/api/v1/coupon-templates", headers=world.a.actors["admin1"].headers, json={
            "name": "洗车券", "kind": "free_item", "item_name": "洗车", "item_value_fen": 3_000}))["id"],
        "member_id": mine}))
    other = ok(client.post("/api/v1/coupons/issue", headers=world.a.actors["staff3"].headers,
                           json={"template_id": cash["id"], "member_id": theirs}))
    as_member(client, db_url, mine)
    before = client.get("/m").text
    assert "还没有用过优惠券" in before and used["code"] in before
    when = (clock.now() + timedelta(days=1)).replace(hour=4, minute=30, second=0, microsecond=0)
    with clock.fixed_at(when):
        redemption = ok(client.post("/api/v1/coupons/redeem", headers=staff2, json={
            "code": used["code"], "bill_fen": 15_000}))
    ok(client.post("/api/v1/coupons/redeem", headers=staff2, json={"code": other["code"], "bill_fen": 15_000}))
    text = client.get("/m").text
    usable = text[text.index('id="coupons"'):text.index('id="used-coupons"')]
    history = text[text.index('id="used-coupons"'):text.index('id="points"')]
    assert used["code"] not in usable and kept["code"] in usable  # the used one left the usable list
    assert history.count('class="m-used"') == 1
    store = f" · {store_name(db_url, redemption['store_id'])}" if redemption["store_id"] else ""
    assert 'class="used-name">满100减20<' in history and "立减 ¥20.00 · 满 ¥100.00 可用" in history
    assert f'class="used-where">alpha merchant 2{store}<' in history
    assert f"{clock.shanghai(when):%Y-%m-%d} 12:30" in history and "省 ¥20.00" in history
    client.cookies.set("lm_lang", "en")
    assert "Coupons I used" in client.get("/m").text and "Saved ¥20.00" in client.get("/m").text
