"""Group-committed batches of redemptions and of top-ups (web/group_write.run_batch), on SQLite and PostgreSQL:
each request runs in a savepoint of the batch's transaction, so a refused one rolls back alone and its batch-mates
commit; the same coupon twice in a batch is used once; Idempotency-Keys are completed or given back in the same
transaction; an unexpected error fails the batch, which is then run one request at a time. Over real HTTP,
concurrently: tests/integration/load/test_group_commit.py."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lianmeng.coupons import api as coupons_api
from lianmeng.coupons import service
from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.coupons.schemas import RedeemIn
from lianmeng.kit import idempotency
from lianmeng.kit.errors import AppError
from lianmeng.kit.idempotency import IdempotencyRecord
from lianmeng.kit.idempotency_batch import Keyed
from lianmeng.orders import api as orders_api
from lianmeng.orders.models import Order, TopUp
from lianmeng.orders.schemas import TopUpCreate
from lianmeng.tenancy import Principal
from lianmeng.web.group_write import Answer, Outcome, Write, run_batch
from tests.conftest import World
from tests.integration.coupons.test_concurrency import centre_clerk

D = TypeVar("D", bound=BaseModel)


def coupons(world: World, count: int) -> list[str]:
    """`count` single-use ¥50-off coupons of the car centre's, handed to a gym member (redeemable at the centre)."""
    template = world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "立减¥50", "kind": "amount_off", "amount_fen": 5_000, "per_member_limit": count}).json()
    member = world.a.members[world.a.merchants[0]]
    return [world.client.post("/api/v1/coupons/issue", headers=world.a.actors["staff1"].headers, json={
        "template_id": template["id"], "member_id": member}).json()["code"] for _ in range(count)]


def write(who: Principal, data: D, path: str, key: str | None = None) -> Write[D]:
    keyed = None if key is None else Keyed(who.idempotency_scope, key,
                                           idempotency.fingerprint("POST", path, data.model_dump(mode="json")))
    return Write(who, data, keyed)


def redeem(who: Principal, code: str, key: str | None = None, till: str | None = None, bill: int = 20_000
           ) -> Write[RedeemIn]:
    return write(who, RedeemIn(code=code, bill_fen=bill, order_external_id=till), "/api/v1/coupons/redeem", key)


def code(outcome: Outcome) -> str:
    assert isinstance(outcome, AppError), outcome
    return outcome.code


def keys(session: Session) -> dict[str, str]:
    session.rollback()
    return {key: status for key, status in session.execute(select(IdempotencyRecord.key, IdempotencyRecord.status))}


def test_redemptions_share_a_batch_and_a_refusal_stays_alone(world: World, session: Session) -> None:
    first, second, third = coupons(world, 3)
    clerk = centre_clerk(world)
    outcomes = run_batch(session, coupons_api.REDEEM, [
        redeem(clerk, first, "k-first", till="TILL-1"),
        redeem(clerk, first, "k-again"),  # the same coupon again in the same batch: already used
        redeem(clerk, "NOSUCH99", "k-nosuch"),
        # refused after it wrote: the redemption and the coupon's use are rolled back to its savepoint
        redeem(clerk, third, "k-third", till="TILL-1", bill=30_000),
        redeem(clerk, second),
        redeem(clerk, first, "k-first", till="TILL-1"),  # a retry of the first, in the same batch
    ])
    used, again, nosuch, clash, plain, retry = outcomes
    assert isinstance(used, Answer) and (used.status_code, used.body["bill_fen"]) == (201, 20_000)
    assert used.body["order_id"] is not None
    assert (code(again), again.status_code) == ("used_up", 422)  # type: ignore[union-attr]
    assert code(nosuch) == "coupon_not_found"
    assert code(clash) == "duplicate_external_id"
    assert isinstance(plain, Answer) and plain.status_code == 201 and plain.body["order_id"] is None
    assert isinstance(retry, Answer) and (retry.replayed, retry.body) == (True, used.body)
    assert keys(session) == {"k-first": "completed"}  # the refused ones' keys were given back
    assert session.scalar(select(func.count()).select_from(Redemption)) == 2
    assert list(session.scalars(select(Order.external_id))) == ["TILL-1"]
    assert session.scalar(select(func.sum(Coupon.uses_left)).where(Coupon.code.in_([first, second]))) == 0
    assert session.scalar(select(Coupon.uses_left).where(Coupon.code == third)) == 1
    replay, = run_batch(session, coupons_api.REDEEM, [redeem(clerk, first, "k-first", till="TILL-1")])
    assert isinstance(replay, Answer) and (replay.replayed, replay.body) == (True, used.body)  # the stored answer


def test_top_ups_share_a_batch_and_a_refusal_stays_alone(world: World, session: Session) -> None:
    clerk, member = centre_clerk(world), world.a.members[world.a.merchants[1]]
    first, clash, nobody, second = run_batch(session, orders_api.TOP_UP, [
        write(clerk, TopUpCreate(external_id="TU-1", member_id=member, amount_fen=10_000), "/api/v1/top-ups", "k-1"),
        write(clerk, TopUpCreate(external_id="TU-1", member_id=member, amount_fen=99), "/api/v1/top-ups", "k-2"),
        write(clerk, TopUpCreate(external_id="TU-X", member_id=987_654_321, amount_fen=100), "/api/v1/top-ups"),
        write(clerk, TopUpCreate(external_id="TU-2", member_id=member, amount_fen=5_000), "/api/v1/top-ups", "k-3"),
    ])
    assert isinstance(first, Answer) and (first.status_code, first.body["amount_fen"]) == (201, 10_000)
    assert code(clash) == "duplicate_external_id" and code(nobody) == "not_found"
    assert isinstance(second, Answer) and second.body["external_id"] == "TU-2"
    assert keys(session) == {"k-1": "completed", "k-3": "completed"}
    assert sorted(session.scalars(select(TopUp.external_id))) == ["TU-1", "TU-2"]


def test_a_batch_that_fails_whole_is_redeemed_one_by_one(world: World, session: Session,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad, last = coupons(world, 3)
    clerk = centre_clerk(world)
    real = service.redeem

    def deadlocks_on(s: Session, actor: Principal, data: RedeemIn) -> Any:
        if data.code == bad:
            raise OperationalError("SELECT … FOR UPDATE", {}, Exception("deadlock detected"))
        return real(s, actor, data)

    monkeypatch.setattr(service, "redeem", deadlocks_on)
    first, failed, third = run_batch(session, coupons_api.REDEEM, [
        redeem(clerk, good, "k-good"), redeem(clerk, bad, "k-bad"), redeem(clerk, last)])
    assert isinstance(first, Answer) and isinstance(third, Answer)
    assert isinstance(failed, OperationalError)  # its own answer (the error handler's 503); the others redeemed
    assert keys(session) == {"k-good": "completed"}
    used = session.scalars(select(Coupon.code).where(Coupon.uses_left == 0))
    assert sorted(used) == sorted([good, last])
