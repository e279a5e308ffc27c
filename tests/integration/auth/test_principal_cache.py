"""The principal cache ON (the rest of the suite runs with it off): a till's repeated token costs no query, and
logout, a disabled user and a revoked API key are seen at once in this process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from lianmeng.auth.principal_cache import CACHE
from lianmeng.config import get_settings
from lianmeng.db import get_engine
from tests.conftest import DATABASE_URL, World, login

API = "/api/v1"


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(get_settings(), "principal_cache_seconds", 30.0)
    CACHE.clear()
    yield
    CACHE.clear()


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    engine = get_engine(DATABASE_URL)
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_repeated_token_is_resolved_without_reading_the_logins(world: World, statements: list[str]) -> None:
    headers = world.a.actors["staff1"].headers
    assert world.client.get(f"{API}/auth/whoami", headers=headers).status_code == 200
    assert any("FROM platform_users" in s for s in statements)
    statements.clear()
    again = world.client.get(f"{API}/auth/whoami", headers=headers)
    assert again.status_code == 200
    assert not any("FROM platform_users" in s or "platform_revoked_tokens" in s for s in statements), statements


def test_logout_is_seen_at_once(world: World) -> None:
    headers = login(world.client, "op-alpha")
    assert world.client.get(f"{API}/auth/whoami", headers=headers).status_code == 200  # now cached
    assert world.client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    after = world.client.get(f"{API}/auth/whoami", headers=headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "invalid_token"


def test_a_disabled_user_is_refused_at_once(world: World) -> None:
    clerk = world.a.actors["staff1"]
    assert world.client.get(f"{API}/auth/whoami", headers=clerk.headers).status_code == 200  # now cached
    r = world.client.patch(f"{API}/users/{clerk.user_id}", headers=world.a.actors["operator"].headers,
                           json={"active": False})
    assert r.status_code == 200, r.text
    assert world.client.get(f"{API}/auth/whoami", headers=clerk.headers).status_code == 401


def test_a_revoked_api_key_is_refused_at_once(world: World) -> None:
    admin = world.a.actors["admin1"]
    created = world.client.post(f"{API}/merchants/{admin.merchant_id}/api-keys", headers=admin.headers,
                                json={"name": "till"})
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}
    assert world.client.get(f"{API}/auth/whoami", headers=key).status_code == 200  # now cached
    assert world.client.post(f"{API}/api-keys/{created.json()['id']}/revoke", headers=admin.headers).status_code \
        == 200
    assert world.client.get(f"{API}/auth/whoami", headers=key).status_code == 401
