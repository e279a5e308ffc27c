"""Seed 000, mode 1 (会员权益互换): a Tesla service centre and a gym swap member benefits.

The operator brings both merchants in; the centre's shopping guide issues a car owner an alliance card; the two
merchants agree a rights exchange; the owner shows the card at the gym and becomes its member too; he logs in
with a one-time code and sees himself, while the gym still cannot see the centre's other customers.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import OutboxMessage
from lianmeng.auth.service import NewUser, create_user
from lianmeng.db import unit_of_work
from tests.conftest import PASSWORD, login


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_tesla_centre_and_gym_swap_benefits(client: TestClient, db_url: str, session: Session) -> None:
    with unit_of_work(db_url) as s:
        create_user(s, None, NewUser("platform", PASSWORD, Role.PLATFORM_ADMIN))
    root = login(client, "platform")
    alliance = ok(client.post("/api/v1/alliances", headers=root,
                              json={"code": "tesla-life", "name": "特斯拉生活联盟", "city": "深圳"}), 201)
    ok(client.post("/api/v1/users", headers=root, json={
        "username": "mengzhu", "password": PASSWORD, "role": "operator_admin", "alliance_id": alliance["id"]}), 201)
    op = login(client, "mengzhu")

    centre = ok(client.post("/api/v1/merchants", headers=op, json={
        "name": "特斯拉深圳南山服务中心", "industry": "auto_service", "brand_tags": ["科技", "环保"], "rating": 4.8,
        "years_in_business": 6}), 201)
    gym = ok(client.post("/api/v1/merchants", headers=op, json={
        "name": "威力健身 后海店", "industry": "fitness", "brand_tags": ["高端"], "rating": 4.7,
        "years_in_business": 4}), 201)
    for merchant, name in ((centre, "tesla-admin"), (gym, "gym-admin")):
        ok(client.post("/api/v1/users", headers=op, json={
            "username": name, "password": PASSWORD, "role": "merchant_admin", "merchant_id": merchant["id"]}), 201)
    tesla, gym_admin = login(client, "tesla-admin"), login(client, "gym-admin")

    store = ok(client.post(f"/api/v1/merchants/{centre['id']}/stores", headers=tesla, json={
        "name": "南山服务中心", "address": "深圳市南山区科技南路 18 号", "district": "南山区",
        "latitude": 22.5331, "longitude": 113.9442}), 201)
    gym_store = ok(client.post(f"/api/v1/merchants/{gym['id']}/stores", headers=gym_admin, json={
        "name": "后海店", "address": "深圳市南山区后海大道 2388 号", "district": "南山区", "latitude": 22.5180,
        "longitude": 113.9380, "opening_hours": "06:30-23:00"}), 201)
    sa = ok(client.post(f"/api/v1/merchants/{centre['id']}/staff", headers=tesla, json={
        "name": "陈静", "role": "shopping_guide", "store_id": store["id"]}), 201)
    coach = ok(client.post(f"/api/v1/merchants/{gym['id']}/staff", headers=gym_admin, json={
        "name": "刘教练", "role": "shopping_guide", "store_id": gym_store["id"]}), 201)
    ok(client.post("/api/v1/users", headers=tesla, json={
        "username": "chenjing", "password": PASSWORD, "role": "store_staff", "staff_id": sa["id"]}), 201)
    ok(client.post("/api/v1/users", headers=gym_admin, json={
        "username": "coach-liu", "password": PASSWORD, "role": "store_staff", "staff_id": coach["id"]}), 201)
    chenjing, coach_liu = login(client, "chenjing"), login(client, "coach-liu")

    owner = ok(client.post("/api/v1/members", headers={**chenjing, "Idempotency-Key": "enrol-owner-1"}, json={
        "phone": "13922223333", "name": "张先生", "birth_year": 1985, "gender": "male", "consent_marketing": True,
        "tier": "gold"}), 201)
    assert owner["origin_staff_id"] == sa["id"] and owner["phone_masked"] == "139****3333"
    retried = client.post("/api/v1/members", headers={**chenjing, "Idempotency-Key": "enrol-owner-1"}, json={
        "phone": "13922223333", "name": "张先生", "birth_year": 1985, "gender": "male", "consent_marketing": True,
        "tier": "gold"})
    assert retried.status_code == 201 and retried.json()["card_no"] == owner["card_no"]  # the till retried
    other = ok(client.post("/api/v1/members", headers=chenjing, json={"phone": "13711112222"}), 201)

    agreement = ok(client.post("/api/v1/agreements", headers=tesla, json={
        "title": "特斯拉 × 威力健身 会员权益互换", "merchant_b_id": gym["id"], "modes": ["rights_exchange"],
        "benefits": [{"offered_by": "a", "text": "首次保养9折"}, {"offered_by": "a", "text": "赠送洗车券3张"},
                     {"offered_by": "b", "text": "免费体验7天"}, {"offered_by": "b", "text": "赠送私教课2节"}],
        "return_window_days": 7}), 201)
    ok(client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=tesla, json={"action": "propose"}))
    ok(client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=gym_admin, json={"action": "accept"}))
    active = ok(client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                            json={"action": "activate"}))
    assert active["status"] == "active"

    assert client.get(f"/api/v1/members/{owner['id']}", headers=coach_liu).status_code == 404
    ok(client.post("/api/v1/memberships", headers=coach_liu, json={"card_no": owner["card_no"], "tier": "体验会员"}),
       201)
    seen_by_gym = ok(client.get("/api/v1/members", headers=gym_admin))
    assert [m["id"] for m in seen_by_gym["items"]] == [owner["id"]]
    assert client.get(f"/api/v1/members/{other['id']}", headers=gym_admin).status_code == 404

    ok(client.post("/api/v1/auth/member/code", json={"alliance_id": alliance["id"], "phone": "139 2222 3333"}), 202)
    sms = session.scalars(select(OutboxMessage)).one()
    code = sms.body.split("验证码为 ")[1][:6]
    token = ok(client.post("/api/v1/auth/member/code/verify", json={
        "alliance_id": alliance["id"], "phone": "13922223333", "code": code}))
    me = {"Authorization": f"Bearer {token['access_token']}"}
    assert ok(client.get("/api/v1/me", headers=me))["card_no"] == owner["card_no"]
    mine = ok(client.get("/api/v1/memberships", headers=me))
    assert sorted(m["merchant_id"] for m in mine["items"]) == sorted([centre["id"], gym["id"]])
    card = ok(client.get(f"/api/v1/members/{owner['id']}/card", headers=me))
    assert card["qr_payload"].startswith(f"LM1.{owner['card_no']}.")
    consent = ok(client.patch("/api/v1/me", headers=me, json={"consent_data_sharing": True}))
    assert consent["consent_data_sharing_at"] is not None
    assert client.get(f"/api/v1/members/{other['id']}", headers=me).status_code == 404

    overview = client.get("/alliances/tesla-life")
    assert overview.status_code == 200
    assert "威力健身 后海店" in overview.text and "13922223333" not in overview.text
