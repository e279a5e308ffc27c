"""Guessing is slowed down (issue 11 items 7 and 8): one-time codes sent and tried, and passwords, are counted
per phone/account and per address (moving windows, `limits`); a full window answers 429 + Retry-After in the
caller's language. Unknown phones and usernames are counted and timed like known ones."""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Iterator

import limits.storage.memory
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import lianmeng.kit.throttle
from lianmeng.auth import sender
from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.auth.models import OneTimeCode, OutboxMessage
from lianmeng.auth.service import NewUser, create_user
from lianmeng.db import unit_of_work
from lianmeng.kit.throttle import Throttle
from lianmeng.main import create_app
from tests.conftest import PASSWORD, World
from tests.integration.web.console import csrf_of

API = "/api/v1"
REDIS_URL = os.environ.get("LIANMENG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class FakeTime:
    """`time.time()` for the memory counters, moved forward at will."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return _real_time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


_real_time = time.time


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(lianmeng.kit.throttle, "time", fake)
    return fake


PHONE = "13900010000"  # alliance A's first member (tests/conftest.py)


def ask_code(client: TestClient, world: World, phone: str = PHONE, **headers: str) -> object:
    return client.post(f"{API}/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": phone},
                       headers=headers)


def try_code(client: TestClient, world: World, code: str, phone: str = PHONE) -> object:
    return client.post(f"{API}/auth/member/code/verify",
                       json={"alliance_id": world.a.alliance_id, "phone": phone, "code": code})


def newest_code(session: Session) -> str:
    session.rollback()
    body = session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert body is not None
    return body.split("验证码为 ")[1][:6]


def wrong(code: str, n: int = 0) -> str:
    guess = f"{n:06d}"
    return guess if guess != code else f"{n + 500_000:06d}"


# --- item 7: one-time codes ------------------------------------------------------------------------------------


def test_a_phone_gets_one_code_a_minute_and_five_an_hour(world: World, later: FakeTime) -> None:
    client = world.client
    assert ask_code(client, world).status_code == 202
    again = ask_code(client, world, **{"Accept-Language": "en"})
    assert again.status_code == 429 and again.json()["error"]["code"] == "otp_send_throttled"
    assert 1 <= int(again.headers["Retry-After"]) <= 60
    assert "try again in" in again.json()["error"]["message"]
    assert "秒后再试" in ask_code(client, world).json()["error"]["message"]
    for _ in range(4):
        later.advance(61)
        assert ask_code(client, world).status_code == 202
    later.advance(61)
    capped = ask_code(client, world)  # the sixth in an hour
    assert capped.status_code == 429 and int(capped.headers["Retry-After"]) > 60
    later.advance(3600)
    assert ask_code(client, world).status_code == 202


def test_an_unknown_phone_is_throttled_exactly_like_a_member(world: World, session: Session) -> None:
    stranger = "13700000000"
    answers = [ask_code(world.client, world, stranger).status_code for _ in range(2)]
    members = [ask_code(world.client, world).status_code for _ in range(2)]
    assert answers == members == [202, 429]


def test_one_address_cannot_spray_codes_at_many_phones(world: World) -> None:
    answers = [ask_code(world.client, world, f"1370000{n:04d}").status_code for n in range(11)]
    assert answers == [202] * 10 + [429]
    other = TestClient(world.client.app, client=("203.0.113.9", 50000))  # another address is not held up
    assert ask_code(other, world, "13700009999").status_code == 202


def test_a_new_code_voids_the_older_ones_and_its_message(world: World, session: Session, later: FakeTime) -> None:
    assert ask_code(world.client, world).status_code == 202
    first = newest_code(session)
    later.advance(61)
    assert ask_code(world.client, world).status_code == 202
    second = newest_code(session)
    if first != second:
        assert try_code(world.client, world, first).status_code == 401
    assert try_code(world.client, world, second).status_code == 200
    assert try_code(world.client, world, first).status_code == 401  # still void once the newer one is used
    session.rollback()
    bodies = list(session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)))
    assert first not in bodies[0] and bodies[0] == sender.REDACTED
    codes = list(session.scalars(select(OneTimeCode).order_by(OneTimeCode.id)))
    assert codes[0].voided_at is not None and codes[1].used_at is not None


def test_new_codes_do_not_buy_new_guesses(world: World, session: Session, later: FakeTime) -> None:
    """5 wrong tries burn a code; 10 an hour per phone across all its codes, whatever the number of codes."""
    statuses = []
    for _ in range(3):
        assert ask_code(world.client, world).status_code == 202
        code = newest_code(session)
        statuses += [try_code(world.client, world, wrong(code, n)).status_code for n in range(5)]
        later.advance(61)
    assert statuses == [401] * 10 + [429] * 5
    blocked = try_code(world.client, world, code)  # even the right code, until the hour has passed
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "otp_verify_throttled"
    assert int(blocked.headers["Retry-After"]) > 60
    later.advance(3600)
    assert ask_code(world.client, world).status_code == 202
    assert try_code(world.client, world, newest_code(session)).status_code == 200


def test_the_code_is_never_logged_and_leaves_the_outbox_when_delivered(
    world: World, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert ask_code(world.client, world).status_code == 202
        code = newest_code(session)
        assert try_code(world.client, world, code).status_code == 200
    assert code not in caplog.text and PHONE not in caplog.text
    assert "139****0000" in caplog.text  # the log says a message was queued, to whom (masked), no more
    session.rollback()
    message = session.scalars(select(OutboxMessage)).one()
    sender.mark_delivered(session, message)
    session.commit()
    session.expire_all()
    delivered = session.scalars(select(OutboxMessage)).one()
    assert delivered.sent_at is not None and delivered.redacted_at is not None
    assert code not in delivered.body and "******" in delivered.body


def test_an_expired_code_leaves_the_outbox(world: World, session: Session, later: FakeTime) -> None:
    from datetime import timedelta

    from lianmeng.kit import clock

    assert ask_code(world.client, world).status_code == 202
    code = newest_code(session)
    with unit_of_work(world.client.app.state.database_url) as s:
        sender.redact_stale(s, clock.now() + timedelta(seconds=1))  # as the next request does after 5 minutes
    session.rollback()
    assert code not in session.scalars(select(OutboxMessage.body)).one()


def test_the_member_login_page_says_when_to_ask_again(world: World) -> None:
    browser = TestClient(world.client.app)
    token = csrf_of(browser.get("/m/login").text)
    form = {"csrf": token, "alliance": "alpha", "phone": PHONE, "action": "code"}
    assert browser.post("/m/login", data=form).status_code == 200
    again = browser.post("/m/login", data=form)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) <= 60
    assert "秒后再试" in again.text


# --- item 8: passwords ---------------------------------------------------------------------------------------------


def password_login(client: TestClient, username: str, password: str) -> object:
    return client.post(f"{API}/auth/login", json={"username": username, "password": password})


def test_wrong_passwords_are_throttled_for_a_minute_then_the_right_one_works(world: World, later: FakeTime) -> None:
    client = world.client
    answers = [password_login(client, "op-alpha", f"wrong-{n}").status_code for n in range(6)]
    assert answers == [401] * 5 + [429]
    held = password_login(client, "op-alpha", PASSWORD)  # the right password waits too: it could be a guess
    assert held.status_code == 429 and held.json()["error"]["code"] == "login_throttled"
    assert 1 <= int(held.headers["Retry-After"]) <= 60
    form = client.post(f"{API}/auth/token", data={"username": "op-alpha", "password": PASSWORD})
    assert form.status_code == 429 and "Retry-After" in form.headers
    later.advance(61)
    assert password_login(client, "op-alpha", PASSWORD).status_code == 200


def test_unknown_usernames_are_counted_like_real_ones(world: World) -> None:
    real = [password_login(world.client, "op-alpha", "nope").status_code for _ in range(6)]
    ghost = [password_login(world.client, "nobody-here", "nope").status_code for _ in range(6)]
    assert real == ghost == [401] * 5 + [429]


def test_successful_logins_never_count(world: World) -> None:
    assert all(password_login(world.client, "op-alpha", PASSWORD).status_code == 200 for _ in range(30))
    assert [password_login(world.client, "op-alpha", "nope").status_code for _ in range(6)] == [401] * 5 + [429]


def test_guessing_one_account_from_many_addresses_is_capped(world: World, later: FakeTime) -> None:
    answers = []
    for n in range(21):
        client = TestClient(world.client.app, client=(f"198.51.100.{n + 1}", 40000))
        answers.append(password_login(client, "op-alpha", "nope").status_code)
        later.advance(1)
    assert answers == [401] * 20 + [429]
    later.advance(600)
    assert password_login(world.client, "op-alpha", PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_capped(world: World) -> None:
    answers = [password_login(world.client, f"user-{n}", "nope").status_code for n in range(51)]
    assert answers == [401] * 50 + [429]


def test_the_console_login_form_answers_429_with_the_reason(world: World) -> None:
    browser = TestClient(world.client.app)
    token = csrf_of(browser.get("/login").text)
    for _ in range(5):
        assert browser.post("/login", data={"csrf": token, "username": "op-alpha", "password": "x"}).status_code == 422
    held = browser.post("/login", data={"csrf": token, "username": "op-alpha", "password": PASSWORD},
                        follow_redirects=False)
    assert held.status_code == 429 and "秒后再试" in held.text and "Retry-After" in held.headers


def test_an_unknown_username_takes_as_long_as_a_known_one(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production argon2 parameters (the suite uses cheap ones): before the fix an unknown name answered ~30x
    faster than a real one."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher())
    with unit_of_work(db_url) as s:
        create_user(s, None, NewUser("timed", PASSWORD, Role.PLATFORM_ADMIN))
    with TestClient(create_app(db_url)) as client:

        def took(username: str) -> float:
            start = time.perf_counter()
            client.post(f"{API}/auth/login", json={"username": username, "password": "wrong-password"})
            return time.perf_counter() - start

        real = statistics.median(took("timed") for _ in range(4))
        ghost = statistics.median(took(f"ghost-{n}") for n in range(4))
    assert ghost > 0.6 * real, (real, ghost)


# --- the counters in Redis ---------------------------------------------------------------------------------------


@pytest.fixture
def redis_throttle() -> Iterator[Throttle]:
    throttle = Throttle.isolated(REDIS_URL)
    try:
        throttle.storage.check() or pytest.skip("no Redis at " + REDIS_URL)
    except Exception:
        pytest.skip("no Redis at " + REDIS_URL)
    yield throttle
    throttle.storage.reset()


def test_redis_counters_are_shared_by_every_worker(world: World, redis_throttle: Throttle) -> None:
    """Two apps (two workers) on one Redis see the same counts."""
    url = world.client.app.state.database_url
    with TestClient(create_app(url, throttle=redis_throttle)) as one, \
            TestClient(create_app(url, throttle=redis_throttle)) as two:
        answers = [password_login(worker, "op-alpha", "nope").status_code for worker in (one, two) * 3]
        assert answers == [401] * 5 + [429]
        assert int(password_login(two, "op-alpha", PASSWORD).headers["Retry-After"]) <= 60
        assert ask_code(one, world).status_code == 202
        assert ask_code(two, world).status_code == 429


def test_redis_is_used_when_configured(monkeypatch: pytest.MonkeyPatch, redis_throttle: Throttle, db_url: str) -> None:
    from limits.storage import RedisStorage

    from lianmeng.config import get_settings

    monkeypatch.setenv("LIANMENG_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    try:
        app = create_app(db_url)
    finally:
        monkeypatch.delenv("LIANMENG_REDIS_URL")
        get_settings.cache_clear()
    assert isinstance(app.state.throttle.storage, RedisStorage)
    assert not isinstance(create_app(db_url).state.throttle.storage, RedisStorage)


def test_an_unreachable_redis_leaves_logins_working(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Redis down: no 500; logins and codes are answered unthrottled, and the outage is logged."""
    url = world.client.app.state.database_url
    with TestClient(create_app(url, throttle=Throttle("redis://127.0.0.1:1/0"))) as client:
        assert password_login(client, "op-alpha", "nope").status_code == 401
        assert password_login(client, "op-alpha", PASSWORD).status_code == 200
        assert ask_code(client, world).status_code == 202
    assert "throttle storage unreachable" in caplog.text
