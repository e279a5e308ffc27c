"""Group buys through the pages: the console (an admin defines an offer, errors next to their fields with nothing
written, pause/resume, the results page; tenancy) and the member's phone pages (start a group, the share landing,
join, leave, the refusals in words with their 409, a refunded member never shown a complete group)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuyOffer, GroupBuySeat
from lianmeng.kit import clock
from lianmeng.web.console import MEMBER_COOKIE
from tests.conftest import World
from tests.integration.groupbuys.helpers import (
    API,
    add_members,
    cover,
    create_offer,
    member_headers,
    ok,
    past_deadline,
    the_members,
)
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_counter_pages import error_of

NEW = "/console/group-buys/new"


def post(browser: TestClient, path: str, data: dict[str, str], page: str) -> Any:
    """A form posted as the browser does: with the CSRF token (and hidden fields) of the page it is on."""
    html = browser.get(page).text
    return browser.post(path, data={"csrf": csrf_of(html), **data}, follow_redirects=False)


def offer_form(world: World, **extra: str) -> dict[str, str]:
    m1, m2, m3 = world.a.merchants
    return {"name": "洗车+健身周卡+晚餐券 两人团", "description": "三家店通用", "price": "199.00", "group_size": "2",
            "hours_to_form": "24", "valid_months": "12", "per_member_limit": "1", "max_seats": "100",
            "c0_merchant_id": str(m1), "c0_name": "精洗一次", "c0_units": "1", "c0_unit_name": "次",
            "c0_list_value": "88",
            "c1_merchant_id": str(m2), "c1_name": "健身周卡", "c1_units": "1", "c1_unit_name": "周",
            "c1_list_value": "199.00",
            "c2_merchant_id": str(m3), "c2_name": "晚餐代金券", "c2_units": "1", "c2_unit_name": "张",
            "c2_list_value": "100", **extra}


def count(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def as_member(world: World, db_url: str, member_id: int) -> TestClient:
    """A phone of its own, logged in as the member (the member cookie holds the member's token)."""
    phone = TestClient(world.client.app)
    phone.cookies.set(MEMBER_COOKIE, member_headers(db_url, member_id)["Authorization"].split(" ", 1)[1])
    return phone


def start(phone: TestClient, offer_id: int) -> Any:
    html = phone.get("/m/group-buys").text
    key = re.search(rf'action="/m/group-buys/offers/{offer_id}/start".*?name="key" value="([^"]+)"', html, re.S)
    assert key, html
    return phone.post(f"/m/group-buys/offers/{offer_id}/start", data={"csrf": csrf_of(html), "key": key.group(1)},
                      follow_redirects=False)


def join(phone: TestClient, token: str) -> Any:
    html = phone.get(f"/g/{token}").text
    key = re.search(r'name="key" value="([^"]+)"', html)
    assert key, html
    return phone.post(f"/g/{token}/join", data={"csrf": csrf_of(html), "key": key.group(1)}, follow_redirects=False)


def group_id_of(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.match(r"/m/group-buys/groups/(\d+)\?", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def token_of(engine: Engine, group_id: int) -> str:
    with Session(engine) as session:
        group = session.get(GroupBuyGroup, group_id)
        assert group is not None
        return group.token


# --- the console ---------------------------------------------------------------------------------------------


def test_a_merchant_admin_defines_an_offer_and_follows_it(world: World, engine: Engine) -> None:
    cover(world)
    admin = console(world.client, world.a.actors["admin1"].username)
    assert 'href="/console/group-buys"' in admin.get("/console/dashboard").text  # the nav entry
    page = admin.get(NEW)
    assert page.status_code == 200 and "新建拼团" in page.text and "f-seller_merchant_id" not in page.text
    created = post(admin, NEW, offer_form(world), NEW)
    assert created.status_code == 303, created.text
    listed = admin.get(created.headers["location"]).text
    assert "拼团已创建" in listed and "洗车+健身周卡+晚餐券 两人团" in listed and "¥199.00" in listed
    with Session(engine) as session:
        offer = session.scalars(select(GroupBuyOffer)).one()
        assert (offer.seller_merchant_id, offer.price_fen, offer.group_size, offer.max_seats) == (
            world.a.merchants[0], 19_900, 2, 100)
    results = admin.get(f"/console/group-buys/{offer.id}")
    assert results.status_code == 200 and 'id="money-paid">¥0.00' in results.text

    paused = post(admin, f"/console/group-buys/{offer.id}/pause", {}, "/console/group-buys")
    assert paused.status_code == 303 and "已暂停" in admin.get(paused.headers["location"]).text
    resumed = post(admin, f"/console/group-buys/{offer.id}/resume", {}, "/console/group-buys")
    assert resumed.status_code == 303

    edit = f"/console/group-buys/{offer.id}/edit"
    assert 'value="100"' in admin.get(edit).text
    saved = post(admin, edit, {"name": "两人团·改", "max_seats": "", "per_member_limit": "2"}, edit)
    assert saved.status_code == 303, saved.text
    with Session(engine) as session:
        changed = session.get(GroupBuyOffer, offer.id)
        assert changed is not None and (changed.name, changed.max_seats, changed.per_member_limit) == (
            "两人团·改", None, 2)


def test_form_errors_are_shown_in_words_and_nothing_is_written(world: World, engine: Engine) -> None:
    cover(world)
    admin = console(world.client, world.a.actors["admin1"].username)
    bad = post(admin, NEW, offer_form(world, name="", price="1.999", group_size="51", hours_to_form="0",
                                      c1_units="0", sale_starts_at="2026-12-09T10:00",
                                      sale_ends_at="2026-12-08T10:00"), NEW)
    assert bad.status_code == 422
    assert error_of(bad.text, "name") == "请输入拼团名称"
    assert error_of(bad.text, "price") == "请输入金额,最多两位小数,如 199.00"
    assert error_of(bad.text, "group_size") == "请输入 2 到 50 之间的整数"
    assert error_of(bad.text, "hours_to_form") == "请输入 1 到 168 之间的小时数"
    assert error_of(bad.text, "c1_units") == "请输入 1 到 100000 之间的整数"
    assert error_of(bad.text, "sale_ends_at") == "结束时间须晚于开始时间"
    # a component merchant with no active joint-card agreement with the seller: the service's 422, in words
    m1 = world.a.merchants[0]
    beta_less = console(world.client, world.a.actors["admin2"].username)
    refused = post(beta_less, NEW, offer_form(world, c0_merchant_id=str(m1)), NEW)
    assert refused.status_code == 422 and "没有生效中的联合储值卡协议" in (error_of(refused.text, "form") or "")
    assert count(engine, GroupBuyOffer) == 0
    # "add a row" answers the form again with one more row, writing nothing
    more = post(admin, NEW, {**offer_form(world), "add": "component"}, NEW)
    assert more.status_code == 200 and 'name="c3_name"' in more.text and count(engine, GroupBuyOffer) == 0


def test_the_operator_names_the_seller_and_store_staff_may_not_define(world: World, engine: Engine) -> None:
    cover(world)
    operator = console(world.client, world.a.actors["operator"].username)
    missing = post(operator, NEW, offer_form(world), NEW)
    assert missing.status_code == 422 and error_of(missing.text, "seller_merchant_id") == "请选择收款商户"
    created = post(operator, NEW, offer_form(world, seller_merchant_id=str(world.a.merchants[0])), NEW)
    assert created.status_code == 303, created.text
    staff = console(world.client, world.a.actors["staff1"].username, raise_server_exceptions=False)
    assert staff.get(NEW).status_code == 403
    assert 'href="/console/group-buys"' not in staff.get("/console/counter").text


def test_tenancy_another_alliance_sees_nothing_and_a_component_merchant_sees_no_money(
    world: World, db_url: str
) -> None:
    cover(world)
    offer = create_offer(world, "admin1", group_size=2)
    other = console(world.client, world.b.actors["admin1"].username, raise_server_exceptions=False)
    assert offer["name"] not in other.get("/console/group-buys").text
    assert other.get(f"/console/group-buys/{offer['id']}").status_code == 404
    assert other.get(f"/console/group-buys/{offer['id']}/edit").status_code == 404
    gym = console(world.client, world.a.actors["admin2"].username, raise_server_exceptions=False)
    shown = gym.get(f"/console/group-buys/{offer['id']}")
    assert shown.status_code == 200 and 'id="money"' not in shown.text and "健身周卡" in shown.text
    assert "精洗一次" not in shown.text.split('id="consumption"')[1].split("</section>")[0]
    assert gym.get(f"/console/group-buys/{offer['id']}/edit").status_code == 403
    # a member of alliance B cannot see A's group by its link's join
    leader = the_members(world)[0]
    group = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, leader),
                                 json={"offer_id": offer["id"]}))
    stranger = as_member(world, db_url, world.b.members[world.b.merchants[0]])
    landing = stranger.get(f"/g/{group['token']}")
    assert landing.status_code == 200 and 'id="join-form"' not in landing.text
    assert stranger.get(f"/m/group-buys/groups/{group['id']}").status_code == 404
    assert offer["name"] not in stranger.get("/m/group-buys").text


# --- the member's pages ----------------------------------------------------------------------------------------


def test_a_member_starts_a_group_a_friend_joins_by_the_link_and_it_forms(
    world: World, db_url: str, engine: Engine
) -> None:
    cover(world)
    offer = create_offer(world, "admin1", group_size=2)
    leader, friend, third = the_members(world)
    phone = as_member(world, db_url, leader)
    listed = phone.get("/m/group-buys").text
    assert offer["name"] in listed and "¥199.00" in listed and "2人团" in listed
    started = start(phone, offer["id"])
    group_id = group_id_of(started)
    page = phone.get(started.headers["location"]).text
    assert "已开团并付款" in page and "已拼 1 / 2 人" in page and 'class="group-qr"' in page
    token = token_of(engine, group_id)
    assert f"/g/{token}" in page and "北京时间" in page and re.search(r"还剩 23 小时 5\d 分", page)
    assert "13900010000" not in page

    visitor = TestClient(world.client.app)
    landing = visitor.get(f"/g/{token}")
    assert landing.status_code == 200 and "会** 邀你一起拼团" in landing.text and 'id="login-to-join"' in landing.text
    assert "会员1" not in landing.text  # the leader masked
    not_logged_in = visitor.post(f"/g/{token}/join", data={"csrf": csrf_of(visitor.get("/m/login").text), "key": "k"},
                                 follow_redirects=False)
    assert not_logged_in.status_code == 303 and not_logged_in.headers["location"].startswith("/m/login?next=")

    friend_phone = as_member(world, db_url, friend)
    joined = join(friend_phone, token)
    assert group_id_of(joined) == group_id
    formed = friend_phone.get(joined.headers["location"]).text
    assert "已成团!套餐已发放" in formed and "健身周卡" in formed and "剩 1/1 周" in formed
    assert "已成团!套餐已发放" in phone.get(f"/m/group-buys/groups/{group_id}").text
    mine = phone.get("/m/group-buys").text
    assert "已成团已发放" in mine

    # the group formed: a third member's landing offers no join
    html = as_member(world, db_url, third).get(f"/g/{token}").text
    assert 'id="join-form"' not in html and "已成团" in html
    assert count(engine, GroupBuySeat) == 2


def test_joining_a_full_group_answers_409_in_words(world: World, db_url: str, engine: Engine) -> None:
    cover(world)
    offer = create_offer(world, "admin1", group_size=2, per_member_limit=3)
    leader, friend, third = the_members(world)
    group = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, leader),
                                 json={"offer_id": offer["id"]}))
    late = as_member(world, db_url, third)
    html = late.get(f"/g/{group['token']}").text  # the form, opened while a seat was still free
    ok(world.client.post(f"{API}/group-buys/groups/by-token/{group['token']}/join",
                         headers=member_headers(db_url, friend), json={}))
    key = re.search(r'name="key" value="([^"]+)"', html)
    assert key
    full = late.post(f"/g/{group['token']}/join", data={"csrf": csrf_of(html), "key": key.group(1)},
                     follow_redirects=False)
    assert full.status_code == 409 and "该团已满员,可以自己开一个新团" in full.text
    assert count(engine, GroupBuySeat) == 2
    # joining twice (a form opened before joining elsewhere) and an expired group: the same, in words
    other = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, third),
                                 json={"offer_id": offer["id"]}))
    twice = as_member(world, db_url, leader)
    stale = twice.get(f"/g/{other['token']}").text
    ok(world.client.post(f"{API}/group-buys/groups/by-token/{other['token']}/join",
                         headers=member_headers(db_url, leader), json={}), 201)
    key = re.search(r'name="key" value="([^"]+)"', stale)
    assert key
    already = twice.post(f"/g/{other['token']}/join", data={"csrf": csrf_of(stale), "key": key.group(1)},
                         follow_redirects=False)
    assert already.status_code == 409 and "您已参加过该团" in already.text
    late_group = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, friend),
                                      json={"offer_id": offer["id"]}))
    phone = as_member(world, db_url, leader)
    opened = phone.get(f"/g/{late_group['token']}").text
    past_deadline(db_url, late_group["id"], clock.now())
    key = re.search(r'name="key" value="([^"]+)"', opened)
    assert key
    expired = phone.post(f"/g/{late_group['token']}/join", data={"csrf": csrf_of(opened), "key": key.group(1)},
                         follow_redirects=False)
    assert expired.status_code == 409 and "该团已过成团时限未满员,已失效" in expired.text
    assert "未成团已失效" in phone.get(f"/g/{late_group['token']}").text


def test_a_double_tap_on_start_pays_once_and_a_member_leaves_before_forming(
    world: World, db_url: str, engine: Engine
) -> None:
    cover(world)
    offer = create_offer(world, "admin1", group_size=3)
    leader = the_members(world)[0]
    phone = as_member(world, db_url, leader)
    html = phone.get("/m/group-buys").text
    key = re.search(rf'action="/m/group-buys/offers/{offer["id"]}/start".*?name="key" value="([^"]+)"', html, re.S)
    assert key
    data = {"csrf": csrf_of(html), "key": key.group(1)}
    first = phone.post(f"/m/group-buys/offers/{offer['id']}/start", data=data, follow_redirects=False)
    second = phone.post(f"/m/group-buys/offers/{offer['id']}/start", data=data, follow_redirects=False)
    assert group_id_of(first) == group_id_of(second) and count(engine, GroupBuySeat) == 1
    # another start (a new form) while holding that seat: the per-member limit, in words next to the offer
    limited = start(phone, offer["id"])
    assert limited.status_code == 409 and "每位会员同时最多参加 1 个该拼团的团" in limited.text
    assert count(engine, GroupBuySeat) == 1
    phone.cookies.set("lm_lang", "en")
    english = phone.get(f"/m/group-buys/groups/{group_id_of(first)}").text
    assert "1 of 3 joined" in english and "Paid, waiting" in english and "Invite friends" in english
    phone.cookies.set("lm_lang", "zh-CN")
    group_id = group_id_of(first)
    page = phone.get(f"/m/group-buys/groups/{group_id}").text
    left = phone.post(f"/m/group-buys/groups/{group_id}/leave", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert left.status_code == 303
    shown = phone.get(left.headers["location"]).text
    assert "已退出该团,款项已全额退回" in shown and 'id="leave"' not in shown
    assert "已退出退款" in phone.get("/m/group-buys").text


def test_a_member_refunded_after_forming_never_sees_the_group_complete(
    world: World, db_url: str, engine: Engine
) -> None:
    cover(world)
    offer = create_offer(world, "admin1", group_size=2)
    leader, friend, _ = the_members(world)
    group = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, leader),
                                 json={"offer_id": offer["id"]}))
    ok(world.client.post(f"{API}/group-buys/groups/by-token/{group['token']}/join",
                         headers=member_headers(db_url, friend), json={}))
    with Session(engine) as session:
        seat = session.scalars(select(GroupBuySeat).where(GroupBuySeat.member_id == friend)).one()
    ok(world.client.post(f"{API}/group-buys/seats/{seat.id}/refund", headers=world.a.actors["admin1"].headers,
                         json={"reason": "顾客退款"}), 200)
    phone = as_member(world, db_url, friend)
    page = phone.get(f"/m/group-buys/groups/{group['id']}").text
    assert "已成团!" not in page and "你的名额已退款" in page and "1 人已退款" in page
    assert "已退卡" in phone.get("/m/group-buys").text
    assert "已成团!套餐已发放" in as_member(world, db_url, leader).get(f"/m/group-buys/groups/{group['id']}").text
    # the seller's results count the refund; no member is named there
    results = console(world.client, world.a.actors["admin1"].username).get(f"/console/group-buys/{offer['id']}")
    assert 'id="seats-refunded">1' in results.text and 'id="seats-issued">1' in results.text
    assert "会员2" not in results.text and "会**" not in results.text


def test_unknown_links_and_other_members_groups_are_not_found(world: World, db_url: str) -> None:
    cover(world)
    offer = create_offer(world, "admin1", group_size=3)
    leader, friend, _ = the_members(world)
    group = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, leader),
                                 json={"offer_id": offer["id"]}))
    visitor = TestClient(world.client.app)
    assert visitor.get("/g/nope-nope-nope").status_code == 404
    assert visitor.get("/g/%3Cscript%3E").status_code == 404
    assert as_member(world, db_url, friend).get(f"/m/group-buys/groups/{group['id']}").status_code == 404
    assert visitor.get("/m/group-buys", follow_redirects=False).status_code == 303
    extra = add_members(db_url, world.a.alliance_id, 1)
    assert as_member(world, db_url, extra[0]).get("/m/group-buys").status_code == 200


def test_the_results_show_the_money_and_each_merchants_use(world: World, db_url: str, engine: Engine) -> None:
    """A group of 2 forms (¥398 paid in); the gym (m2) serves its week on one card: the seller sees ¥398 paid,
    nothing held, the gym's share recognised and the rest still owed; the gym sees its own row only."""
    cover(world)
    offer = create_offer(world, "admin1", group_size=2)
    leader, friend, _ = the_members(world)
    group = ok(world.client.post(f"{API}/group-buys/groups", headers=member_headers(db_url, leader),
                                 json={"offer_id": offer["id"]}))
    admin = console(world.client, world.a.actors["admin1"].username)
    waiting = admin.get(f"/console/group-buys/{offer['id']}").text
    assert 'id="money-held">¥199.00' in waiting and 'id="groups-open">1' in waiting
    assert 'id="groups-started">1' in waiting
    ok(world.client.post(f"{API}/group-buys/groups/by-token/{group['token']}/join",
                         headers=member_headers(db_url, friend), json={}))
    with Session(engine) as session:
        card_id = session.scalars(select(GroupBuySeat.joint_card_id).where(GroupBuySeat.member_id == friend)).one()
    gym = next(c for c in offer["components"] if c["merchant_id"] == world.a.merchants[1])
    ok(world.client.post(f"{API}/joint-cards/{card_id}/consume", headers=world.a.actors["staff2"].headers,
                         json={"component_id": gym["id"], "units": 1}))
    shown = admin.get(f"/console/group-buys/{offer['id']}").text
    share = gym["share_fen"]
    assert 'id="money-paid">¥398.00' in shown and 'id="money-held">¥0.00' in shown
    assert f'id="money-recognised">¥{share // 100}.{share % 100:02d}' in shown
    rest = 39_800 - share
    assert f'id="money-outstanding">¥{rest // 100}.{rest % 100:02d}' in shown
    assert re.search(r"健身周卡</td><td>[^<]*</td><td class=\"num\">1 / 2 周", shown)
    gym_page = console(world.client, world.a.actors["admin2"].username).get(f"/console/group-buys/{offer['id']}")
    rows = re.findall(r'<tr class="consumption-row"><td>([^<]+)</td>', gym_page.text)
    assert rows == ["健身周卡"] and 'id="money"' not in gym_page.text
