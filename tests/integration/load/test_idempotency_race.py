"""Issue 11 item 2: 12 tills retry one Idempotency-Key at the same instant, over real HTTP on PostgreSQL. An order
that fails (unknown member) gives every racer the same 4xx or 409 `idempotency_in_progress`, never a 500 (before the
fix: a racer found the key taken, then released by the failed first request, and `.one()` raised NoResultFound).
An order that succeeds is recorded once; the racers get the replay or 409."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text

from lianmeng.db import new_session
from lianmeng.orders.models import Order
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.integration.load.burst import Call, fire
from tests.integration.load.conftest import Alliance, Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="races over real HTTP run on PostgreSQL")

RACERS = 12
ROUNDS = 8
IN_PROGRESS = (409, "idempotency_in_progress")


def test_racers_on_a_failing_order_all_get_the_same_4xx_or_409(server: Server, alliance: Alliance) -> None:
    for round_ in range(ROUNDS):
        key = f"race-unknown-{round_}"
        body = {"external_id": f"RACE-{round_}", "member_id": 987_654_321, "amount_fen": 1_000}
        burst = fire(server.base_url, [Call("POST", "/api/v1/orders", {**alliance.clerk1, "Idempotency-Key": key},
                                            body)] * RACERS)
        assert burst.problems == [], burst.problems[:5]
        answers = set(burst.finals) - {IN_PROGRESS}
        assert answers == {(404, "not_found")}, burst.codes()
    with new_session(DATABASE_URL) as session:
        assert session.scalar(
            text("SELECT count(*) FROM platform_idempotency_keys WHERE key LIKE 'race-unknown-%'")) == 0


def test_racers_on_a_good_order_record_it_once(server: Server, alliance: Alliance) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        member = alliance.member(client)
    for round_ in range(ROUNDS):
        body = {"external_id": f"RACE-OK-{member}-{round_}", "member_id": member, "amount_fen": 1_000}
        burst = fire(server.base_url, [Call("POST", "/api/v1/orders",
                                            {**alliance.clerk1, "Idempotency-Key": f"race-ok-{member}-{round_}"},
                                            body)] * RACERS)
        assert burst.problems == [], burst.problems[:5]
        assert set(burst.finals) <= {(201, None), IN_PROGRESS}, burst.codes()
        assert (201, None) in burst.finals
    with new_session(DATABASE_URL) as session:
        assert session.scalar(select(func.count(Order.id)).where(Order.member_id == member)) == ROUNDS
