"""The claimable pool (客户池): several staff members of one merchant claim the same member at the same instant,
over real HTTP on PostgreSQL (each request its own connection and transaction). Exactly one wins; the others get
409 `ownership_already_owned`; one owner row and one history period exist. Then one clerk fires more claims at
once than its daily limit allows: exactly the limit succeed (its staff row is locked while it counts)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from lianmeng.db import new_session
from lianmeng.ownership.models import MemberOwner, OwnershipPeriod
from tests.conftest import DATABASE_URL, IS_POSTGRES, PASSWORD
from tests.integration.load.burst import Call, fire
from tests.integration.load.conftest import Alliance, Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="races over real HTTP run on PostgreSQL")

CLERKS = 8
ROUNDS = 3
LIMIT = 3


def _bearer(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _clerks(client: httpx.Client, merchant_id: int) -> list[dict[str, str]]:
    operator = _bearer(client, "load-op")
    out = []
    for i in range(CLERKS):
        staff = client.post(f"/api/v1/merchants/{merchant_id}/staff", headers=operator,
                            json={"name": f"抢客导购 {i}", "role": "shopping_guide"})
        assert staff.status_code == 201, staff.text
        username = f"pool-clerk-{staff.json()['id']}"
        user = client.post("/api/v1/users", headers=operator, json={
            "username": username, "password": PASSWORD, "role": "store_staff", "merchant_id": merchant_id,
            "staff_id": staff.json()["id"]})
        assert user.status_code == 201, user.text
        out.append(_bearer(client, username))
    return out


def test_racing_claims_give_each_member_exactly_one_owner(server: Server, alliance: Alliance) -> None:
    m1 = alliance.merchants[0]
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        clerks = _clerks(client, m1)
        members = [alliance.member(client) for _ in range(ROUNDS)]
        admin = _bearer(client, "load-admin-1")
        limit = client.put("/api/v1/ownership/settings", headers=admin,
                           json={"daily_claim_limit": LIMIT, "idle_days": 90})
        assert limit.status_code == 200, limit.text
    for member in members:
        burst = fire(server.base_url, [Call("POST", "/api/v1/ownership/claims", headers, {"member_id": member})
                                       for headers in clerks])
        assert burst.problems == [], burst.problems[:5]
        assert sorted(burst.finals).count((201, None)) == 1, burst.codes()
        assert set(burst.finals) == {(201, None), (409, "ownership_already_owned")}, burst.codes()
    with new_session(DATABASE_URL) as session:
        for member in members:
            assert session.scalar(select(func.count(MemberOwner.id)).where(MemberOwner.member_id == member)) == 1
            assert session.scalar(select(func.count(OwnershipPeriod.id)).where(
                OwnershipPeriod.member_id == member)) == 1
    # one clerk, many members at once: the daily limit holds
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        more = [alliance.member(client) for _ in range(LIMIT * 3)]
        lone = _clerks(client, m1)[0]
    burst = fire(server.base_url, [Call("POST", "/api/v1/ownership/claims", lone, {"member_id": m}) for m in more])
    assert burst.problems == [], burst.problems[:5]
    assert sorted(burst.finals).count((201, None)) == LIMIT, burst.codes()
    assert set(burst.finals) == {(201, None), (409, "ownership_claim_limit")}, burst.codes()
