"""No phone number and no one-time code in the server's logs (issue 11 items 7 and 11): a real `lianmeng serve` in a
subprocess, on a random secret, driven through a full flow over HTTP; everything it printed is then searched."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import httpx
from sqlalchemy import select

from lianmeng import migrate
from lianmeng.auth.domain import Role
from lianmeng.auth.models import OutboxMessage
from lianmeng.auth.service import NewUser, create_user
from lianmeng.db import new_session, unit_of_work
from tests.serving import clean_env, serving

PHONE = "13709000130"
PASSWORD = "correct-horse-9"


def _flow(base: str, url: str) -> list[str]:
    """Enrol a member, look them up by phone (GET and POST), log in with a code (a wrong one first), fail a few
    password logins. Returns the codes that were sent."""
    http = httpx.Client(base_url=f"{base}/api/v1", timeout=30)

    def ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
        assert response.status_code == status, response.text
        return response.json() if response.content else {}

    def bearer(username: str) -> dict[str, str]:
        token = ok(http.post("/auth/login", json={"username": username, "password": PASSWORD}))["access_token"]
        return {"Authorization": f"Bearer {token}"}

    root = bearer("root")
    alliance = ok(http.post("/alliances", headers=root, json={"code": "logs", "name": "日志联盟", "city": "深圳"}),
                  201)["id"]
    ok(http.post("/users", headers=root, json={"username": "op-logs", "password": PASSWORD, "role": "operator_admin",
                                               "alliance_id": alliance}), 201)
    op = bearer("op-logs")
    merchant = ok(http.post("/merchants", headers=op, json={"name": "健身房", "industry": "fitness"}), 201)["id"]
    store = ok(http.post(f"/merchants/{merchant}/stores", headers=op, json={
        "name": "一号店", "address": "深南大道 1 号", "latitude": 22.54, "longitude": 114.05}), 201)["id"]
    staff = ok(http.post(f"/merchants/{merchant}/staff", headers=op, json={
        "name": "导购", "role": "shopping_guide", "store_id": store}), 201)["id"]
    ok(http.post("/users", headers=op, json={"username": "sa-logs", "password": PASSWORD, "role": "store_staff",
                                             "merchant_id": merchant, "staff_id": staff}), 201)
    sa = bearer("sa-logs")
    member = ok(http.post("/members", headers=sa, json={"phone": PHONE, "name": "会员", "consent_marketing": True}),
                201)["id"]
    found = ok(http.get("/members", headers=sa, params={"phone": PHONE}))
    assert [m["id"] for m in found["items"]] == [member]  # type: ignore[index]
    found = ok(http.get("/members", headers=sa, params={"phone": "137 0900 0130"}))
    assert found["total"] == 1
    found = ok(http.post("/members/lookup", headers=sa, json={"phone": PHONE}))
    assert [m["id"] for m in found["items"]] == [member]  # type: ignore[index]
    ok(http.post("/auth/member/code", json={"alliance_id": alliance, "phone": PHONE}), 202)
    with new_session(url) as session:
        body = session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert body is not None
    code = body.split("验证码为 ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    ok(http.post("/auth/member/code/verify", json={"alliance_id": alliance, "phone": PHONE, "code": wrong}), 401)
    ok(http.post("/auth/member/code/verify", json={"alliance_id": alliance, "phone": PHONE, "code": code}))
    statuses = [http.post("/auth/login", json={"username": "sa-logs", "password": "wrong"}).status_code
                for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # five wrong passwords are answered, the sixth is throttled
    ok(http.post("/auth/member/code", json={"alliance_id": alliance, "phone": "+86 137 0900 0130"}), 429)
    return [code]


def test_no_phone_and_no_code_in_the_server_logs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'logs.db'}"
    migrate.upgrade(url)
    with unit_of_work(url) as session:
        create_user(session, None, NewUser("root", PASSWORD, Role.PLATFORM_ADMIN))
    env = clean_env(LIANMENG_DATABASE_URL=url, LIANMENG_SECRET_KEY=secrets.token_urlsafe(48))
    log = tmp_path / "server.log"
    with serving(env, log, cwd=tmp_path) as server:
        codes = _flow(server.base_url, url)
    text = log.read_text()
    assert "GET /api/v1/members?phone=137****0130" in text  # the lookup was logged, masked
    assert "POST /api/v1/members/lookup" in text
    digits = re.sub(r"(?<=\d)(?:\s|-|%20)(?=\d)", "", text)
    assert PHONE not in digits, [line for line in text.splitlines() if "0130" in line]
    for code in codes:
        assert not re.search(rf"(?<!\d){code}(?!\d)", text), [line for line in text.splitlines() if code in line]
