"""Issue 11 item 1: a burst of 256 tills at once over real HTTP (`lianmeng serve`, PostgreSQL). Every answer comes
within 10 s; nothing but 503 + Retry-After is ever a 5xx; once the tills have retried as told, exactly the
affordable requests succeeded and the ledger is balanced. Before the fix: 500s after a 30 s pool stall."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text

from lianmeng.coupons.models import Redemption
from lianmeng.db import new_session
from lianmeng.orders.models import Order
from tests.books import assert_ledger_invariants
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.integration.load.burst import Burst, Call, fire
from tests.integration.load.conftest import Alliance, Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="load over real HTTP runs on PostgreSQL")

TILLS = 256
PRICE_FEN = 1_000
AFFORDABLE = 100  # the member's stored value pays for exactly this many orders


def assert_clean(burst: Burst) -> None:
    assert burst.problems == [], burst.problems[:10]
    assert burst.latencies and max(burst.latencies) < 10.0, burst.summary()
    assert len(burst.finals) == TILLS


def assert_books_balanced() -> None:
    with new_session(DATABASE_URL) as session:
        assert_ledger_invariants(session)
        leaked = session.scalar(text("SELECT count(*) FROM platform_idempotency_keys WHERE status = 'processing'"))
        assert leaked == 0  # every refused request released its key


@pytest.mark.parametrize("keyed", [True, False], ids=["own-idempotency-key", "no-key"])
def test_256_tills_spend_one_members_stored_value_exactly(server: Server, alliance: Alliance, keyed: bool) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        member = alliance.member(client)
        r = client.post("/api/v1/top-ups", headers=alliance.clerk1, json={
            "external_id": f"top-up-{member}", "member_id": member, "amount_fen": AFFORDABLE * PRICE_FEN})
        assert r.status_code == 201, r.text
    calls = [Call("POST", "/api/v1/orders",
                  {**alliance.clerk1, **({"Idempotency-Key": f"till-{member}-{i}"} if keyed else {})},
                  {"external_id": f"POS-{member}-{i}", "member_id": member, "amount_fen": PRICE_FEN,
                   "stored_value_fen": PRICE_FEN})
             for i in range(TILLS)]
    burst = fire(server.base_url, calls)
    assert_clean(burst)
    assert burst.codes() == {(201, None): AFFORDABLE, (409, "insufficient_balance"): TILLS - AFFORDABLE}
    with new_session(DATABASE_URL) as session:
        paid = session.execute(select(func.count(Order.id), func.sum(Order.stored_value_fen))
                               .where(Order.member_id == member)).one()
    assert tuple(paid) == (AFFORDABLE, AFFORDABLE * PRICE_FEN)
    assert_books_balanced()


def test_256_tills_redeem_64_coupons_exactly_once_each(server: Server, alliance: Alliance) -> None:
    coupons = 64
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        member = alliance.member(client)
        codes = alliance.coupons(client, member, coupons, amount_fen=5_000)
    calls = [Call("POST", "/api/v1/coupons/redeem", alliance.clerk2,
                  {"code": codes[i % coupons], "bill_fen": 20_000, "order_external_id": f"R-{member}-{i}"})
             for i in range(TILLS)]
    burst = fire(server.base_url, calls)
    assert_clean(burst)
    statuses = burst.statuses()
    assert statuses == {201: coupons, 422: TILLS - coupons}, burst.codes()
    with new_session(DATABASE_URL) as session:
        redeemed = session.scalar(select(func.count(Redemption.id)).where(Redemption.member_id == member))
        orders = session.scalar(select(func.count(Order.id)).where(Order.member_id == member))
    assert (redeemed, orders) == (coupons, coupons)
    assert_books_balanced()


def test_256_tills_list_members_at_once(server: Server, alliance: Alliance) -> None:
    calls = [Call("GET", "/api/v1/members?page_size=20", alliance.clerk1) for _ in range(TILLS)]
    burst = fire(server.base_url, calls)
    assert_clean(burst)
    assert burst.statuses() == {200: TILLS}
