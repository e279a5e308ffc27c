"""The console's placement pages as a browser drives them (forms with their CSRF token), and what members see:
the featured merchant first with the 推广 badge on /m/partners and in the claim page's "more partners" block, only
during its booked days (Asia/Shanghai)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from tests.conftest import World
from tests.integration.placements.placing import book, call, charges, day, slot
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_member_pages import as_member

PARTNER = re.compile(r'<li class="m-partner( featured)?" data-merchant="(\d+)"')


def _post(browser: TestClient, path: str, data: dict[str, str], page: str = "/console/placements") -> Response:
    answer: Response = browser.post(path, data={"csrf": csrf_of(browser.get(page).text), **data},
                                    follow_redirects=False)
    return answer


def test_the_operator_opens_a_slot_and_a_merchant_books_with_the_price_shown_first(world: World,
                                                                                   session: Session) -> None:
    operator = console(world.client, world.a.actors["operator"].username)
    home = operator.get("/console/placements")
    assert home.status_code == 200 and 'id="nav-placements"' in home.text and 'id="slot-form-partner_list"' in home.text
    bad = _post(operator, "/console/placements/slots", {"surface": "partner_list", "price": "abc", "capacity": "0",
                                                        "max_days": "30", "active": "1"})
    assert bad.status_code == 422 and "请输入金额" in bad.text
    wide = _post(operator, "/console/placements/slots", {"surface": "partner_list", "price": "50", "capacity": "99",
                                                         "max_days": "30", "active": "1"})
    assert wide.status_code == 422 and "同时推广的商户数须在 1 至 20 之间" in wide.text
    saved = _post(operator, "/console/placements/slots", {"surface": "partner_list", "price": "50.00",
                                                          "capacity": "2", "max_days": "30", "active": "1",
                                                          "title": "会员页置顶"})
    assert saved.status_code == 303
    assert "¥50.00" in operator.get("/console/placements").text

    admin = console(world.client, world.a.actors["admin1"].username)
    page = admin.get("/console/placements")
    assert 'id="book-form"' in page.text and 'id="slot-form-partner_list"' not in page.text
    slot_id = call(world, "admin1", "GET", "/placements/slots")["items"][0]["id"]
    quoted = _post(admin, "/console/placements/quote", {"slot_id": str(slot_id), "first_day": day(1), "days": "3"})
    assert quoted.status_code == 200 and 'id="quote-amount">¥150.00<' in quoted.text
    assert charges(session, world, world.a.merchants[0]) == 0  # a quote writes nothing
    past = _post(admin, "/console/placements/quote", {"slot_id": str(slot_id), "first_day": day(-2), "days": "3"})
    assert past.status_code == 422 and "开始日期不能早于今天" in past.text
    booked = admin.post("/console/placements/bookings", data={"csrf": csrf_of(quoted.text), "slot_id": str(slot_id),
                                                              "first_day": day(1), "days": "3"},
                        follow_redirects=False)
    assert booked.status_code == 303 and "done=booked" in booked.headers["location"]
    assert charges(session, world, world.a.merchants[0]) == -15_000
    listed = admin.get("/console/placements?done=booked")
    assert "已预订,费用已计入本月对账单" in listed.text and "¥150.00" in listed.text and "取消并退款" in listed.text
    booking_id = call(world, "admin1", "GET", "/placements/bookings")["items"][0]["id"]
    other = console(world.client, world.a.actors["admin2"].username)
    assert _post(other, f"/console/placements/bookings/{booking_id}/cancel", {}).status_code == 404
    cancelled = _post(admin, f"/console/placements/bookings/{booking_id}/cancel", {})
    assert cancelled.status_code == 303 and charges(session, world, world.a.merchants[0]) == 0

    grid = operator.get("/console/placements")
    assert 'id="calendar-' in grid.text and 'id="revenue"' in grid.text
    book(world, "admin2", slot_id, 0, 2)
    assert "alpha merchant 2" in _calendar(operator)  # the operator sees who is featured each day
    assert "alpha merchant 2" not in _calendar(admin) and "1/2" in _calendar(admin)  # a merchant: counts only


def _calendar(browser: TestClient) -> str:
    return browser.get("/console/placements").text.split('id="slots"')[1].split("</section>")[0]


def _order(client: TestClient, path: str) -> list[tuple[int, bool]]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return [(int(m), bool(f)) for f, m in PARTNER.findall(page.text)]


def test_members_see_the_featured_merchant_first_only_during_its_days(world: World, db_url: str) -> None:
    m1, m2, m3 = world.a.merchants
    made = slot(world)
    claims = slot(world, surface="claim_pages")
    book(world, "admin3", made["id"], 1, 2)
    book(world, "admin2", made["id"], 2, 1)  # booked later: second on day 2
    book(world, "admin3", claims["id"], 1, 1)
    member = TestClient(world.client.app)
    as_member(member, db_url, world.a.members[m1])
    today = _order(member, "/m/partners")
    assert not any(featured for _, featured in today)
    tomorrow = clock.today_in_shanghai() + timedelta(days=1)
    noon = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 12, tzinfo=SHANGHAI)
    with clock.fixed_at(noon):
        listed = _order(member, "/m/partners")
        assert listed[0] == (m3, True) and all(not f for _, f in listed[1:])
        assert "推广" in member.get("/m/partners").text
        assert ">Sponsored<" in member.get("/m/partners", headers={"Accept-Language": "en"}).text
    with clock.fixed_at(noon + timedelta(days=1)):
        assert _order(member, "/m/partners")[:2] == [(m3, True), (m2, True)]
    with clock.fixed_at(noon + timedelta(days=2)):
        assert _order(member, "/m/partners") == today  # ordinary order resumes
    call(world, "operator", "PATCH", f"/placements/slots/{made['id']}", {"active": False})
    with clock.fixed_at(noon):
        assert _order(member, "/m/partners") == today  # a paused slot features nobody
    call(world, "operator", "PATCH", f"/placements/slots/{made['id']}", {"active": True})

    template = call(world, "admin1", "POST", "/coupon-templates", {
        "name": "免费洗车", "kind": "free_item", "item_name": "洗车", "item_value_fen": 5_000, "valid_days": 30,
        "total_stock": 50}, 201)
    link = call(world, "staff1", "POST", "/claim-links", {"template_id": template["id"]}, 201)
    visitor = TestClient(world.client.app)
    plain = _order(visitor, f"/c/{link['token']}")
    assert {m for m, _ in plain} == {m2, m3} and not any(f for _, f in plain)  # the giver (m1) is left out
    with clock.fixed_at(noon):
        claim = _order(visitor, f"/c/{link['token']}")
        assert claim == [(m3, True), (m2, False)]
        assert "beta" not in visitor.get(f"/c/{link['token']}").text
