"""Password login, bearer tokens (expiry, tampering, revocation), roles creating logins, one-time codes."""

from __future__ import annotations

from datetime import timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.models import OneTimeCode, OutboxMessage
from lianmeng.kit import clock, crypto
from tests.conftest import PASSWORD, World, login


def test_password_login_issues_a_bearer_token(world: World) -> None:
    r = world.client.post("/api/v1/auth/login", json={"username": "admin-alpha-1", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "merchant_admin" and body["merchant_id"] == world.a.merchants[0]
    who = world.client.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert who.json()["label"] == "admin-alpha-1"


def test_oauth2_form_login_for_the_docs_page(world: World) -> None:
    r = world.client.post("/api/v1/auth/token", data={"username": "op-alpha", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"


def test_wrong_password_is_401_in_the_callers_language(world: World) -> None:
    r = world.client.post("/api/v1/auth/login", json={"username": "op-alpha", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "bad_credentials"
    assert r.json()["error"]["message"] == "用户名或密码错误"
    r = world.client.post("/api/v1/auth/login", json={"username": "op-alpha", "password": "nope"},
                          headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.json()["error"]["message"] == "Wrong username or password"


def test_no_token_bad_token_and_expired_token(world: World) -> None:
    assert world.client.get("/api/v1/members").json()["error"]["code"] == "not_authenticated"
    r = world.client.get("/api/v1/members", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    expired = jwt.encode(
        {"sub": f"user:{world.a.actors['operator'].user_id}", "ver": 1, "exp": clock.now() - timedelta(minutes=1)},
        crypto.derive_key("bearer-tokens"), algorithm="HS256",
    )
    r = world.client.get("/api/v1/members", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    forged = jwt.encode({"sub": "user:1", "ver": 1, "exp": clock.now() + timedelta(hours=1)}, "x" * 32, "HS256")
    r = world.client.get("/api/v1/members", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_disabling_a_user_or_changing_the_password_ends_its_tokens(world: World) -> None:
    clerk = world.a.actors["staff1"]
    admin = world.a.actors["admin1"]
    assert world.client.get("/api/v1/members", headers=clerk.headers).status_code == 200
    r = world.client.patch(f"/api/v1/users/{clerk.user_id}", json={"active": False}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["active"] is False
    assert world.client.get("/api/v1/members", headers=clerk.headers).status_code == 401
    r = world.client.post("/api/v1/auth/login", json={"username": clerk.username, "password": PASSWORD})
    assert r.json()["error"]["code"] == "user_disabled"
    own = world.a.actors["admin2"]
    r = world.client.patch(f"/api/v1/users/{own.user_id}", json={"password": "a-new-password"}, headers=own.headers)
    assert r.status_code == 200
    assert world.client.get("/api/v1/members", headers=own.headers).status_code == 401
    assert login(world.client, own.username, "a-new-password")


def test_who_may_create_which_login(world: World) -> None:
    admin = world.a.actors["admin1"]
    clerk = world.a.actors["staff1"]
    r = world.client.post("/api/v1/users", headers=admin.headers, json={
        "username": "boss", "password": PASSWORD, "role": "operator_admin"})
    assert r.status_code == 403
    r = world.client.post("/api/v1/users", headers=clerk.headers, json={
        "username": "peer", "password": PASSWORD, "role": "store_staff", "staff_id": clerk.staff_id})
    assert r.status_code == 403
    r = world.client.post("/api/v1/users", headers=admin.headers, json={
        "username": "sa-2", "password": PASSWORD, "role": "store_staff",
        "staff_id": world.a.staff[world.a.merchants[1]]})
    assert r.status_code == 404  # another merchant's staff record is invisible
    r = world.client.post("/api/v1/users", headers=admin.headers, json={
        "username": "admin-alpha-1", "password": PASSWORD, "role": "merchant_admin"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "username_taken"
    r = world.client.post("/api/v1/users", headers=admin.headers, json={
        "username": "short", "password": "123", "role": "merchant_admin"})
    assert r.status_code == 422


def member_phone(world: World) -> tuple[int, str]:
    return world.a.members[world.a.merchants[0]], "13900010000"


def test_member_one_time_code_through_the_outbox(world: World, session: Session) -> None:
    member_id, phone = member_phone(world)
    r = world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": phone})
    assert r.status_code == 202
    message = session.scalars(select(OutboxMessage)).one()
    assert message.recipient_masked == "139****0000"
    assert phone not in message.recipient_enc and crypto.decrypt(message.recipient_enc) == phone
    code = message.body.split("验证码为 ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    bad = world.client.post("/api/v1/auth/member/code/verify",
                            json={"alliance_id": world.a.alliance_id, "phone": phone, "code": wrong})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "otp_invalid"
    ok = world.client.post("/api/v1/auth/member/code/verify",
                           json={"alliance_id": world.a.alliance_id, "phone": phone, "code": code})
    assert ok.status_code == 200 and ok.json()["member_id"] == member_id
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert me.json()["id"] == member_id and me.json()["phone_masked"] == "139****0000"
    again = world.client.post("/api/v1/auth/member/code/verify",
                              json={"alliance_id": world.a.alliance_id, "phone": phone, "code": code})
    assert again.status_code == 401  # a code works once


def test_guessing_codes_is_stopped_after_five_attempts(world: World, session: Session) -> None:
    _, phone = member_phone(world)
    world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": phone})
    code = session.scalars(select(OutboxMessage)).one().body.split("验证码为 ")[1][:6]
    wrong = [f"{n:06d}" for n in range(8) if f"{n:06d}" != code][:7]

    def attempt(guess: str) -> int:
        body = {"alliance_id": world.a.alliance_id, "phone": phone, "code": guess}
        return world.client.post("/api/v1/auth/member/code/verify", json=body).status_code

    assert [attempt(g) for g in wrong] == [401] * 5 + [429, 429]
    assert attempt(code) == 429  # even the right code, once the code is burnt
    session.rollback()
    assert session.scalars(select(OneTimeCode)).one().attempts == 5


def test_unknown_phone_gets_the_same_answer_and_no_message(world: World, session: Session) -> None:
    r = world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": "13700000000"})
    assert r.status_code == 202
    assert session.scalars(select(OutboxMessage)).first() is None
    r = world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": "12345"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_phone"


def test_card_qr_login_and_forgery(world: World, client: TestClient) -> None:
    member_id, _ = member_phone(world)
    op = world.a.actors["operator"].headers
    card = world.client.get(f"/api/v1/members/{member_id}/card", headers=op).json()
    payload = card["qr_payload"]
    ok = world.client.post("/api/v1/auth/member/card", json={"qr_payload": payload})
    assert ok.status_code == 200 and ok.json()["member_id"] == member_id
    forged = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    assert world.client.post("/api/v1/auth/member/card", json={"qr_payload": forged}).status_code == 422
    other_card = payload.replace(card["card_no"], "8860000000000000")
    assert world.client.post("/api/v1/auth/member/card", json={"qr_payload": other_card}).status_code == 422
    token = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    reissued = world.client.post(f"/api/v1/members/{member_id}/card/reissue", headers=op)
    assert reissued.status_code == 200 and reissued.json()["qr_version"] == 2
    assert world.client.post("/api/v1/auth/member/card", json={"qr_payload": payload}).status_code == 422
    assert world.client.get("/api/v1/me", headers=token).status_code == 401  # old session ends with the old card
    fresh = world.client.post("/api/v1/auth/member/card", json={"qr_payload": reissued.json()["qr_payload"]})
    assert fresh.status_code == 200
