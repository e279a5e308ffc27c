"""Seed 000 mode 1–2 and seed 002 §1.2/§2.5 through the API: the gym's guide hands a member the service centre's
coupon → the member redeems it at the centre (arrival) → the order converts the referral → the gym and its guide
are credited frozen → released after the window. And every way a coupon can be refused, with its stable code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member
from lianmeng.merchants.models import Staff
from lianmeng.orders.models import Order
from tests.claiming import claim_by_phone, last_sms_code
from tests.conftest import World

TERMS = [{"kind": "per_head", "amount_fen": 10_000, "payee": "both", "staff_amount_fen": 5_000, "payer": "b"}]


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, code: str, status: int = 422) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def agree(world: World) -> int:
    """m1 (gym) sends customers to m2 (service centre), which pays ¥100 per head to the gym and ¥50 to the guide."""
    op = world.a.actors["operator"].headers
    m1, m2 = world.a.merchants[:2]
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "健身房 → 服务中心", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
        "commission_terms": TERMS, "return_window_days": 7}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)
    return int(agreement["id"])


def centre_coupon(world: World, **extra: Any) -> dict[str, Any]:
    body = {"name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
            "valid_days": 30, **extra}
    return ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json=body))  # type: ignore[no-any-return]


def gym_member(world: World) -> int:
    return world.a.members[world.a.merchants[0]]


def issue(world: World, template_id: int, member: int | None = None, who: str = "staff1") -> Any:
    return world.client.post("/api/v1/coupons/issue", headers=world.a.actors[who].headers,
                             json={"template_id": template_id, "member_id": member or gym_member(world)})


def test_gym_guide_sends_a_member_to_the_centre_and_is_paid_when_they_spend(world: World, session: Session) -> None:
    agree(world)
    m1, m2 = world.a.merchants[:2]
    template = centre_coupon(world, kind="amount_off", amount_fen=20_000, min_spend_fen=100_000, item_name=None,
                             item_value_fen=None, name="首次保养立减¥200")
    coupon = ok(issue(world, template["id"]))
    assert (coupon["referrer_merchant_id"], coupon["referrer_staff_id"], coupon["target_merchant_id"]) == (
        m1, world.a.staff[m1], m2)
    centre = world.a.actors["staff2"].headers
    # the third merchant does not take it; the centre would, for a big enough bill (dry run writes nothing)
    other = ok(world.client.post("/api/v1/coupons/validate", headers=world.a.actors["staff3"].headers,
                                 json={"code": coupon["code"], "bill_fen": 195_000}), 200)
    assert (other["ok"], other["code"]) == (False, "not_accepted_here") and "不接受" in other["message"]
    small = ok(world.client.post("/api/v1/coupons/validate", headers={**centre, "Accept-Language": "en"},
                                 json={"code": coupon["code"], "bill_fen": 50_000}), 200)
    assert (small["ok"], small["code"]) == (False, "below_minimum_spend")
    assert small["message"] == "Minimum spend is ¥1,000.00"
    good = ok(world.client.post("/api/v1/coupons/validate", headers=centre,
                                json={"code": coupon["code"], "bill_fen": 195_000}), 200)
    assert (good["ok"], good["discount_fen"]) == (True, 20_000)
    assert session.scalar(select(func.count()).select_from(Redemption)) == 0

    redemption = ok(world.client.post("/api/v1/coupons/redeem", headers=centre, json={
        "code": coupon["code"], "bill_fen": 195_000, "order_external_id": "CENTRE-1"}))
    assert (redemption["merchant_id"], redemption["referrer_merchant_id"], redemption["discount_fen"]) == (
        m2, m1, 20_000)
    order = ok(world.client.get(f"/api/v1/orders/{redemption['order_id']}", headers=centre), 200)
    assert (order["amount_fen"], order["referrer_merchant_id"], order["referrer_staff_id"]) == (
        175_000, m1, world.a.staff[m1])
    rebates = ok(world.client.get("/api/v1/rebates", headers=world.a.actors["operator"].headers), 200)["items"]
    assert {(r["payee_type"], r["amount_fen"], r["status"]) for r in rebates} == {
        ("merchant", 10_000, "frozen"), ("staff", 5_000, "frozen")}
    again = world.client.post("/api/v1/coupons/redeem", headers=centre, json={"code": coupon["code"],
                                                                               "bill_fen": 195_000})
    refused(again, "used_up")
    report = run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=7, minutes=1))
    assert report.rebates_released == 2


def test_an_arrival_converts_later_when_the_order_is_attached(world: World, session: Session) -> None:
    agree(world)
    template = centre_coupon(world)
    coupon = ok(issue(world, template["id"]))
    centre = world.a.actors["staff2"].headers
    arrival = ok(world.client.post("/api/v1/coupons/redeem", headers=centre, json={"code": coupon["code"]}))
    assert arrival["order_id"] is None and arrival["discount_fen"] == 30_000  # the free check's value
    converted = ok(world.client.post(f"/api/v1/redemptions/{arrival['id']}/order", headers=centre, json={
        "external_id": "CENTRE-2", "amount_fen": 185_000}))
    assert converted["order_id"] is not None
    twice = world.client.post(f"/api/v1/redemptions/{arrival['id']}/order", headers=centre, json={
        "external_id": "CENTRE-3", "amount_fen": 1_000})
    refused(twice, "order_already_attached", 409)
    foreign = world.client.post(f"/api/v1/redemptions/{arrival['id']}/order",
                                headers=world.a.actors["staff3"].headers,
                                json={"external_id": "X", "amount_fen": 1_000})
    assert foreign.status_code == 404
    # the referred member's next order at the centre, with no coupon, is still the gym's referral (first touch)
    later = ok(world.client.post("/api/v1/orders", headers=centre, json={
        "external_id": "CENTRE-4", "member_id": gym_member(world), "amount_fen": 50_000}))
    assert later["referrer_merchant_id"] == world.a.merchants[0]


def test_every_refusal_has_its_code(world: World, session: Session) -> None:
    centre = world.a.actors["staff2"].headers
    now = datetime.now(UTC)
    soon = centre_coupon(world, valid_from=(now + timedelta(days=3)).isoformat(), valid_days=None)
    refused(world.client.post("/api/v1/coupons/redeem", headers=centre,
                              json={"code": ok(issue(world, soon["id"]))["code"]}), "not_started")
    stale = ok(issue(world, centre_coupon(world)["id"]))
    session.execute(Coupon.__table__.update().where(Coupon.code == stale["code"]).values(
        valid_until=now - timedelta(minutes=1)))
    session.commit()
    refused(world.client.post("/api/v1/coupons/redeem", headers=centre, json={"code": stale["code"]}), "expired")
    mine = ok(issue(world, centre_coupon(world)["id"]))
    refused(world.client.post("/api/v1/coupons/redeem", headers=centre,
                              json={"code": mine["code"], "member_id": world.a.members[world.a.merchants[2]]}),
            "other_members_coupon")
    refused(world.client.post("/api/v1/coupons/redeem", headers=centre, json={"code": "NOSUCHCODE22"}),
            "coupon_not_found")
    scarce = centre_coupon(world, total_stock=1, per_member_limit=5)
    ok(issue(world, scarce["id"]))
    refused(issue(world, scarce["id"]), "stock_exhausted")
    once = centre_coupon(world)
    ok(issue(world, once["id"]))
    refused(issue(world, once["id"]), "member_limit_reached")
    held = ok(issue(world, centre_coupon(world)["id"]))
    op = world.a.actors["operator"].headers
    ok(world.client.patch(f"/api/v1/merchants/{world.a.merchants[1]}", headers=op, json={"status": "suspended"}),
       200)
    refused(world.client.post("/api/v1/coupons/redeem", headers=op, json={
        "code": held["code"], "merchant_id": world.a.merchants[1]}), "merchant_suspended")
    assert session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_a_guide_cannot_refer_themselves(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    member = session.get(Member, gym_member(world))
    assert member is not None
    staff = session.get(Staff, world.a.staff[m1])
    assert staff is not None
    staff.phone_hash = member.phone_hash  # the guide's own card
    session.commit()
    refused(issue(world, centre_coupon(world)["id"]), "self_referral")
    assert session.scalar(select(func.count()).select_from(Coupon)) == 0


def test_a_shared_claim_link_enrols_new_members_and_attributes_them(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    template = centre_coupon(world)
    link = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                json={"template_id": template["id"]}))
    assert link["claim_url"].endswith(f"/claim/{link['token']}")
    page = ok(world.client.get(f"/api/v1/claim/{link['token']}"), 200)
    assert page["template"]["name"] == "免费车辆检测" and page["active"] is True
    qr = world.client.get(f"/api/v1/claim/{link['token']}/qr.svg")
    assert qr.status_code == 200 and qr.text.lstrip().startswith("<svg")
    no_consent = claim_by_phone(world.client, link["token"], "13900001111", accept_terms=False)
    refused(no_consent, "consent_required")
    claimed = ok(world.client.post(f"/api/v1/claim/{link['token']}", json={
        "phone": "139 0000 1111", "code": last_sms_code(), "name": "王女士", "accept_terms": True,
        "consent_marketing": True}))
    assert claimed["new_member"] is True and claimed["phone_masked"] == "139****1111"
    assert claimed["coupon"]["referrer_staff_id"] == world.a.staff[m1] and claimed["coupon"]["claimed_at"]
    member = members_repo.member_by_phone(session, world.a.alliance_id, "13900001111")
    assert member is not None and member.origin_merchant_id == m1 and member.consent_marketing
    again = claim_by_phone(world.client, link["token"], "13900001111", accept_terms=True)
    refused(again, "member_limit_reached")
    assert world.client.get("/api/v1/claim/nosuchtoken").status_code == 404


def test_rights_exchange_benefit_at_the_counter(world: World, session: Session) -> None:
    agreement = agree(world)
    m1, m2 = world.a.merchants[:2]
    benefit = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "健身会员免费洗车3次", "kind": "free_item", "item_name": "洗车", "item_value_fen": 5_000,
        "uses_per_coupon": 3, "agreement_id": agreement}))
    assert benefit["audience_merchant_id"] == m1
    card = ok(world.client.get(f"/api/v1/members/{gym_member(world)}", headers=world.a.actors["staff1"].headers),
              200)["card_no"]
    centre = world.a.actors["staff2"].headers
    view = ok(world.client.post("/api/v1/counter/lookup", headers=centre, json={"card_no": card}), 200)
    assert [b["id"] for b in view["benefits"]] == [benefit["id"]] and "****" in view["phone_masked"]
    assert "name" not in view
    used = ok(world.client.post(f"/api/v1/benefits/{benefit['id']}/redeem", headers=centre, json={"card_no": card}))
    assert (used["merchant_id"], used["referrer_merchant_id"]) == (m2, m1)
    coupon = session.get(Coupon, used["coupon_id"])
    assert coupon is not None and coupon.uses_left == 2
    # the school is no party to the agreement: the benefit does not apply to its members
    school_card = ok(world.client.get(f"/api/v1/members/{world.a.members[world.a.merchants[2]]}",
                                      headers=world.a.actors["staff3"].headers), 200)["card_no"]
    refused(world.client.post(f"/api/v1/benefits/{benefit['id']}/redeem", headers=centre,
                              json={"card_no": school_card}), "not_a_benefit")


@pytest.mark.parametrize("body", [
    {"name": "x", "kind": "percent_off"},
    {"name": "x", "kind": "free_item", "item_value_fen": 100},
    {"name": "x", "kind": "amount_off", "amount_fen": 0},
    {"name": "x", "kind": "amount_off", "amount_fen": 100, "acceptance": "selected"},
    {"name": "x", "kind": "amount_off", "amount_fen": 100, "valid_from": "2026-12-02T00:00:00+08:00",
     "valid_until": "2026-12-01T00:00:00+08:00"},
])
def test_bad_templates_are_refused_with_nothing_written(world: World, session: Session, body: dict[str, Any]) -> None:
    r = world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_within_days_terms_count_from_the_coupon_not_from_sign_up(world: World, session: Session) -> None:
    """A gym member who joined long ago gets the centre's coupon today: the referral dates from the coupon."""
    op = world.a.actors["operator"].headers
    m1, m2 = world.a.merchants[:2]
    terms = [{"kind": "percent_of_order", "rate_bp": 500, "payee": "merchant", "payer": "b", "within_days": 30}]
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "30天内返5%", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
        "commission_terms": terms}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)
    member = session.get(Member, gym_member(world))
    assert member is not None
    member.created_at = clock.now() - timedelta(days=90)
    session.commit()
    coupon = ok(issue(world, centre_coupon(world)["id"]))
    ok(world.client.post("/api/v1/coupons/redeem", headers=world.a.actors["staff2"].headers, json={
        "code": coupon["code"], "bill_fen": 100_000, "order_external_id": "LATE-1"}))
    rebates = ok(world.client.get("/api/v1/rebates", headers=op), 200)["items"]
    assert [(r["payee_type"], r["amount_fen"]) for r in rebates] == [("merchant", 3_500)]  # 5% of ¥1,000 − ¥300
