"""Issue 11 item 5: a claim proves the phone before anything is recorded. An anonymous visitor with someone else's
phone gets nothing written (no member, no consent, no coupon, no card number); the phone's holder claims with the
one-time code sent to it; a member logged in claims with their token; a staff login cannot claim for anybody."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.auth.models import OneTimeCode
from lianmeng.coupons.models import Coupon
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member
from tests.claiming import claim_by_phone, last_sms_code
from tests.conftest import DATABASE_URL, World

STRANGER = "13712345678"  # somebody else's phone, typed by an anonymous visitor


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, code: str, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def shared_link(world: World) -> str:
    """m2's coupon, shared by m1's guide."""
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
        "valid_days": 30}))
    link = ok(world.client.post("/api/v1/claim-links", headers=world.a.actors["staff1"].headers,
                                json={"template_id": template["id"]}))
    return str(link["token"])


def written(session: Session) -> tuple[int, int, int]:
    session.rollback()  # a fresh look: end this session's read transaction
    return (session.scalar(select(func.count()).select_from(Member)) or 0,
            session.scalar(select(func.count()).select_from(Member).where(Member.consent_marketing)) or 0,
            session.scalar(select(func.count()).select_from(Coupon)) or 0)


def test_a_claim_with_a_phone_and_no_code_is_refused_and_writes_nothing(world: World, session: Session) -> None:
    token = shared_link(world)
    before = written(session)
    body = {"phone": STRANGER, "name": "冒名", "accept_terms": True, "consent_marketing": True}
    refused(world.client.post(f"/api/v1/claim/{token}", json=body), "otp_required", 401)
    refused(world.client.post(f"/api/v1/claim/{token}", json={**body, "code": "123456"}), "otp_invalid", 401)
    assert written(session) == before
    assert members_repo.member_by_phone(session, world.a.alliance_id, STRANGER) is None
    # an existing member's phone: no coupon lands on their card either
    member_phone = "13900010002"
    refused(world.client.post(f"/api/v1/claim/{token}", json={"phone": member_phone}), "otp_required", 401)
    assert written(session) == before


def test_the_code_proves_the_phone_then_consent_and_card_come(world: World, session: Session) -> None:
    token = shared_link(world)
    m1 = world.a.merchants[0]
    before = written(session)
    assert ok(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": STRANGER}), 202) == {"accepted": True}
    session.rollback()
    # the code is on its way; nothing about the person is recorded: no card, no consent, no coupon, nobody sees it
    pending = members_repo.member_by_phone(session, world.a.alliance_id, STRANGER)
    assert pending is not None and pending.status == "pending"
    assert pending.name is None and not pending.consent_marketing and pending.consent_marketing_at is None
    assert pending.origin_merchant_id is None
    assert written(session)[1:] == before[1:]
    op = world.a.actors["operator"].headers
    assert ok(world.client.get(f"/api/v1/members?phone={STRANGER}", headers=op), 200)["total"] == 0
    code = last_sms_code()
    # consent is asked of the proved holder; without it nothing happens and the code stays good
    refused(world.client.post(f"/api/v1/claim/{token}", json={"phone": STRANGER, "code": code}),
            "consent_required", 422)
    claimed = ok(world.client.post(f"/api/v1/claim/{token}", json={
        "phone": STRANGER, "code": code, "name": "本人", "accept_terms": True, "consent_marketing": True}))
    assert claimed["new_member"] is True and claimed["card_no"] and claimed["phone_masked"] == "137****5678"
    session.rollback()
    member = members_repo.member_by_phone(session, world.a.alliance_id, STRANGER)
    assert member is not None and member.status == "active" and member.origin_merchant_id == m1
    assert member.consent_marketing and member.consent_marketing_at is not None and member.name == "本人"
    me = ok(world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {claimed['access_token']}"}), 200)
    assert me["card_no"] == claimed["card_no"]
    # a used code does not claim twice
    refused(world.client.post(f"/api/v1/claim/{token}", json={"phone": STRANGER, "code": code,
                                                               "accept_terms": True}), "otp_invalid", 401)


def test_an_existing_member_claims_with_the_code_and_keeps_their_consents(world: World, session: Session) -> None:
    token = shared_link(world)
    mb3 = world.a.members[world.a.merchants[2]]
    claimed = ok(claim_by_phone(world.client, token, "13900010002", consent_marketing=False))
    assert claimed["new_member"] is False and claimed["coupon"]["member_id"] == mb3
    member = session.get(Member, mb3)
    assert member is not None and member.consent_marketing  # given at enrolment, not changed by a claim


def test_a_member_logged_in_claims_without_a_code(world: World, session: Session) -> None:
    token = shared_link(world)
    mb3 = world.a.members[world.a.merchants[2]]
    with_card = ok(world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id,
                                                                     "phone": "13900010002"}), 202)
    assert with_card == {"accepted": True}
    login = ok(world.client.post("/api/v1/auth/member/code/verify", json={
        "alliance_id": world.a.alliance_id, "phone": "13900010002", "code": last_sms_code()}), 200)
    member = {"Authorization": f"Bearer {login['access_token']}"}
    refused(world.client.post(f"/api/v1/claim/{token}", headers=member, json={"phone": STRANGER}),
            "not_your_phone", 422)
    claimed = ok(world.client.post(f"/api/v1/claim/{token}", headers=member, json={}))
    assert claimed["coupon"]["member_id"] == mb3 and claimed["access_token"] is None
    # a member of another alliance cannot use this alliance's link with their card
    beta = world.b.members[world.b.merchants[0]]
    ok(world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.b.alliance_id,
                                                           "phone": "13900020000"}), 202)
    other = ok(world.client.post("/api/v1/auth/member/code/verify", json={
        "alliance_id": world.b.alliance_id, "phone": "13900020000", "code": last_sms_code()}), 200)
    assert other["member_id"] == beta
    refused(world.client.post(f"/api/v1/claim/{token}", headers={"Authorization": f"Bearer {other['access_token']}"},
                              json={}), "wrong_alliance_card", 403)


def test_a_guide_cannot_claim_for_a_walk_in(world: World, session: Session) -> None:
    """Farming rebates: the guide's own login (or the merchant's API key) cannot claim on anybody's behalf."""
    token = shared_link(world)
    before = written(session)
    for who in ("staff1", "admin1", "operator"):
        refused(world.client.post(f"/api/v1/claim/{token}", headers=world.a.actors[who].headers, json={
            "phone": STRANGER, "accept_terms": True}), "staff_cannot_claim", 403)
    key = ok(world.client.post(f"/api/v1/merchants/{world.a.merchants[0]}/api-keys",
                               headers=world.a.actors["admin1"].headers, json={"name": "POS"}))["key"]
    refused(world.client.post(f"/api/v1/claim/{token}", headers={"X-API-Key": key}, json={
        "phone": STRANGER, "accept_terms": True}), "staff_cannot_claim", 403)
    # even with the walk-in's code in hand, a staff login is refused: the customer claims on their own phone
    ok(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": STRANGER}), 202)
    refused(world.client.post(f"/api/v1/claim/{token}", headers=world.a.actors["staff1"].headers, json={
        "phone": STRANGER, "code": last_sms_code(), "accept_terms": True}), "staff_cannot_claim", 403)
    assert written(session)[1:] == before[1:]
    session.rollback()
    pending = members_repo.member_by_phone(session, world.a.alliance_id, STRANGER)
    assert pending is not None and pending.status == "pending"


def test_the_code_request_answers_alike_for_any_phone_and_refuses_dead_links(world: World) -> None:
    token = shared_link(world)
    for phone in ("13900010000", STRANGER):
        assert ok(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": phone}), 202) == {"accepted": True}
    refused(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": "12345"}), "invalid_phone", 422)
    assert world.client.post("/api/v1/claim/nosuchtoken/code", json={"phone": STRANGER}).status_code == 404
    link = ok(world.client.get(f"/api/v1/claim/{token}"), 200)
    ok(world.client.patch(f"/api/v1/coupon-templates/{link['template']['id']}",
                          headers=world.a.actors["admin2"].headers, json={"status": "paused"}), 200)
    refused(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": "13600000001"}),
            "claim_link_inactive", 422)


def test_a_counter_enrolment_takes_over_a_pending_phone(world: World, session: Session) -> None:
    token = shared_link(world)
    ok(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": STRANGER}), 202)
    enrolled = ok(world.client.post("/api/v1/members", headers=world.a.actors["staff2"].headers, json={
        "phone": STRANGER, "name": "到店办卡"}))
    assert enrolled["status"] == "active" and enrolled["origin_merchant_id"] == world.a.merchants[1]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Member).where(Member.status == "pending")) == 0


def test_phones_nobody_proved_are_forgotten_after_a_day(world: World, session: Session) -> None:
    token = shared_link(world)
    ok(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": STRANGER}), 202)
    pending = members_repo.member_by_phone(session, world.a.alliance_id, STRANGER)
    assert pending is not None
    pending_id = pending.id
    assert run_all(DATABASE_URL).unconfirmed_phones_forgotten == 0
    report = run_all(DATABASE_URL, at=clock.now() + timedelta(hours=25))
    assert report.unconfirmed_phones_forgotten == 1
    session.rollback()
    assert session.get(Member, pending_id) is None
    assert session.scalar(select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.member_id == pending_id)) == 0
    assert session.scalar(select(func.count()).select_from(Member)) == len(world.a.members) + len(world.b.members)


def test_the_counter_issue_never_creates_a_member_nor_reaches_a_pending_phone(world: World, session: Session) -> None:
    """`POST /coupons/issue` takes a member already in the guide's scope; a phone waiting for its code is nobody's."""
    token = shared_link(world)
    ok(world.client.post(f"/api/v1/claim/{token}/code", json={"phone": STRANGER}), 202)
    session.rollback()
    pending = members_repo.member_by_phone(session, world.a.alliance_id, STRANGER)
    assert pending is not None
    template = ok(world.client.get(f"/api/v1/claim/{token}"), 200)["template"]["id"]
    before = written(session)
    for who in ("staff1", "staff2", "admin1"):
        answer = world.client.post("/api/v1/coupons/issue", headers=world.a.actors[who].headers,
                                   json={"template_id": template, "member_id": pending.id})
        assert answer.status_code == 404, answer.text
    assert world.client.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers, json={
        "template_id": template, "member_id": 999_999}).status_code == 404
    assert written(session) == before
