"""Recruiting: 12 admins' clicks approve one application at the same instant, over real HTTP on PostgreSQL. One
approval wins; the others get 409 `recruit_already_decided`; the promoter, its login and the recruiter's bounty
exist once (the application row is locked while it is decided, and the bounty's ledger key is taken once)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from lianmeng.auth.models import User
from lianmeng.db import new_session
from lianmeng.ledger.models import Posting
from lianmeng.merchants.models import Staff
from tests.claiming import last_sms_code
from tests.conftest import DATABASE_URL, IS_POSTGRES, PASSWORD
from tests.integration.load.burst import Call, fire
from tests.integration.load.conftest import Alliance, Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="races over real HTTP run on PostgreSQL")

RACERS = 12
ROUNDS = 4


def _bearer(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_racing_approvals_admit_the_promoter_and_pay_the_bounty_once(server: Server, alliance: Alliance) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        operator, admin = _bearer(client, "load-op"), _bearer(client, "load-admin-1")
        assert client.put("/api/v1/recruiting/settings", headers=operator, json={"bounty_fen": 1_000}).status_code \
            == 200
        link = client.post("/api/v1/join-links", headers=alliance.clerk1, json={"title": "race"})
        assert link.status_code == 201, link.text
        token = link.json()["token"]
        applications = []
        for round_ in range(ROUNDS):
            phone = f"1376666{round_:04d}"
            assert client.post(f"/api/v1/join/{token}/code", json={"phone": phone}).status_code == 202
            applied = client.post(f"/api/v1/join/{token}/applications", json={
                "kind": "promoter", "phone": phone, "code": last_sms_code(), "applicant_name": f"推广员{round_}",
                "occupation": "designer"})
            assert applied.status_code == 201, applied.text
            applications.append(applied.json()["id"])
    for application in applications:
        burst = fire(server.base_url, [Call("POST", f"/api/v1/recruits/{application}/decisions", admin,
                                            {"decision": "approve"})] * RACERS)
        assert burst.problems == [], burst.problems[:5]
        assert sorted(burst.finals).count((200, None)) == 1, burst.codes()
        assert set(burst.finals) == {(200, None), (409, "recruit_already_decided")}, burst.codes()
    with new_session(DATABASE_URL) as session:
        assert session.scalar(select(func.count(Staff.id)).where(Staff.role == "promoter")) == ROUNDS
        assert session.scalar(select(func.count(User.id)).where(User.username.like("promoter-%"))) == ROUNDS
        keys = session.scalars(select(Posting.idempotency_key).where(Posting.cause == "recruit_bounty")).all()
        assert sorted(keys) == sorted(f"recruit:{a}:bounty" for a in applications)
