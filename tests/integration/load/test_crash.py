"""Issue 16: the crash test. `lianmeng serve` with group commit on and two worker processes takes single orders
and coupon redemptions that record an order (both group-committed, the redemptions each in a savepoint) from 8
tills at once; after a couple of seconds its whole process group (the supervisor and its workers) is killed with
SIGKILL, mid-flight. Restarted on the same database:

* every acknowledged (2xx) request is there exactly once, as answered;
* every request whose outcome the till never learnt, retried with the SAME Idempotency-Key, gets either the replay
  of what was committed or a fresh 201 — never a second order; a claim left 'processing' by the killed process is
  taken over once the lock expires (LIANMENG_IDEMPOTENCY_LOCK_SECONDS=1 here), never blocks forever;
* nothing is half-written: every order has the postings and the points grant it earned, every posting has entries
  that sum to zero, every redemption its order, no idempotency record is left 'processing';
* the ledger balances (tests/books.py).

PostgreSQL only, like every test over real HTTP here. Most of its time is the two server starts (each worker
process imports the whole app, ~6 s of CPU): on a 2-core machine busy with other work (load average 8) the test took
70-85 s, of which about 10 s are the load, the kill, the retries and the checks."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from lianmeng.coupons.models import Redemption
from lianmeng.db import new_session
from lianmeng.ledger.models import Entry, Posting
from lianmeng.orders.models import Order
from lianmeng.points.models import PointsGrant
from tests import serving
from tests.books import assert_ledger_invariants
from tests.conftest import DATABASE_URL, IS_POSTGRES, _wipe
from tests.integration.load.conftest import server_env, set_up_alliance

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="load over real HTTP runs on PostgreSQL")

ORDER_TILLS = 6
COUPON_TILLS = 2
COUPONS_PER_TILL = 15
LOAD_S = 2.0  # from the first answers to the kill -9
GET_GOING_S = 30.0  # how long the load may take to get its first answers (every till one) before that
LOCK_S = 1  # LIANMENG_IDEMPOTENCY_LOCK_SECONDS: a dead claim is taken over after this
RETRY_FOR_S = 15.0  # a retry answered 409 in progress (a claim not yet stale) or 503 tries again until then


@dataclass
class Sent:
    """One request a till sent during the load, and what it learnt (status None: no answer)."""

    path: str
    key: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int | None = None
    answer: Any = None


def _send(client: httpx.Client, sent: Sent) -> None:
    try:
        r = client.post(sent.path, headers={**sent.headers, "Idempotency-Key": sent.key}, json=sent.body)
    except httpx.TransportError:
        return  # the server died under it: the outcome is unknown (the till stops, to retry after the restart)
    sent.status = r.status_code
    sent.answer = r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


def _order_till(base_url: str, clerk: dict[str, str], member: int, till: int, stop: threading.Event,
                out: list[Sent]) -> None:
    with httpx.Client(base_url=base_url, timeout=15) as client:
        i = 0
        while not stop.is_set():
            i += 1
            sent = Sent("/api/v1/orders", f"crash-order-{till}-{i}",
                        {"external_id": f"CRASH-{till}-{i}", "member_id": member, "amount_fen": 1_000 + i}, clerk)
            out.append(sent)
            _send(client, sent)
            if sent.status is None:
                return


def _coupon_till(base_url: str, clerk: dict[str, str], codes: list[str], till: int, stop: threading.Event,
                 out: list[Sent]) -> None:
    with httpx.Client(base_url=base_url, timeout=15) as client:
        for i, code in enumerate(codes):
            if stop.is_set():
                return
            sent = Sent("/api/v1/coupons/redeem", f"crash-redeem-{till}-{i}",
                        {"code": code, "bill_fen": 20_000, "order_external_id": f"CRASH-R-{till}-{i}"}, clerk)
            out.append(sent)
            _send(client, sent)
            if sent.status is None:
                return


def _kill_group(server: serving.Server) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)  # the supervisor and every worker, at once
    server.process.wait()


def _retry(base_url: str, sent: Sent) -> httpx.Response:
    """The till's retry after the crash: the same key, the same body, until it is no longer 409 in progress."""
    deadline = time.monotonic() + RETRY_FOR_S
    with httpx.Client(base_url=base_url, timeout=15) as client:
        while True:
            r = client.post(sent.path, headers={**sent.headers, "Idempotency-Key": sent.key}, json=sent.body)
            busy = r.status_code == 503 or (
                r.status_code == 409 and r.json()["error"]["code"] == "idempotency_in_progress")
            if not busy or time.monotonic() > deadline:
                return r
            time.sleep(0.3)


def test_kill_9_under_load_loses_no_acknowledged_order_and_leaves_nothing_half_written(
        engine: Engine, tmp_path: Path) -> None:
    _wipe(engine)
    env = server_env(LIANMENG_GROUP_COMMIT_MS="2", LIANMENG_WORKERS="2",
                     LIANMENG_IDEMPOTENCY_LOCK_SECONDS=str(LOCK_S))
    port = serving.free_port()
    began = time.monotonic()
    first = serving.start_server(env, tmp_path / "before.log", port=port, own_group=True)
    try:
        print(f"\nstarted in {time.monotonic() - began:.1f} s")
        alliance = set_up_alliance(first)
        with httpx.Client(base_url=first.base_url, timeout=30) as client:
            order_members = [alliance.member(client) for _ in range(ORDER_TILLS)]
            coupon_members = [alliance.member(client) for _ in range(COUPON_TILLS)]
            codes = [alliance.coupons(client, m, COUPONS_PER_TILL) for m in coupon_members]
        print(f"set up at {time.monotonic() - began:.1f} s")
        stop = threading.Event()
        sent: list[list[Sent]] = [[] for _ in range(ORDER_TILLS + COUPON_TILLS)]
        tills = [threading.Thread(target=_order_till, args=(first.base_url, alliance.clerk1, order_members[t], t,
                                                            stop, sent[t])) for t in range(ORDER_TILLS)]
        tills += [threading.Thread(target=_coupon_till, args=(first.base_url, alliance.clerk2, codes[t], t, stop,
                                                              sent[ORDER_TILLS + t])) for t in range(COUPON_TILLS)]
        for till in tills:
            till.start()
        going = time.monotonic() + GET_GOING_S  # on a busy machine the first answers may take a while
        while sum(s.status == 201 for per_till in sent for s in per_till) < ORDER_TILLS + COUPON_TILLS \
                and time.monotonic() < going:
            time.sleep(0.1)
        time.sleep(LOAD_S)
        _kill_group(first)
        stop.set()
        for till in tills:
            till.join(timeout=30)
        assert not any(till.is_alive() for till in tills)
    finally:
        _kill_group(first)
    requests = [s for per_till in sent for s in per_till]
    acknowledged = [s for s in requests if s.status is not None and 200 <= s.status < 300]
    unknown = [s for s in requests if s.status is None]
    print(f"{len(requests)} requests: {len(acknowledged)} acknowledged, {len(unknown)} without an answer, "
          f"{Counter(s.status for s in requests)}")
    assert {s.status for s in requests} <= {201, 503, None}, first.log_tail()
    assert len(acknowledged) >= ORDER_TILLS + COUPON_TILLS, "the load never got going"
    assert unknown, "the kill hit no request in flight"
    with new_session(DATABASE_URL) as session:
        left = session.scalar(text("SELECT count(*) FROM platform_idempotency_keys WHERE status = 'processing'"))
    print(f"claims the killed server left 'processing' (taken over once stale): {left}")

    # The restart needs no second worker to show what the crash left (and starts in half the time: each worker
    # process imports the whole app); group commit stays on.
    second = serving.start_server({**env, "LIANMENG_WORKERS": "1"}, tmp_path / "after.log", port=port,
                                  own_group=True)
    print(f"restarted at {time.monotonic() - began:.1f} s")
    try:
        _check_after_restart(second, requests, acknowledged, order_members, coupon_members)
    finally:
        serving.stop_server(second)
        _kill_group(second)


def _check_after_restart(server: serving.Server, requests: list[Sent], acknowledged: list[Sent],
                         order_members: list[int], coupon_members: list[int]) -> None:
    # Every acknowledged request is there exactly once, as answered.
    with new_session(DATABASE_URL) as session:
        orders = {o.external_id: o for o in session.scalars(
            select(Order).where(Order.member_id.in_(order_members + coupon_members)))}
        redemptions = {r.id: r for r in session.scalars(
            select(Redemption).where(Redemption.member_id.in_(coupon_members)))}
        assert session.execute(select(Order.merchant_id, Order.external_id).group_by(
            Order.merchant_id, Order.external_id).having(func.count() > 1)).all() == []
    for s in acknowledged:
        if s.path == "/api/v1/orders":
            order = orders.get(s.body["external_id"])
            assert order is not None, f"acknowledged order {s.body['external_id']} lost in the crash"
            assert (order.id, order.amount_fen) == (s.answer["id"], s.body["amount_fen"])
        else:
            redemption = redemptions.get(s.answer["id"])
            assert redemption is not None, f"acknowledged redemption {s.answer['id']} lost in the crash"
            assert redemption.order_id == s.answer["order_id"] is not None
            assert orders[s.body["order_external_id"]].id == redemption.order_id

    # Every request the till never heard back from (or was told to retry later), retried with the same key: the
    # replay of what was committed, or a fresh 201 — the claim of a killed process is taken over once stale.
    retried = Counter[str]()
    for s in requests:
        if s.status == 201:
            continue
        r = _retry(server.base_url, s)
        assert r.status_code == 201, (s.key, r.status_code, r.text, server.log_tail())
        retried["replayed" if r.headers.get("Idempotent-Replayed") == "true" else "fresh"] += 1
        s.status, s.answer = 201, r.json()
    # and an acknowledged one, retried, replays its answer
    for s in acknowledged[:: max(1, len(acknowledged) // 10)]:
        r = _retry(server.base_url, s)
        assert (r.status_code, r.headers.get("Idempotent-Replayed"), r.json()) == (201, "true", s.answer), r.text
    print(f"retried after the restart: {dict(retried)}")

    with new_session(DATABASE_URL) as session:
        orders = {o.external_id: o for o in session.scalars(
            select(Order).where(Order.member_id.in_(order_members + coupon_members)))}
        redemptions = {r.id: r for r in session.scalars(
            select(Redemption).where(Redemption.member_id.in_(coupon_members)))}
        # exactly one order per request, nothing more: each under the id its (last) answer gave
        sent_ids = sorted(s.body.get("external_id") or s.body["order_external_id"] for s in requests)
        assert sorted(orders) == sent_ids
        for s in requests:
            if s.path == "/api/v1/orders":
                assert orders[s.body["external_id"]].id == s.answer["id"]
            else:
                assert orders[s.body["order_external_id"]].id == s.answer["order_id"] == \
                    redemptions[s.answer["id"]].order_id
        assert len(redemptions) == sum(s.path != "/api/v1/orders" for s in requests)
        assert len({r.coupon_id for r in redemptions.values()}) == len(redemptions)  # each coupon used once

        # Nothing half-written: every order has the postings and the points it earned; every posting has entries.
        order_ids = [o.id for o in orders.values()]
        posted = set(session.scalars(select(Posting.idempotency_key).where(Posting.cause_id.in_(order_ids))))
        granted = set(session.scalars(select(PointsGrant.order_id).where(PointsGrant.order_id.in_(order_ids))))
        earning = [o for o in orders.values() if o.points_earned]
        assert earning, "no order earned points: the postings check below would check nothing"
        for o in earning:
            assert f"order:{o.id}:points-earn" in posted and o.id in granted, f"order {o.id} lacks its points"
        assert session.scalar(select(func.count(Posting.id)).where(
            ~select(Entry.id).where(Entry.posting_id == Posting.id).exists())) == 0, "a posting without entries"
        assert session.scalar(text("SELECT count(*) FROM platform_idempotency_keys WHERE status = 'processing'")) == 0
        assert_ledger_invariants(session)
