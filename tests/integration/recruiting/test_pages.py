"""The console pages and the public pages of recruiting, driven as a browser does (forms with their CSRF token)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.recruiting.models import Application, JoinLink, RecruitingSettings
from tests.claiming import last_sms_code
from tests.conftest import World
from tests.integration.recruiting.recruiting import apply, join_link, ok
from tests.integration.web.console import console, csrf_of


def _form(browser: TestClient, path: str, data: dict[str, str], page: str | None = None) -> Response:
    token = csrf_of(browser.get(page or path).text)
    answer: Response = browser.post(path, data={"csrf": token, **data}, follow_redirects=False)
    return answer


def test_a_guide_makes_a_poster_and_a_stranger_applies_on_her_phone(world: World, session: Session) -> None:
    guide = console(world.client, world.a.actors["staff1"].username)
    home = guide.get("/console/recruiting")
    assert home.status_code == 200 and 'id="nav-recruiting"' in home.text and 'id="link-form"' in home.text
    made = _form(guide, "/console/recruiting/links", {"title": "推广员招募", "accepts": "promoter"},
                 page="/console/recruiting")
    assert made.status_code == 303
    poster = guide.get(made.headers["location"])
    assert poster.status_code == 200 and "<svg" in poster.text and "推广员招募" in poster.text
    link = session.scalars(select(JoinLink)).one()
    assert (link.staff_id, link.accepts) == (world.a.staff[world.a.merchants[0]], "promoter")
    assert f"/join/{link.token}" in poster.text
    png = guide.get(f"/console/recruiting/links/{link.id}/qr.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"

    stranger = TestClient(world.client.app)
    stranger.app.state.throttle.storage.reset()  # type: ignore[attr-defined]
    landing = stranger.get(f"/join/{link.token}")
    assert landing.status_code == 200 and 'id="send-code"' in landing.text
    bad = _form(stranger, f"/join/{link.token}", {"action": "code", "phone": "12345"})
    assert bad.status_code == 422 and "手机号格式不正确" in bad.text
    sent = _form(stranger, f"/join/{link.token}", {"action": "code", "phone": "13766660001"})
    assert sent.status_code == 200 and 'id="f-code"' in sent.text
    assert "137****0001" in sent.text
    details = {"action": "apply", "phone": "13766660001", "kind": "promoter", "applicant_name": "王导",
               "occupation": "tour_guide"}
    wrong = _form(stranger, f"/join/{link.token}", {**details, "code": "000000"})
    assert wrong.status_code == 401 and "验证码错误" in wrong.text
    assert session.scalars(select(Application)).first() is None
    applied = _form(stranger, f"/join/{link.token}", {**details, "code": last_sms_code()})
    assert applied.status_code == 200 and 'id="applied"' in applied.text
    session.rollback()
    row = session.scalars(select(Application)).one()
    assert (row.kind, row.occupation, row.recruiter_type) == ("promoter", "tour_guide", "staff")


def test_an_admin_reviews_and_the_operator_sets_the_bounty(world: World, session: Session) -> None:
    operator = console(world.client, world.a.actors["operator"].username)
    saved = _form(operator, "/console/recruiting/settings", {"bounty": "20.00"}, page="/console/recruiting")
    assert saved.status_code == 200 and "已保存招募奖励" in saved.text
    assert session.scalars(select(RecruitingSettings)).one().bounty_fen == 2_000
    typo = _form(operator, "/console/recruiting/settings", {"bounty": "abc"}, page="/console/recruiting")
    assert typo.status_code == 422
    admin = console(world.client, world.a.actors["admin2"].username)
    denied = _form(admin, "/console/recruiting/settings", {"bounty": "1.00"}, page="/console/recruiting")
    assert denied.status_code == 403

    link = join_link(world, "staff1")
    application = ok(apply(world.client, link["token"], "13766660002", kind="merchant"))
    reviewer = console(world.client, world.a.actors["admin1"].username)
    page = f"/console/recruiting/applications/{application['id']}"
    shown = reviewer.get(page)
    assert shown.status_code == 200 and 'id="scorecard"' in shown.text
    session.rollback()
    row = session.get(Application, application["id"])
    assert row is not None and f'href="/console/partners/candidates/{row.candidate_id}"' in shown.text
    blank = _form(reviewer, page, {"decision": "reject", "reason": " "})
    assert blank.status_code == 422 and "拒绝申请须填写原因" in blank.text
    approved = _form(reviewer, page, {"decision": "approve", "reason": ""})
    assert approved.status_code == 200
    welcome = re.search(r'id="welcome-url">([^<]+)<', approved.text)
    assert welcome and "/welcome/" in welcome.group(1)
    board = reviewer.get("/console/recruiting/leaderboard")
    assert board.status_code == 200 and 'data-key="staff:' in board.text
    assert world.client.get("/welcome/not-a-token").status_code == 404


def test_a_promoter_lands_on_the_coupons_it_shares_not_on_a_till(world: World) -> None:
    link = join_link(world, "staff1")
    application = ok(apply(world.client, link["token"], "13766660003"))
    decided = ok(world.client.post(f"/api/v1/recruits/{application['id']}/decisions",
                                   headers=world.a.actors["admin1"].headers, json={"decision": "approve"}), 200)
    welcome = "/" + decided["set_password_url"].split("/", 3)[3]
    browser = TestClient(world.client.app)
    assert _form(browser, welcome, {"password": "promoter-pass-2", "again": "promoter-pass-2"}).status_code == 303
    logged_in = _form(browser, "/login", {"username": decided["username"], "password": "promoter-pass-2"})
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/console/coupons"
    coupons = browser.get("/console/coupons")
    assert coupons.status_code == 200 and 'href="/console/counter"' not in coupons.text
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000}))
    poster = browser.get(f"/console/coupons/{template['id']}/claim")
    assert poster.status_code == 200 and "<svg" in poster.text
