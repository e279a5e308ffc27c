"""Shared fixtures. The same tests run on SQLite (default) and on PostgreSQL when
LIANMENG_TEST_DATABASE_URL=postgresql+psycopg://... (see the Makefile's `test` target)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from uuid import uuid4

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import lianmeng.models  # noqa: F401
from lianmeng.auth import service as auth_service
from lianmeng.db import Base, get_engine, new_session

# an error code without messages fails the test that raised it (kit/i18n.py), instead of reading "request invalid"
os.environ.setdefault("LIANMENG_STRICT_MESSAGES", "1")

# Tests change logins straight in the database (a user's staff row, their role) and expect the next request to see
# it: the per-process principal cache is off here, and on in tests/integration/auth/test_principal_cache.py and
# wherever a test starts `lianmeng serve` (tests/serving.py drops every LIANMENG_ setting).
os.environ.setdefault("LIANMENG_PRINCIPAL_CACHE_SECONDS", "0")
_TMP = Path(tempfile.mkdtemp(prefix="lianmeng-tests-"))
DATABASE_URL = os.environ.get("LIANMENG_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
IS_POSTGRES = DATABASE_URL.startswith("postgresql")

# argon2 at full strength costs ~50 ms a hash; tests create many logins.
auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_report_header() -> str:
    return f"database: {DATABASE_URL.split('@')[-1]}"


@pytest.fixture(scope="session")
def engine() -> Engine:
    eng = get_engine(DATABASE_URL)
    if IS_POSTGRES:  # whatever an earlier run left (tables since renamed, the job queue's schema) goes too
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    return eng


@contextmanager
def scratch_database(directory: Path, label: str) -> Iterator[str]:
    """A brand-new, empty database of the kind under test, dropped afterwards: a temporary PostgreSQL database beside
    the test database, or a SQLite file in `directory`."""
    if not IS_POSTGRES:
        yield f"sqlite:///{directory / f'{label}.db'}"
        return
    name = f"lianmeng_{label}_{os.getpid()}_{uuid4().hex[:8]}"
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


#: PostgreSQL: the sequences that number tables' ids (serial or identity), restarted like TRUNCATE … RESTART IDENTITY
_OWNED_SEQUENCES = text(
    "SELECT setval(d.objid::regclass, 1, false) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
    "WHERE s.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass "
    "AND d.deptype IN ('a', 'i')")


def _wipe(engine: Engine) -> None:
    """Every table empty and every id sequence back at 1. On PostgreSQL only the tables holding rows are emptied,
    by DELETE: a TRUNCATE of every table costs ~6 ms a table in new files (half a second a test, the larger part
    of the PostgreSQL pass), a DELETE of a test's few rows well under one."""
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables)
            holding = {row[0] for row in conn.execute(text(probe))}
            for name in reversed(tables):
                if name in holding and Base.metadata.tables[name].info.get("append_only"):
                    conn.execute(text(f"TRUNCATE {name}"))  # its trigger refuses DELETE (audit/models.py)
                elif name in holding:
                    conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(_OWNED_SEQUENCES)
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def db_url(engine: Engine) -> Iterator[str]:
    _wipe(engine)
    yield DATABASE_URL


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    s = new_session(db_url)
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture(scope="session")
def app() -> FastAPI:
    """The app is built once per test session: FastAPI takes ~1 s to build its ~500 routes, every test would pay it."""
    from lianmeng.main import create_app

    return create_app(DATABASE_URL)


@pytest.fixture
def client(db_url: str, app: FastAPI) -> Iterator[TestClient]:
    """A client of the session's app, its login and one-time-code counters emptied (each test starts afresh)."""
    app.state.throttle.storage.reset()
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Actor:
    """A login with its bearer header, and what it belongs to."""

    username: str
    headers: dict[str, str]
    user_id: int
    merchant_id: int | None = None
    staff_id: int | None = None


@dataclass
class Side:
    """One alliance as built by `world`: ids of everything, and logged-in actors."""

    alliance_id: int
    merchants: list[int] = field(default_factory=list)
    stores: dict[int, int] = field(default_factory=dict)  # merchant -> store
    staff: dict[int, int] = field(default_factory=dict)  # merchant -> staff
    members: dict[int, int] = field(default_factory=dict)  # merchant -> a member it brought
    actors: dict[str, Actor] = field(default_factory=dict)


@dataclass
class World:
    """Two alliances (A, B); alliance A has merchants m1, m2, m3; B has one merchant."""

    a: Side
    b: Side
    platform: Actor
    client: TestClient


PASSWORD = "correct-horse-9"


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _build_world(client: TestClient, db_url: str) -> World:
    """Two alliances built through the API, as a user would (~2 s: many logins and writes)."""
    from lianmeng.auth.domain import Role
    from lianmeng.auth.service import NewUser, create_user
    from lianmeng.db import unit_of_work

    with unit_of_work(db_url) as s:
        create_user(s, None, NewUser("platform", PASSWORD, Role.PLATFORM_ADMIN))
    platform_headers = login(client, "platform")
    platform = Actor("platform", platform_headers, 1)

    def build(code: str, merchant_count: int, phone_base: int) -> Side:
        r = client.post("/api/v1/alliances", json={"code": code, "name": f"联盟 {code}", "city": "深圳"},
                        headers=platform_headers)
        assert r.status_code == 201, r.text
        side = Side(alliance_id=r.json()["id"])
        op_name = f"op-{code}"
        r = client.post("/api/v1/users", headers=platform_headers, json={
            "username": op_name, "password": PASSWORD, "role": "operator_admin", "alliance_id": side.alliance_id})
        assert r.status_code == 201, r.text
        op_headers = login(client, op_name)
        side.actors["operator"] = Actor(op_name, op_headers, r.json()["id"])
        for i in range(merchant_count):
            r = client.post("/api/v1/merchants", headers=op_headers, json={
                "name": f"{code} merchant {i + 1}", "industry": ["auto_service", "fitness", "dining"][i % 3],
                "brand_tags": ["高端"], "rating": 4.5, "years_in_business": 3})
            assert r.status_code == 201, r.text
            mid = r.json()["id"]
            side.merchants.append(mid)
            r = client.post(f"/api/v1/merchants/{mid}/stores", headers=op_headers, json={
                "name": f"store {mid}", "address": "深南大道 1 号", "latitude": 22.54, "longitude": 114.05})
            assert r.status_code == 201, r.text
            side.stores[mid] = r.json()["id"]
            r = client.post(f"/api/v1/merchants/{mid}/staff", headers=op_headers, json={
                "name": f"导购 {mid}", "role": "shopping_guide", "store_id": side.stores[mid]})
            assert r.status_code == 201, r.text
            side.staff[mid] = r.json()["id"]
            admin = f"admin-{code}-{i + 1}"
            r = client.post("/api/v1/users", headers=op_headers, json={
                "username": admin, "password": PASSWORD, "role": "merchant_admin", "merchant_id": mid})
            assert r.status_code == 201, r.text
            side.actors[f"admin{i + 1}"] = Actor(admin, login(client, admin), r.json()["id"], merchant_id=mid)
            clerk = f"staff-{code}-{i + 1}"
            r = client.post("/api/v1/users", headers=op_headers, json={
                "username": clerk, "password": PASSWORD, "role": "store_staff", "merchant_id": mid,
                "staff_id": side.staff[mid]})
            assert r.status_code == 201, r.text
            side.actors[f"staff{i + 1}"] = Actor(clerk, login(client, clerk), r.json()["id"], merchant_id=mid,
                                                  staff_id=side.staff[mid])
            r = client.post("/api/v1/members", headers=side.actors[f"staff{i + 1}"].headers, json={
                "phone": f"139{phone_base + i:08d}", "name": f"会员{i + 1}", "consent_marketing": True})
            assert r.status_code == 201, r.text
            side.members[mid] = r.json()["id"]
        return side

    return World(a=build("alpha", 3, 10_000), b=build("beta", 1, 20_000), platform=platform, client=client)


@dataclass
class WorldSnapshot:
    """Every table's rows right after `_build_world`, and the world's ids and bearer headers."""

    rows: dict[str, list[dict[str, object]]]
    world: World


@pytest.fixture(scope="session")
def world_snapshot(engine: Engine, app: FastAPI) -> WorldSnapshot:
    """The world is built once per test session through the API and copied back for every test that asks."""
    _wipe(engine)
    with TestClient(app, raise_server_exceptions=False) as c:
        built = _build_world(c, DATABASE_URL)
    with engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(t.select()).mappings()] for t in Base.metadata.sorted_tables}
    _wipe(engine)
    return WorldSnapshot(rows=rows, world=built)


def _restore(engine: Engine, rows: dict[str, list[dict[str, object]]]) -> None:
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        if engine.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                if rows[table.name] and "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"))


@pytest.fixture
def world(client: TestClient, engine: Engine, world_snapshot: WorldSnapshot) -> World:
    """The two alliances of `_build_world`, restored from the session's snapshot into the wiped database."""
    _restore(engine, world_snapshot.rows)
    return replace(world_snapshot.world, client=client)
