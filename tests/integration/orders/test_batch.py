"""POST /api/v1/orders/batch: a till uploads several orders; one transaction, each order its own outcome, a refused
order writes nothing and never fails its batch-mates, and later orders see earlier ones' effect on balances."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.ledger import service as ledger
from lianmeng.ledger.models import Entry, Posting
from lianmeng.orders.models import Order
from lianmeng.points.service import member_points
from tests.conftest import World


def post_batch(world: World, headers: dict[str, str], orders: list[dict[str, Any]], **extra: str) -> Any:
    r = world.client.post("/api/v1/orders/batch", headers={**headers, **extra}, json={"orders": orders})
    assert r.status_code == 200, r.text
    return r


def points_of(session: Session, world: World, member_id: int) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, member_points(member_id))


def count(session: Session, model: type[Any]) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_refused_orders_write_nothing_and_do_not_stop_the_others(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    staff = world.a.actors["staff1"].headers
    body = post_batch(world, {**staff, "Accept-Language": "zh-CN"}, [
        {"external_id": "B-1", "member_id": member, "amount_fen": 10_000},
        {"external_id": "B-2", "member_id": member, "amount_fen": 10_000, "points_used": 5_000},
        {"external_id": "B-3", "member_id": 987_654, "amount_fen": 10_000},
        {"external_id": "B-4", "member_id": member, "amount_fen": 5_000, "stored_value_fen": 5_000},
        {"external_id": "B-5", "member_id": member, "amount_fen": 20_000},
    ]).json()
    assert (body["created"], body["replayed"], body["refused"]) == (2, 0, 3)
    outcome = {r["index"]: r for r in body["results"]}
    assert outcome[0]["order"]["points_earned"] == 100 and outcome[4]["order"]["points_earned"] == 200
    assert (outcome[1]["error"]["code"], outcome[1]["error"]["status"]) == ("insufficient_points", 409)
    assert "积分" in outcome[1]["error"]["message"]  # in the caller's language
    assert (outcome[2]["error"]["code"], outcome[2]["error"]["status"]) == ("not_found", 404)
    assert (outcome[3]["error"]["code"], outcome[3]["error"]["status"]) == ("insufficient_balance", 409)
    assert count(session, Order) == 2 and count(session, Posting) == 2  # one earn posting each, nothing else
    assert points_of(session, world, member) == 300


def test_later_orders_of_a_batch_spend_what_earlier_ones_left(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    staff = world.a.actors["staff1"].headers
    post_batch(world, staff, [{"external_id": "SEED", "member_id": member, "amount_fen": 10_000}])  # 100 points
    body = post_batch(world, staff, [
        {"external_id": "S-1", "member_id": member, "amount_fen": 6_000, "points_used": 60},
        {"external_id": "S-2", "member_id": member, "amount_fen": 6_000, "points_used": 60},
        {"external_id": "S-3", "member_id": member, "amount_fen": 4_000, "points_used": 40},
    ]).json()
    assert [r["outcome"] for r in body["results"]] == ["created", "refused", "created"]
    assert body["results"][1]["error"]["code"] == "insufficient_points"
    # 100 − 60 − 40 spent; S-1 earns on ¥59.40 cash (59 points), S-3 on ¥39.60 (39 points)
    assert points_of(session, world, member) == 59 + 39
    session.rollback()
    assert session.scalar(select(func.sum(Entry.amount)).join(Posting).where(Posting.cause == "order")) is not None


def test_a_retried_batch_replays_and_a_repeated_external_id_is_caught(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    staff = world.a.actors["staff1"].headers
    orders = [{"external_id": "R-1", "member_id": member, "amount_fen": 10_000},
              {"external_id": "R-1", "member_id": member, "amount_fen": 10_000},
              {"external_id": "R-2", "member_id": member, "amount_fen": 10_000},
              {"external_id": "R-2", "member_id": member, "amount_fen": 30_000}]
    first = post_batch(world, staff, orders).json()
    assert [r["outcome"] for r in first["results"]] == ["created", "replayed", "created", "refused"]
    assert first["results"][1]["order"]["id"] == first["results"][0]["order"]["id"]
    assert first["results"][3]["error"]["code"] == "duplicate_external_id"
    again = post_batch(world, staff, orders[:3]).json()
    assert [r["outcome"] for r in again["results"]] == ["replayed"] * 3
    assert count(session, Order) == 2 and points_of(session, world, member) == 200


def test_an_idempotency_key_replays_the_whole_answer(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    staff = world.a.actors["staff1"].headers
    orders = [{"external_id": "K-1", "member_id": world.a.members[m1], "amount_fen": 10_000}]
    first = post_batch(world, staff, orders, **{"Idempotency-Key": "till-7-upload-1"})
    second = post_batch(world, staff, orders, **{"Idempotency-Key": "till-7-upload-1"})
    assert second.headers.get("Idempotent-Replayed") == "true" and second.json() == first.json()
    assert count(session, Order) == 1


def test_bad_batches_are_refused_whole(world: World, session: Session) -> None:
    staff = world.a.actors["staff1"].headers
    member = world.a.members[world.a.merchants[0]]
    for bad in ([], [{"external_id": "Z", "member_id": member, "amount_fen": 0}],
                [{"external_id": f"Z{i}", "member_id": member, "amount_fen": 100} for i in range(501)]):
        r = world.client.post("/api/v1/orders/batch", headers=staff, json={"orders": bad})
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text
    assert count(session, Order) == 0
