"""The partner never learns who received an offer; the member's offer page records opened and claimed; the
console shows counts and reasons in words."""

from __future__ import annotations

import re

from sqlalchemy import select

from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.db import unit_of_work
from lianmeng.jobs.service import send_offers
from lianmeng.members.models import Member
from lianmeng.targeting.models import OfferRecipient
from tests.conftest import World
from tests.integration.targeting import helpers
from tests.integration.targeting.helpers import NOON
from tests.integration.targeting.test_sending import create, recipients
from tests.integration.web.console import console, csrf_of


def test_the_partner_cannot_see_who_received_it(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a, members=5)
    offer_id = create(world, st, holdout_bp=0)
    assert send_offers(db_url, NOON) == 6
    rows = recipients(db_url, offer_id)
    with unit_of_work(db_url) as s:
        phones = {m.phone_masked for m in s.scalars(select(Member).where(
            Member.id.in_([r.member_id for r in rows])))}
    coupon_ids = {r.coupon_id for r in rows}
    partner = a.actors["admin2"].headers
    listed = world.client.get("/api/v1/coupons", params={"page_size": 100}, headers=partner).json()
    assert not coupon_ids & {c["id"] for c in listed["items"]}
    for coupon_id in coupon_ids:
        assert world.client.get(f"/api/v1/coupons/{coupon_id}", headers=partner).status_code == 404
    assert world.client.get("/api/v1/targeting/offers", headers=partner).json()["items"] == []
    assert world.client.get(f"/api/v1/targeting/offers/{offer_id}", headers=partner).status_code == 404
    members = world.client.get("/api/v1/members", params={"page_size": 100}, headers=partner).json()
    assert not {m["id"] for m in members["items"]} & {r.member_id for r in rows}
    sender = world.client.get("/api/v1/coupons", params={"page_size": 100}, headers=a.actors["admin1"].headers)
    assert coupon_ids <= {c["id"] for c in sender.json()["items"]}  # the sender sees its own members' coupons
    browser = console(world.client, a.actors["admin2"].username, raise_server_exceptions=False)
    assert browser.get(f"/console/targeting/{offer_id}").status_code == 404
    for path in ("/console/targeting", "/console/coupons", "/console/members", "/console/dashboard"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert not [p for p in phones if p in page.text], path
    for r in rows:  # the tokens of the offer page never appear in the partner's pages either
        assert r.token and r.token not in browser.get("/console/coupons").text
    with unit_of_work(db_url) as s:  # used at the partner: now it is the partner's arrival, and it sees it
        used = s.get(Coupon, rows[0].coupon_id)
        assert used is not None
        s.add(Redemption(alliance_id=a.alliance_id, coupon_id=used.id, use_no=1, member_id=used.member_id,
                         merchant_id=st.partner, referrer_merchant_id=st.sender, at=NOON))
    assert world.client.get(f"/api/v1/coupons/{rows[0].coupon_id}", headers=partner).status_code == 200
    assert world.client.get(f"/api/v1/coupons/{rows[1].coupon_id}", headers=partner).status_code == 404


def test_the_member_opens_and_claims_the_offer(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a)
    offer_id = create(world, st, holdout_bp=0)
    send_offers(db_url, NOON)
    (row,) = recipients(db_url, offer_id)
    phone = world.client.app  # a phone: a browser of its own, no login
    from fastapi.testclient import TestClient

    visitor = TestClient(phone)
    page = visitor.get(f"/o/{row.token}")
    assert page.status_code == 200, page.text
    assert "健身体验课" in page.text and "world" not in page.text
    assert re.search(r'id="offered-by">[^<]*merchant 2', page.text) and "store 2" in page.text
    (opened,) = recipients(db_url, offer_id)
    assert opened.opened_at is not None and opened.claimed_at is None
    visitor.get(f"/o/{row.token}")
    assert recipients(db_url, offer_id)[0].opened_at == opened.opened_at
    assert visitor.post(f"/o/{row.token}", data={"csrf": "forged"}).status_code == 403
    claimed = visitor.post(f"/o/{row.token}", data={"csrf": csrf_of(page.text)})
    assert claimed.status_code == 200 and 'id="claimed"' in claimed.text
    (after,) = recipients(db_url, offer_id)
    with unit_of_work(db_url) as s:
        coupon = s.get(Coupon, after.coupon_id)
        assert coupon is not None and coupon.claimed_at == after.claimed_at is not None
    assert visitor.get("/o/no-such-token").status_code == 404
    assert visitor.get("/o/" + "x" * 60).status_code == 404


def test_console_offer_pages(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a, members=3)
    with unit_of_work(db_url) as s:
        helpers.add_members(s, a.alliance_id, st.sender, 1, consent_marketing=False)
    browser = console(world.client, a.actors["admin1"].username)
    index = browser.get("/console/targeting")
    assert index.status_code == 200 and 'id="offer-form"' in index.text and "健身体验课" in index.text
    csrf = csrf_of(index.text)
    form = {"csrf": csrf, "name": "健身体验", "audience_id": str(st.audience_id), "template_id": str(st.template_id),
            "message": "送您一次体验课", "channel": "sms", "holdout": "60", "attribution_days": "30",
            "scheduled_at": "2026-12-07T12:00"}
    refused = browser.post("/console/targeting/offers", data=form)
    assert refused.status_code == 422 and "0–50%" in refused.text
    assert helpers.count(db_url, OfferRecipient) == 0
    created = browser.post("/console/targeting/offers", data={**form, "holdout": "0"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    send_offers(db_url, NOON)
    detail = browser.get(created.headers["location"])
    assert detail.status_code == 200
    assert "未同意接收营销信息" in detail.text and "已发送" in detail.text and "no_marketing_consent" not in detail.text
    english = browser.get(created.headers["location"], headers={"Accept-Language": "en"})
    assert "No consent to marketing messages" in english.text
    assert browser.get("/console/targeting").status_code == 200
    staff = console(world.client, a.actors["staff1"].username, raise_server_exceptions=False)
    assert 'id="offer-form"' not in staff.get("/console/targeting").text
