"""One group-committed batch of single orders (web/group_write.run_batch of orders/group_commit.ORDERS) on SQLite
and PostgreSQL: each request its own answer, Idempotency-Keys claimed and completed in the batch's transaction, a
refused request's key given back, whole-batch failures retried one by one. The concurrent side is tested over real
HTTP in tests/integration/load/test_group_commit.py and the batcher alone in tests/unit/kit/test_group_commit.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.kit import clock, idempotency
from lianmeng.kit.errors import AppError
from lianmeng.kit.idempotency import IdempotencyRecord
from lianmeng.kit.idempotency_batch import Keyed
from lianmeng.orders import group_commit, service
from lianmeng.orders.models import Order
from lianmeng.orders.schemas import OrderCreate
from lianmeng.tenancy import Principal
from lianmeng.web.group_write import Answer, Outcome, Write, run_batch
from tests.conftest import World

PATH = "/api/v1/orders"


def clerk(world: World, session: Session, name: str = "staff1") -> Principal:
    token = world.a.actors[name].headers["Authorization"].removeprefix("Bearer ")
    principal = auth_service.principal_from_bearer(session, token)
    session.rollback()
    return principal


def request(who: Principal, external_id: str, member: int, key: str | None = None, amount: int = 1_000
            ) -> Write[OrderCreate]:
    data = OrderCreate(external_id=external_id, member_id=member, amount_fen=amount)
    keyed = None if key is None else Keyed(who.idempotency_scope, key, idempotency.fingerprint(
        "POST", PATH, data.model_dump(mode="json")))
    return Write(who, data, keyed)


def record_batch(session: Session, writes: list[Write[OrderCreate]]) -> list[Outcome]:
    return run_batch(session, group_commit.ORDERS, writes)


def records(session: Session) -> dict[str, str]:
    session.rollback()
    return {key: status for key, status in session.execute(select(IdempotencyRecord.key, IdempotencyRecord.status))}


def code(outcome: Any) -> str:
    assert isinstance(outcome, AppError), outcome
    return outcome.code


def test_each_request_of_a_batch_gets_its_own_answer(world: World, session: Session) -> None:
    me, member = clerk(world, session), world.a.members[world.a.merchants[0]]
    first, second, again, nobody = record_batch(session, [
        request(me, "GC-1", member, "k-1"),
        request(me, "GC-2", member, "k-2", amount=2_000),
        request(me, "GC-1", member, "k-1"),  # the same key again in the same batch: a retry
        request(me, "GC-X", 987_654_321, "k-x"),  # an unknown member
    ])
    assert isinstance(first, Answer) and isinstance(second, Answer) and isinstance(again, Answer)
    assert (first.status_code, first.replayed, first.body["external_id"]) == (201, False, "GC-1")
    assert (second.body["external_id"], second.body["amount_fen"]) == ("GC-2", 2_000)
    assert (again.status_code, again.body, again.replayed) == (201, first.body, True)
    assert code(nobody) == "not_found"
    assert records(session) == {"k-1": "completed", "k-2": "completed"}  # the refused one's key was given back
    assert sorted(session.scalars(select(Order.external_id))) == ["GC-1", "GC-2"]


def test_keys_seen_before_replay_refuse_or_wait(world: World, session: Session) -> None:
    me, member = clerk(world, session), world.a.members[world.a.merchants[0]]
    (done,) = record_batch(session, [request(me, "GC-1", member, "k-1")])
    assert isinstance(done, Answer)
    busy_fp = idempotency.fingerprint("POST", PATH, OrderCreate(
        external_id="GC-B", member_id=member, amount_fen=1_000).model_dump(mode="json"))
    assert isinstance(idempotency.claim(session, me.idempotency_scope, "k-busy", busy_fp), int)
    assert isinstance(idempotency.claim(session, me.idempotency_scope, "k-stale", idempotency.fingerprint(
        "POST", PATH, OrderCreate(external_id="GC-S", member_id=member, amount_fen=1_000).model_dump(mode="json"))),
        int)
    session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "k-stale")
                    .values(locked_at=clock.now() - timedelta(minutes=5)))
    session.commit()
    replay, mismatch, busy, stale = record_batch(session, [
        request(me, "GC-1", member, "k-1"),
        request(me, "GC-1", member, "k-1", amount=9),
        request(me, "GC-B", member, "k-busy"),
        request(me, "GC-S", member, "k-stale"),
    ])
    assert isinstance(replay, Answer) and (replay.replayed, replay.body) == (True, done.body)
    assert code(mismatch) == "idempotency_mismatch"
    assert code(busy) == "idempotency_in_progress"
    assert isinstance(stale, Answer) and stale.body["external_id"] == "GC-S" and not stale.replayed
    assert records(session) == {"k-1": "completed", "k-busy": "processing", "k-stale": "completed"}


def test_callers_share_a_transaction_and_a_member_is_refused_alone(world: World, session: Session) -> None:
    one, two = clerk(world, session, "staff1"), clerk(world, session, "staff2")
    m1, m2 = world.a.merchants[0], world.a.merchants[1]
    member = Principal(kind="member", id=world.a.members[m1], role=Role.MEMBER, alliance_id=world.a.alliance_id,
                       member_id=world.a.members[m1])
    a, b, refused = record_batch(session, [
        request(one, "GC-A", world.a.members[m1], "k-a"),
        request(two, "GC-A", world.a.members[m2], "k-a"),  # another caller: its own key scope, its own merchant
        request(member, "GC-M", world.a.members[m1], "k-m"),
    ])
    assert isinstance(a, Answer) and isinstance(b, Answer)
    assert (a.body["merchant_id"], b.body["merchant_id"]) == (m1, m2)
    assert code(refused) == "forbidden"
    session.rollback()
    assert len(session.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.key == "k-a")).all()) == 2


def test_a_batch_that_fails_whole_is_recorded_one_by_one(world: World, session: Session,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    me, member = clerk(world, session), world.a.members[world.a.merchants[0]]
    real = service.record_orders

    def deadlocks_when_shared(s: Session, actor: Principal, batch: Any, **kw: Any) -> Any:
        if len(batch) > 1 or batch[0].external_id == "GC-BAD":
            raise OperationalError("INSERT …", {}, Exception("deadlock detected"))
        return real(s, actor, batch, **kw)

    monkeypatch.setattr(service, "record_orders", deadlocks_when_shared)
    first, bad, last = record_batch(session, [
        request(me, "GC-1", member, "k-1"), request(me, "GC-BAD", member, "k-bad"), request(me, "GC-3", member)])
    assert isinstance(first, Answer) and isinstance(last, Answer)
    assert isinstance(bad, OperationalError)  # its own answer: the error handler's 503, the others recorded
    assert records(session) == {"k-1": "completed"}
    assert sorted(session.scalars(select(Order.external_id))) == ["GC-1", "GC-3"]
