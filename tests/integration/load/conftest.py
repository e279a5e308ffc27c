"""`lianmeng serve` in a subprocess on the test PostgreSQL database, and an alliance set up through its API: the
load and race tests talk to it over real HTTP, as tills do. PostgreSQL only (SQLite has one writer by design)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests import serving
from tests.conftest import DATABASE_URL, IS_POSTGRES, PASSWORD, _wipe
from tests.serving import Server, stop_server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="load over real HTTP runs on PostgreSQL")


@dataclass
class Alliance:
    """What the tests need: two merchants (a gym, m1, and a car service centre, m2) with a clerk each."""

    clerk1: dict[str, str]
    clerk2: dict[str, str]
    admin2: dict[str, str]
    merchants: list[int] = field(default_factory=list)
    next_phone: int = 0

    def member(self, client: httpx.Client) -> int:
        self.next_phone += 1
        r = client.post("/api/v1/members", headers=self.clerk1, json={
            "phone": f"137{self.next_phone:08d}", "name": f"会员{self.next_phone}", "consent_marketing": True})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def coupons(self, client: httpx.Client, member: int, count: int, amount_fen: int = 2_000) -> list[str]:
        """`count` coupons of merchant 2 handed to `member` (merchant 1 hands them out; merchant 2 redeems them)."""
        r = client.post("/api/v1/coupon-templates", headers=self.admin2, json={
            "name": f"立减¥{amount_fen // 100}", "kind": "amount_off", "amount_fen": amount_fen,
            "per_member_limit": count})
        assert r.status_code == 201, r.text
        template = r.json()["id"]
        codes = []
        for _ in range(count):
            r = client.post("/api/v1/coupons/issue", headers=self.clerk1,
                            json={"template_id": template, "member_id": member})
            assert r.status_code == 201, r.text
            codes.append(r.json()["code"])
        return codes


def server_env(**extra: str) -> dict[str, str]:
    """The serving process's own settings: a random secret (development mode allows it to be anything)."""
    return serving.clean_env(LIANMENG_DATABASE_URL=DATABASE_URL, LIANMENG_SECRET_KEY=secrets.token_urlsafe(32),
                             LIANMENG_ENV="development", **extra)


def start_server(tmp: Path, **settings: str) -> Server:
    return serving.start_server(server_env(**settings), tmp / f"serve-{secrets.token_hex(4)}.log")


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not IS_POSTGRES:
        pytest.skip("load over real HTTP runs on PostgreSQL")
    _wipe(engine)
    running = start_server(tmp_path_factory.mktemp("serve"))
    try:
        yield running
    finally:
        stop_server(running)


def _login(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _created(response: httpx.Response) -> Any:
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def alliance(server: Server) -> Alliance:
    return set_up_alliance(server)


def set_up_alliance(server: Server) -> Alliance:
    from lianmeng.auth.domain import Role
    from lianmeng.auth.service import NewUser, create_user
    from lianmeng.db import unit_of_work

    with unit_of_work(DATABASE_URL) as s:
        create_user(s, None, NewUser("load-platform", PASSWORD, Role.PLATFORM_ADMIN))
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        platform = _login(client, "load-platform")
        alliance_id = _created(client.post("/api/v1/alliances", headers=platform, json={
            "code": "load", "name": "压测联盟", "city": "深圳"}))["id"]
        _created(client.post("/api/v1/users", headers=platform, json={
            "username": "load-op", "password": PASSWORD, "role": "operator_admin", "alliance_id": alliance_id}))
        operator = _login(client, "load-op")
        logins: dict[str, dict[str, str]] = {}
        merchants = []
        for i, industry in enumerate(("fitness", "auto_service"), start=1):
            mid = _created(client.post("/api/v1/merchants", headers=operator, json={
                "name": f"压测商户 {i}", "industry": industry}))["id"]
            merchants.append(mid)
            store = _created(client.post(f"/api/v1/merchants/{mid}/stores", headers=operator, json={
                "name": f"门店 {i}", "address": "深南大道 1 号", "latitude": 22.54, "longitude": 114.05}))["id"]
            staff = _created(client.post(f"/api/v1/merchants/{mid}/staff", headers=operator, json={
                "name": f"导购 {i}", "role": "shopping_guide", "store_id": store}))["id"]
            _created(client.post("/api/v1/users", headers=operator, json={
                "username": f"load-admin-{i}", "password": PASSWORD, "role": "merchant_admin", "merchant_id": mid}))
            _created(client.post("/api/v1/users", headers=operator, json={
                "username": f"load-clerk-{i}", "password": PASSWORD, "role": "store_staff", "merchant_id": mid,
                "staff_id": staff}))
            logins[f"admin{i}"] = _login(client, f"load-admin-{i}")
            logins[f"clerk{i}"] = _login(client, f"load-clerk-{i}")
    return Alliance(clerk1=logins["clerk1"], clerk2=logins["clerk2"], admin2=logins["admin2"], merchants=merchants)
