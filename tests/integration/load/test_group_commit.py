"""Group commit over real HTTP (issue 16): `lianmeng serve` as in production (one worker per core on PostgreSQL),
single orders, coupon redemptions and top-ups fired at once. Each request keeps its own outcome; every write is
recorded once; the books balance; the same Idempotency-Key at once records one write; a refused order or
redemption in the burst gets its own 4xx, in its caller's language, while the others are recorded; the same coupon
redeemed by several tills at once is used once, the others told it is used up. The same with group commit off
(LIANMENG_GROUP_COMMIT_MS=0): the same answers."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.db import new_session
from lianmeng.orders.models import Order, TopUp
from tests import serving
from tests.books import assert_ledger_invariants
from tests.conftest import DATABASE_URL, IS_POSTGRES, _wipe
from tests.integration.load.burst import Answer, Call, fire, request
from tests.integration.load.conftest import Alliance, set_up_alliance
from tests.serving import Server, stop_server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="load over real HTTP runs on PostgreSQL")

IN_PROGRESS = (409, "idempotency_in_progress")
USED_UP = (422, "used_up")
REDEEM = "/api/v1/coupons/redeem"
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


def coupons_of(servers: Servers, member: int, count: int) -> list[str]:
    with httpx.Client(base_url=servers.on.base_url, timeout=30) as client:
        return servers.alliance.coupons(client, member, count)


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
             if i % 4 < 2 else  # and redemptions of an unknown code, in the same burst
             Call("POST", REDEEM, {**servers.alliance.clerk2, "Accept-Language": lang}, {"code": "NOSUCH99"})
             for i, lang in enumerate(langs)]

    async def all_at_once() -> list[Answer]:
        return list(await asyncio.gather(*(request(servers.pick(mode).base_url, call) for call in calls)))

    answers = asyncio.run(all_at_once())
    assert [a.status for a in answers] == [404 if c.path.endswith("/orders") else 422 for c in calls]
    for path in ("/api/v1/orders", REDEEM):
        messages = {lang: {a.body["error"]["message"] for a, c, asked in zip(answers, calls, langs, strict=True)
                           if asked == lang and c.path == path} for lang in ("en", "zh-CN")}
        assert len(messages["en"]) == len(messages["zh-CN"]) == 1 and messages["en"] != messages["zh-CN"]
        assert next(iter(messages["en"])).isascii() and not next(iter(messages["zh-CN"])).isascii()


def redemptions_of(member: int) -> list[tuple[str, int | None]]:
    with new_session(DATABASE_URL) as session:
        return [(code, order) for code, order in session.execute(
            select(Coupon.code, Redemption.order_id).join(Coupon, Coupon.id == Redemption.coupon_id)
            .where(Redemption.member_id == member))]


@pytest.mark.parametrize("mode", ["on", "off"])
def test_concurrent_redemptions_and_top_ups_each_get_their_own_answer(servers: Servers, mode: str) -> None:
    member, clerk = member_of(servers), servers.alliance.clerk2
    codes = coupons_of(servers, member, 12)
    good = [Call("POST", REDEEM, {**clerk, "Idempotency-Key": f"rd-{mode}-{member}-{i}"},
                 {"code": code, "bill_fen": 10_000, **({"order_external_id": f"RD-{mode}-{member}-{i}"} if i % 2
                                                       else {})})
            for i, code in enumerate(codes[:10])]
    wrong_store = Call("POST", REDEEM, {**clerk, "Idempotency-Key": f"rd-{mode}-{member}-store"},
                       {"code": codes[10], "bill_fen": 10_000, "store_id": 987_654_321})
    unknown = Call("POST", REDEEM, clerk, {"code": "NOSUCH99", "bill_fen": 10_000})
    same_coupon = [Call("POST", REDEEM, {**clerk, "Idempotency-Key": f"rd-{mode}-{member}-same-{i}"},
                        {"code": codes[11], "bill_fen": 10_000}) for i in range(6)]
    gym = servers.alliance.clerk1  # the member's own merchant tops it up
    top_ups = [Call("POST", "/api/v1/top-ups", {**gym, "Idempotency-Key": f"tu-{mode}-{member}-{i}"},
                    {"external_id": f"TU-{mode}-{member}-{i}", "member_id": member, "amount_fen": 5_000})
               for i in range(8)]
    calls = [c for pair in zip(good, [*top_ups, wrong_store, unknown], strict=True) for c in pair] + same_coupon
    burst = fire(servers.pick(mode).base_url, calls)
    assert burst.problems == [], burst.problems[:5]
    assert burst.codes() == {(201, None): 19, USED_UP: 5, (404, "not_found"): 1, (422, "coupon_not_found"): 1}
    redeemed = redemptions_of(member)
    assert sorted(code for code, _ in redeemed) == sorted([*codes[:10], codes[11]])
    assert sum(order is not None for _, order in redeemed) == 5
    assert sorted(orders_of(member)) == sorted(f"RD-{mode}-{member}-{i}" for i in range(1, 10, 2))
    with new_session(DATABASE_URL) as session:
        assert session.scalar(select(func.count()).select_from(TopUp).where(TopUp.member_id == member)) == 8
        assert session.scalar(select(func.count()).select_from(text("platform_idempotency_keys"))
                              .where(text(f"key = 'rd-{mode}-{member}-store'"))) == 0  # the refusal's key given back
    assert_books_balanced()
    with httpx.Client(base_url=servers.pick(mode).base_url, timeout=30) as client:
        again = client.post(REDEEM, headers=good[3].headers, json=good[3].json)
        assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
        assert again.json()["bill_fen"] == 10_000 and again.json()["order_id"] is not None


@pytest.mark.parametrize("mode", ["on", "off"])
def test_one_coupon_redeemed_by_8_tills_at_once_is_used_once(servers: Servers, mode: str) -> None:
    member, clerk = member_of(servers), servers.alliance.clerk2
    codes = coupons_of(servers, member, 6)
    for round_, code in enumerate(codes[:3]):  # different keys: one redeems, the others hear it is used up
        burst = fire(servers.pick(mode).base_url, [
            Call("POST", REDEEM, {**clerk, "Idempotency-Key": f"race-{mode}-{member}-{round_}-{i}"},
                 {"code": code, "bill_fen": 10_000, "order_external_id": f"RACE-{mode}-{member}-{round_}-{i}"})
            for i in range(8)])
        assert burst.problems == [], burst.problems[:5]
        assert burst.codes() == {(201, None): 1, USED_UP: 7}
    for round_, code in enumerate(codes[3:]):  # one key sent 8 times: one redemption, the others replay or wait
        call = Call("POST", REDEEM, {**clerk, "Idempotency-Key": f"race-{mode}-{member}-key-{round_}"},
                    {"code": code, "bill_fen": 10_000})
        burst = fire(servers.pick(mode).base_url, [call] * 8)
        assert burst.problems == [], burst.problems[:5]
        assert set(burst.finals) <= {(201, None), IN_PROGRESS} and (201, None) in burst.finals, burst.codes()
    assert sorted(code for code, _ in redemptions_of(member)) == sorted(codes)
    assert len(orders_of(member)) == 3
    assert_books_balanced()


def test_the_workers_and_the_jobs_are_reported_at_start(servers: Servers) -> None:
    log = Path(servers.on.log).read_text(errors="replace")
    assert "worker processes" in log, log[-2000:]
