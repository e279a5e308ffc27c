"""Verification (验真) through the API and the console, on SQLite and PostgreSQL: a wrong check character is a 422
with nothing written wherever a code is entered; the rules set the status; the operator's queue and decisions; the
merchant reads its own; the audit trail keeps before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.merchants.models import Merchant
from lianmeng.partners.models import Candidate
from lianmeng.verification.models import VerificationEvent
from tests.conftest import World
from tests.integration.web.console import console, csrf_of

GOOD = "91350100M000100Y43"
OTHER_GOOD = "914403001922038216"
BAD = "91350100M000100Y44"  # last character wrong
DETAILS = {"credit_code": GOOD, "legal_person": "张三", "registered_address": "深圳市南山区科技园科苑路 15 号",
           "licence_ref": "深市监注字 2020 第 0123 号"}


def _counts(session: Session) -> tuple[int, int, int]:
    session.rollback()  # a fresh transaction sees what the requests committed
    return (session.scalar(select(func.count(Merchant.id))) or 0,
            session.scalar(select(func.count(Candidate.id))) or 0,
            session.scalar(select(func.count(VerificationEvent.id))) or 0)


def _codes(session: Session) -> list[Any]:
    session.rollback()  # a fresh transaction sees what the requests committed
    return list(session.scalars(select(Merchant.credit_code).order_by(Merchant.id)))


def test_a_wrong_check_character_is_422_with_nothing_written_anywhere(world: World, session: Session) -> None:
    c, op, admin = world.client, world.a.actors["operator"].headers, world.a.actors["admin1"]
    before, codes = _counts(session), _codes(session)
    r = c.post("/api/v1/merchants", headers=op, json={"name": "新商户", "industry": "dining", "credit_code": BAD})
    assert r.status_code == 422 and "credit_code" in r.text
    r = c.patch(f"/api/v1/merchants/{admin.merchant_id}", headers=admin.headers, json={"credit_code": BAD})
    assert r.status_code == 422
    r = c.post("/api/v1/partners/candidates", headers=op,
               json={"name": "潜在伙伴", "industry": "fitness", "credit_code": BAD})
    assert r.status_code == 422, r.text
    r = c.post("/api/v1/partners/candidates", headers=op, json={"name": "潜在伙伴", "industry": "fitness"})
    assert r.status_code == 201, r.text
    candidate_id = r.json()["id"]
    after_create = _counts(session)
    r = c.patch(f"/api/v1/partners/candidates/{candidate_id}", headers=op, json={"credit_code": "9135010OM000100Y43"})
    assert r.status_code == 422  # a letter O where a digit belongs
    assert _counts(session) == after_create and after_create[:2] == (before[0], before[1] + 1)
    page = console(c, admin.username)
    form = csrf_of(page.get("/console/verification").text)
    r = page.post("/console/verification/details", data={"csrf": form, **DETAILS, "credit_code": BAD})
    assert r.status_code == 422 and "校验" in r.text
    assert _codes(session) == codes and _counts(session) == after_create


def test_entering_every_detail_passes_the_automatic_checks(world: World, session: Session) -> None:
    c, admin = world.client, world.a.actors["admin1"]
    r = c.patch(f"/api/v1/merchants/{admin.merchant_id}", headers=admin.headers,
                json={**DETAILS, "credit_code": " 9135 0100-m000100y43 "})
    assert r.status_code == 200, r.text
    assert r.json()["credit_code"] == GOOD and r.json()["verification_status"] == "auto_verified"
    mine = c.get(f"/api/v1/verification/merchants/{admin.merchant_id}", headers=admin.headers).json()
    assert mine["status"] == "auto_verified" and len(mine["findings"]) == 5
    assert all(f["passed"] for f in mine["findings"])
    assert mine["events"][-1]["action"] == "fields_entered"
    assert mine["events"][-1]["before"]["credit_code"] is None and mine["events"][-1]["after"]["credit_code"] == GOOD
    clerk = world.a.actors["staff1"]
    assert c.get(f"/api/v1/verification/merchants/{admin.merchant_id}", headers=clerk.headers).status_code == 200
    other = world.a.actors["admin2"]
    assert c.get(f"/api/v1/verification/merchants/{admin.merchant_id}", headers=other.headers).status_code == 404
    # the same code at a second merchant of the alliance: the uniqueness rule fails, naming the first
    r = c.patch(f"/api/v1/merchants/{other.merchant_id}", headers=other.headers, json=DETAILS)
    assert r.json()["verification_status"] == "unverified"
    theirs = c.get(f"/api/v1/verification/merchants/{other.merchant_id}", headers=other.headers).json()
    unique = next(f for f in theirs["findings"] if f["rule"] == "code_unique")
    assert not unique["passed"] and "alpha merchant 1" in unique["zh"]
    # an address outside the alliance's city (深圳) is a finding, not a refusal
    r = c.patch(f"/api/v1/merchants/{other.merchant_id}", headers=other.headers,
                json={"credit_code": OTHER_GOOD, "registered_address": "广州市天河区天河路 385 号"})
    assert r.status_code == 200 and r.json()["verification_status"] == "unverified"
    found = {f["rule"]: f["passed"] for f in c.get(f"/api/v1/verification/merchants/{other.merchant_id}",
                                                     headers=other.headers).json()["findings"]}
    assert found == {"check_digit": True, "code_unique": True, "legal_person": True, "registered_address": False,
                     "licence_ref": True}


def test_the_operator_queue_verify_and_reject(world: World, session: Session) -> None:
    c, op, admin = world.client, world.a.actors["operator"].headers, world.a.actors["admin1"]
    c.patch(f"/api/v1/merchants/{admin.merchant_id}", headers=admin.headers, json=DETAILS)
    queue = c.get("/api/v1/verification/queue", headers=op)
    assert queue.status_code == 200
    rows = {(row["kind"], row["id"]): row for row in queue.json()}
    assert {("merchant", m) for m in world.a.merchants} <= rows.keys()
    assert rows[("merchant", admin.merchant_id)]["status"] == "auto_verified"
    assert not any(f["passed"] for f in rows[("merchant", world.a.merchants[1])]["findings"]
                   if f["rule"] == "check_digit")
    assert all(kind != "merchant" or mid in world.a.merchants for kind, mid in rows)  # not alliance B's
    assert c.get("/api/v1/verification/queue", headers=admin.headers).status_code == 403
    assert c.post(f"/api/v1/verification/merchants/{admin.merchant_id}/verify", headers=admin.headers,
                  json={}).status_code == 403
    beta_op = world.b.actors["operator"].headers
    assert c.post(f"/api/v1/verification/merchants/{admin.merchant_id}/verify", headers=beta_op,
                  json={}).status_code == 404
    # a merchant without a credit code cannot be verified by hand
    r = c.post(f"/api/v1/verification/merchants/{world.a.merchants[1]}/verify", headers=op, json={})
    assert r.status_code == 422 and r.json()["error"]["code"] == "verification_needs_code"

    r = c.post(f"/api/v1/verification/merchants/{admin.merchant_id}/verify", headers=op, json={"note": "已核对原件"})
    assert r.status_code == 200 and r.json()["status"] == "verified"
    assert r.json()["reviewed_by_user_id"] == world.a.actors["operator"].user_id and r.json()["reviewed_at"]
    again = c.post(f"/api/v1/verification/merchants/{admin.merchant_id}/verify", headers=op, json={})
    assert again.status_code == 409
    ids = {(row["kind"], row["id"]) for row in c.get("/api/v1/verification/queue", headers=op).json()}
    assert ("merchant", admin.merchant_id) not in ids

    events = _counts(session)[2]
    for body in ({}, {"reason": ""}):
        r = c.post(f"/api/v1/verification/merchants/{admin.merchant_id}/reject", headers=op, json=body)
        assert r.status_code == 422
    assert _counts(session)[2] == events
    r = c.post(f"/api/v1/verification/merchants/{admin.merchant_id}/reject", headers=op, json={"reason": "执照已吊销"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["rejection_reason"] == "执照已吊销"
    mine = c.get(f"/api/v1/verification/merchants/{admin.merchant_id}", headers=admin.headers).json()
    assert [e["action"] for e in mine["events"]][-2:] == ["hand_verified", "hand_rejected"]
    last = mine["events"][-1]
    assert (last["status_before"], last["status_after"], last["reason"]) == ("verified", "rejected", "执照已吊销")
    assert last["after"]["rejection_reason"] == "执照已吊销" and last["before"]["rejection_reason"] is None
    # new details reopen it: the rules run again and the old decision is cleared
    r = c.patch(f"/api/v1/merchants/{admin.merchant_id}", headers=admin.headers, json={"licence_ref": "新执照 001"})
    assert r.json()["verification_status"] == "auto_verified"
    assert c.get(f"/api/v1/verification/merchants/{admin.merchant_id}",
                 headers=admin.headers).json()["rejection_reason"] is None


def test_prospects_queue_and_are_decided_like_merchants(world: World) -> None:
    c, op, admin = world.client, world.a.actors["operator"].headers, world.a.actors["admin1"]
    r = c.post("/api/v1/partners/candidates", headers=admin.headers,
               json={"name": "威尔仕健身", "industry": "fitness", **DETAILS, "credit_code": OTHER_GOOD})
    assert r.status_code == 201 and r.json()["verification_status"] == "auto_verified"
    prospect = r.json()["id"]
    rows = {(row["kind"], row["id"]) for row in c.get("/api/v1/verification/queue?kind=prospect", headers=op).json()}
    assert rows == {("prospect", prospect)}
    assert c.get(f"/api/v1/verification/prospects/{prospect}", headers=admin.headers).status_code == 200
    assert c.get(f"/api/v1/verification/prospects/{prospect}",
                 headers=world.a.actors["admin2"].headers).status_code == 404
    r = c.post(f"/api/v1/verification/prospects/{prospect}/reject", headers=op, json={"reason": "查无此企业"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert c.get(f"/api/v1/partners/candidates/{prospect}", headers=admin.headers).json()[
        "verification_status"] == "rejected"


def test_console_queue_and_own_page(world: World) -> None:
    c, admin = world.client, world.a.actors["admin1"]
    page = console(c, admin.username)
    r = page.post("/console/verification/details",
                  data={"csrf": csrf_of(page.get("/console/verification").text), **DETAILS}, follow_redirects=False)
    assert r.status_code == 303, r.text
    own = page.get("/console/verification").text
    assert "自动验真通过" in own and GOOD in own and "录入/修改资料并自动校验" in own

    operator = console(c, world.a.actors["operator"].username)
    listed = operator.get("/console/verification")
    assert listed.status_code == 200 and f'id="row-merchant-{admin.merchant_id}"' in listed.text
    assert "信用代码联盟内唯一" in listed.text
    token = csrf_of(listed.text)
    r = operator.post(f"/console/verification/merchant/{admin.merchant_id}/reject", data={"csrf": token,
                                                                                          "reason": ""})
    assert r.status_code == 422 and "驳回须填写原因" in r.text
    r = operator.post(f"/console/verification/merchant/{admin.merchant_id}/verify", data={"csrf": token},
                      follow_redirects=False)
    assert r.status_code == 303
    assert f'id="row-merchant-{admin.merchant_id}"' not in operator.get("/console/verification").text
    assert "人工验真通过" in page.get("/console/verification").text
    token = csrf_of(page.get("/console/verification").text)
    assert page.post(f"/console/verification/merchant/{admin.merchant_id}/reject",
                     data={"csrf": token, "reason": "自己驳回"}).status_code == 403
    beta = world.b.merchants[0]
    assert operator.post(f"/console/verification/merchant/{beta}/verify", data={"csrf": csrf_of(
        operator.get("/console/verification").text)}).status_code == 404
    promoterless = console(c, world.a.actors["staff1"].username)
    assert promoterless.get("/console/verification").status_code == 200  # store staff read their merchant's


def test_candidate_pages_check_the_code_and_unchanged_details_keep_the_decision(world: World,
                                                                                 session: Session) -> None:
    c, op, admin = world.client, world.a.actors["operator"].headers, world.a.actors["admin1"]
    page = console(c, admin.username)
    token = csrf_of(page.get("/console/partners/candidates/new").text)
    before = _counts(session)
    r = page.post("/console/partners/candidates/new", data={"csrf": token, "name": "威尔仕健身", "industry": "fitness",
                                                            **DETAILS, "credit_code": BAD})
    assert r.status_code == 422 and 'id="f-credit_code"' in r.text
    assert _counts(session) == before
    r = page.post("/console/partners/candidates/new", data={"csrf": token, "name": "威尔仕健身", "industry": "fitness",
                                                            **DETAILS, "credit_code": OTHER_GOOD},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    prospect = int(r.headers["location"].split("/")[-1].split("?")[0])
    assert c.post(f"/api/v1/verification/prospects/{prospect}/verify", headers=op, json={}).status_code == 200
    assert "验真: 人工验真通过" in page.get(f"/console/partners/candidates/{prospect}").text
    # the edit form sends every field back as it was: the operator's decision stands
    edit = page.get(f"/console/partners/candidates/{prospect}/edit").text
    assert OTHER_GOOD in edit
    r = page.post(f"/console/partners/candidates/{prospect}/edit",
                  data={"csrf": csrf_of(edit), "name": "威尔仕健身", "industry": "fitness", "status": "watching",
                        "store_count_trend": "unknown", **DETAILS, "credit_code": OTHER_GOOD},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    assert c.get(f"/api/v1/verification/prospects/{prospect}", headers=op).json()["status"] == "verified"
    r = page.post(f"/console/partners/candidates/{prospect}/edit",
                  data={"csrf": csrf_of(edit), "name": "威尔仕健身", "industry": "fitness", "status": "watching",
                        "store_count_trend": "unknown", **DETAILS, "credit_code": BAD})
    assert r.status_code == 422
    r = c.patch(f"/api/v1/partners/candidates/{prospect}", headers=admin.headers, json={"licence_ref": "新编号 9"})
    assert r.json()["verification_status"] == "auto_verified"  # a real change reopens it
