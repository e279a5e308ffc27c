"""Group commit over real HTTP (issue 16): `lianmeng serve` as in production (one worker per core on PostgreSQL),
single orders fired at once. Each request keeps its own outcome; every order is recorded once; the books balance;
the same Idempotency-Key at once records one order; a refused order in the burst gets its own 4xx while the others
are recorded. The same with group commit off (LIANMENG_GROUP_COMMIT_MS=0): the same answers."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from lianmeng.db import new_session
from lianmeng.orders.models import Order
from tests import serving
from tests.books import assert_ledger_invariants
from tests.conftest import DATABASE_URL, IS_POSTGRES, _wipe
from tests.integration.load.burst import Answer, Call, fire, request
from tests.integration.load.conftest import Alliance, set_up_alliance
from tests.serving import Server, stop_server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="load over real HTTP runs on PostgreSQL")

IN_PROGRESS = (409, "idempotency_in_progress")
STARTUP_S = 300  # worker processes each import the whole app; on a loaded 2-core machine that took over a minute


@dataclass
class Servers:
    on: Server  # group commit on (the default)
    off: Server  # LIANMENG_GROUP_COMMIT_MS=0
    alliance: Alliance

    def pick(self, mode: str) -> Server:
        return self.on if mode == "on" else self.off


@pytest.fixture(scope="module")
def servers(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not IS_POSTGRES:
        pytest.skip("load over real HTTP runs on PostgreSQL")
    _wipe(engine)
    tmp = tmp_path_factory.mktemp("group-commit")
    env = serving.clean_env(LIANMENG_DATABASE_URL=DATABASE_URL, LIANMENG_SECRET_KEY=secrets.token_urlsafe(32),
                            LIANMENG_ENV="development")  # one secret: a login works on both servers
    on = serving.start_server({**env, "LIANMENG_WORKERS": "2"}, tmp / "on.log", timeout=STARTUP_S)
    try:
        off = serving.start_server({**env, "LIANMENG_GROUP_COMMIT_MS": "0", "LIANMENG_WORKERS": "1"}, tmp / "off.log",
                                   timeout=STARTUP_S)
        try:
            yield Servers(on, off, set_up_alliance(on))
        finally:
            stop_server(off)
    finally:
        stop_server(on)


def member_of(servers: Servers) -> int:
    with httpx.Client(base_url=servers.on.base_url, timeout=30) as client:
        return servers.alliance.member(client)


def assert_books_balanced() -> None:
    with new_session(DATABASE_URL) as session:
        assert_ledger_invariants(session)
        assert session.scalar(text("SELECT count(*) FROM platform_idempotency_keys WHERE status = 'processing'")) == 0


def orders_of(member: int) -> list[str]:
    with new_session(DATABASE_URL) as session:
        return list(session.scalars(select(Order.external_id).where(Order.member_id == member)))


@pytest.mark.parametrize("mode", ["on", "off"])
def test_32_concurrent_orders_are_each_recorded_once(servers: Servers, mode: str) -> None:
    member, clerk = member_of(servers), servers.alliance.clerk1
    calls = [Call("POST", "/api/v1/orders", {**clerk, "Idempotency-Key": f"gc-{mode}-{member}-{i}"},
                  {"external_id": f"GC-{mode}-{member}-{i}", "member_id": member, "amount_fen": 1_000 + i})
             for i in range(32)]
    burst = fire(servers.pick(mode).base_url, calls)
    assert burst.problems == [], burst.problems[:5]
    assert burst.codes() == {(201, None): 32}
    assert sorted(orders_of(member)) == sorted(f"GC-{mode}-{member}-{i}" for i in range(32))
    assert_books_balanced()
    # a retry now replays the stored answer byte for byte
    with httpx.Client(base_url=servers.pick(mode).base_url, timeout=30) as client:
        again = client.post("/api/v1/orders", headers={**clerk, "Idempotency-Key": f"gc-{mode}-{member}-7"},
                            json={"external_id": f"GC-{mode}-{member}-7", "member_id": member, "amount_fen": 1_007})
        assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
        assert again.json()["external_id"] == f"GC-{mode}-{member}-7" and again.json()["amount_fen"] == 1_007
        other = client.post("/api/v1/orders", headers={**clerk, "Idempotency-Key": f"gc-{mode}-{member}-7"},
                            json={"external_id": f"GC-{mode}-{member}-7", "member_id": member, "amount_fen": 9})
        assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_mismatch"


@pytest.mark.parametrize("mode", ["on", "off"])
def test_one_key_sent_8_times_at_once_records_one_order(servers: Servers, mode: str) -> None:
    member, clerk = member_of(servers), servers.alliance.clerk1
    for round_ in range(4):
        call = Call("POST", "/api/v1/orders", {**clerk, "Idempotency-Key": f"same-{mode}-{member}-{round_}"},
                    {"external_id": f"SAME-{mode}-{member}-{round_}", "member_id": member, "amount_fen": 2_000})
        burst = fire(servers.pick(mode).base_url, [call] * 8)
        assert burst.problems == [], burst.problems[:5]
        assert set(burst.finals) <= {(201, None), IN_PROGRESS}, burst.codes()
        assert (201, None) in burst.finals
    assert sorted(orders_of(member)) == sorted(f"SAME-{mode}-{member}-{r}" for r in range(4))
    assert_books_balanced()


@pytest.mark.parametrize("mode", ["on", "off"])
def test_a_refused_order_in_a_burst_gets_its_own_4xx_and_the_others_are_recorded(servers: Servers, mode: str
                                                                                 ) -> None:
    member, clerk = member_of(servers), servers.alliance.clerk1
    good = [Call("POST", "/api/v1/orders", {**clerk, "Idempotency-Key": f"mix-{mode}-{member}-{i}"},
                 {"external_id": f"MIX-{mode}-{member}-{i}", "member_id": member, "amount_fen": 1_500})
            for i in range(14)]
    unknown_member = Call("POST", "/api/v1/orders", {**clerk, "Idempotency-Key": f"mix-{mode}-{member}-nobody",
                                                     "Accept-Language": "en"},
                          {"external_id": f"MIX-{mode}-{member}-nobody", "member_id": 987_654_321,
                           "amount_fen": 1_500})
    bad_store = Call("POST", "/api/v1/orders", clerk,
                     {"external_id": f"MIX-{mode}-{member}-store", "member_id": member, "amount_fen": 1_500,
                      "store_id": 987_654_321})
    burst = fire(servers.pick(mode).base_url, [*good[:7], unknown_member, *good[7:], bad_store])
    assert burst.problems == [], burst.problems[:5]
    assert sorted(burst.finals) == sorted([(201, None)] * 14 + [(404, "not_found"), (404, "not_found")])
    assert sorted(orders_of(member)) == sorted(f"MIX-{mode}-{member}-{i}" for i in range(14))
    assert_books_balanced()
    with new_session(DATABASE_URL) as session:  # the refused order's key was given back
        assert session.scalar(select(func.count()).select_from(text("platform_idempotency_keys"))
                              .where(text(f"key = 'mix-{mode}-{member}-nobody'"))) == 0


@pytest.mark.parametrize("mode", ["on", "off"])
def test_each_refusal_speaks_its_own_callers_language(servers: Servers, mode: str) -> None:
    clerk = servers.alliance.clerk1
    langs = ["en", "zh-CN"] * 8
    calls = [Call("POST", "/api/v1/orders", {**clerk, "Accept-Language": lang},
                  {"external_id": f"LANG-{mode}-{i}", "member_id": 987_654_321, "amount_fen": 100})
             for i, lang in enumerate(langs)]

    async def all_at_once() -> list[Answer]:
        return list(await asyncio.gather(*(request(servers.pick(mode).base_url, call) for call in calls)))

    answers = asyncio.run(all_at_once())
    assert {a.status for a in answers} == {404}
    messages = {lang: {a.body["error"]["message"] for a, asked in zip(answers, langs, strict=True) if asked == lang}
                for lang in ("en", "zh-CN")}
    assert len(messages["en"]) == len(messages["zh-CN"]) == 1 and messages["en"] != messages["zh-CN"]
    assert next(iter(messages["en"])).isascii() and not next(iter(messages["zh-CN"])).isascii()


def test_the_workers_and_the_jobs_are_reported_at_start(servers: Servers) -> None:
    log = Path(servers.on.log).read_text(errors="replace")
    assert "worker processes" in log, log[-2000:]
