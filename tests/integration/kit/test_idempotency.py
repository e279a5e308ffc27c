"""Idempotency-Key on creating POSTs: replay, mismatch, in-flight conflict, caller scope, release, retention."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from lianmeng.db import get_engine, new_session
from lianmeng.kit import clock, idempotency
from lianmeng.kit.idempotency import IdempotencyRecord
from lianmeng.merchants import service as merchants_service
from lianmeng.merchants.models import Merchant
from lianmeng.merchants.schemas import MerchantCreate
from tests.conftest import IS_POSTGRES, World

BODY = {"name": "威尔仕健身 南山店", "industry": "fitness", "rating": 4.7}


def merchant_count(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count(Merchant.id))) or 0


def post(world: World, key: str | None, body: dict[str, Any] | None = None, who: str = "operator") -> Any:
    headers = dict(world.a.actors[who].headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return world.client.post("/api/v1/merchants", json=body or BODY, headers=headers)


def test_retry_after_completion_replays_the_first_response(world: World, session: Session) -> None:
    before = merchant_count(session)
    first = post(world, "k-1")
    second = post(world, "k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert merchant_count(session) == before + 1


def test_without_a_key_each_post_creates(world: World, session: Session) -> None:
    before = merchant_count(session)
    assert post(world, None).status_code == 201
    assert post(world, None).status_code == 201
    assert merchant_count(session) == before + 2


def test_same_key_with_a_different_body_is_refused_422(world: World, session: Session) -> None:
    assert post(world, "k-2").status_code == 201
    before = merchant_count(session)
    r = post(world, "k-2", {**BODY, "name": "另一家"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "idempotency_mismatch"
    assert merchant_count(session) == before


def test_same_key_on_another_endpoint_is_a_mismatch(world: World) -> None:
    assert post(world, "k-3").status_code == 201
    r = world.client.post(
        "/api/v1/agreements", json={"title": "x", "modes": ["strategic"]},
        headers={**world.a.actors["operator"].headers, "Idempotency-Key": "k-3"},
    )
    assert r.status_code == 422


def test_keys_are_scoped_to_the_caller(world: World, session: Session) -> None:
    before = merchant_count(session)
    mine = post(world, "shared-key")
    other_caller = world.client.post(
        "/api/v1/merchants", json=BODY,
        headers={**world.b.actors["operator"].headers, "Idempotency-Key": "shared-key"},
    )
    assert mine.status_code == other_caller.status_code == 201
    assert mine.json()["id"] != other_caller.json()["id"]
    assert other_caller.json()["alliance_id"] == world.b.alliance_id
    assert merchant_count(session) == before + 2


def test_in_flight_key_gets_409(world: World, session: Session) -> None:
    scope = f"user:{world.a.actors['operator'].user_id}"
    fp = idempotency.fingerprint("POST", "/api/v1/merchants", MerchantCreate(**BODY).model_dump(mode="json"))
    claimed = idempotency.claim(session, scope, "busy", fp)
    assert isinstance(claimed, int)
    before = merchant_count(session)
    r = post(world, "busy")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_in_progress"
    assert merchant_count(session) == before


def test_a_stale_claim_is_taken_over(world: World, session: Session) -> None:
    scope = f"user:{world.a.actors['operator'].user_id}"
    fp = idempotency.fingerprint("POST", "/api/v1/merchants", MerchantCreate(**BODY).model_dump(mode="json"))
    claimed = idempotency.claim(session, scope, "crashed", fp)
    assert isinstance(claimed, int)
    session.execute(update(IdempotencyRecord).values(locked_at=clock.now() - timedelta(minutes=5)))
    session.commit()
    assert post(world, "crashed").status_code == 201


def test_a_failed_request_releases_its_key(world: World, session: Session) -> None:
    bad = post(world, "k-4", {**BODY, "alliance_id": 999_999})  # operators cannot pick another alliance...
    assert bad.status_code == 201  # ...so it is ignored and the merchant lands in their own alliance
    failing = world.client.post(
        f"/api/v1/merchants/{world.a.merchants[0]}/staff", json={"name": "张三", "store_id": 999_999},
        headers={**world.a.actors["operator"].headers, "Idempotency-Key": "k-5"},
    )
    assert failing.status_code == 404
    session.rollback()
    assert session.scalar(select(func.count()).where(IdempotencyRecord.key == "k-5")) == 0
    fixed = world.client.post(
        f"/api/v1/merchants/{world.a.merchants[0]}/staff", json={"name": "张三", "store_id": 999_999},
        headers={**world.a.actors["operator"].headers, "Idempotency-Key": "k-5"},
    )
    assert fixed.status_code == 404  # not a stale 409: the key was released


def test_keys_are_kept_24_hours_then_purged(world: World, session: Session) -> None:
    assert post(world, "k-6").status_code == 201
    session.rollback()
    record = session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.key == "k-6")).one()
    assert record.expires_at - record.created_at >= timedelta(hours=24)
    session.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == record.id)
                    .values(expires_at=clock.now() - timedelta(seconds=1)))
    session.commit()
    before = merchant_count(session)
    again = post(world, "k-6")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert merchant_count(session) == before + 1


def test_invalid_key_is_refused(world: World) -> None:
    r = post(world, "x" * 300)
    assert r.status_code == 422


def test_concurrent_retries_create_exactly_once(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical requests race: one creates, the other gets 409 (in flight) or the replay — never a twin."""
    real = merchants_service.create_merchant

    def slow_create(*args: Any, **kwargs: Any) -> Merchant:
        time.sleep(0.6)
        return real(*args, **kwargs)

    monkeypatch.setattr(merchants_service, "create_merchant", slow_create)
    before = merchant_count(session)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def fire() -> None:
        barrier.wait()
        results.append(post(world, "race").status_code)

    threads = [threading.Thread(target=fire) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert merchant_count(session) == before + 1
    assert sorted(results)[0] == 201
    if IS_POSTGRES:
        assert sorted(results) == [201, 409]  # PostgreSQL runs both at once: the second sees the claim
    else:
        assert sorted(results) in ([201, 201], [201, 409])  # SQLite serialises writers: it may see the replay


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite serialises the claim (BEGIN IMMEDIATE): nothing can slip between")
def test_a_key_released_between_the_conflict_and_the_read_is_claimed_again(db_url: str, session: Session) -> None:
    """Issue 11 item 2: the holder of a key fails and releases it just after our insert met its claim. Before, the
    read of the holder's record found nothing (NoResultFound, a 500); now the claim is simply tried again."""
    scope, fp = "user:1", idempotency.fingerprint("POST", "/api/v1/orders", {"member_id": 1})
    holder = new_session(db_url)
    held = idempotency.claim(holder, scope, "released-in-between", fp)
    assert isinstance(held, int)
    released: list[bool] = []

    @event.listens_for(session, "do_orm_execute")
    def holder_fails_now(state: ORMExecuteState) -> None:
        if state.is_select and not released:
            released.append(True)
            idempotency.release(holder, held)

    try:
        claimed = idempotency.claim(session, scope, "released-in-between", fp)
    finally:
        event.remove(session, "do_orm_execute", holder_fails_now)
        holder.close()
    assert released and isinstance(claimed, int) and claimed != held
    session.rollback()
    assert session.scalar(select(IdempotencyRecord.status).where(IdempotencyRecord.id == claimed)) == "processing"


def test_a_keyed_request_holds_one_connection_at_a_time(world: World, db_url: str) -> None:
    """Issue 11 item 1: authentication, the claim and the business write share the request's one connection.
    Before, the claim's side session kept a second connection idle in transaction until the request ended."""
    pool = get_engine(db_url).pool
    held = 0
    peak = 0

    def checkout(*_: Any) -> None:
        nonlocal held, peak
        held += 1
        peak = max(peak, held)

    def checkin(*_: Any) -> None:
        nonlocal held
        held -= 1

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        created = post(world, "one-connection")
        replayed = post(world, "one-connection")
        failed = world.client.post(
            f"/api/v1/merchants/{world.a.merchants[0]}/staff", json={"name": "张三", "store_id": 999_999},
            headers={**world.a.actors["operator"].headers, "Idempotency-Key": "one-connection-failing"})
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
    assert (created.status_code, replayed.status_code, failed.status_code) == (201, 201, 404)
    assert peak == 1
