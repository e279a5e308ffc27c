"""Offline backlogs: an order says when the sale happened (`occurred_at`); it lands in that period (settlement and
reports), never in the future, never too old, never inside a period already settled (422, nothing written); in a
batch only the order with a bad time is refused. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.kit import clock
from lianmeng.ledger.models import Posting
from lianmeng.orders.models import Order
from lianmeng.settlement import service as settlement
from lianmeng.settlement.models import SettlementRun, Statement, StatementLine
from lianmeng.tenancy.principal import SYSTEM
from tests.conftest import World

API = "/api/v1"
# 1 November 2026, 03:00 in Shanghai: the till uploads last night's sales
NOW = datetime(2026, 10, 31, 19, tzinfo=UTC)
LATER = datetime(2026, 11, 5, 2, tzinfo=UTC)  # October has closed (and its grace): it can be settled


def order(world: World, external_id: str, at: datetime, occurred_at: str | None, **extra: Any) -> Any:
    m1 = world.a.merchants[0]
    body: dict[str, Any] = {"external_id": external_id, "member_id": world.a.members[m1], "amount_fen": 10_000,
                            **extra}
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    with clock.fixed_at(at):
        return world.client.post(f"{API}/orders", headers={**world.a.actors["staff1"].headers,
                                                            "Accept-Language": "en"}, json=body)


def counts(session: Session) -> tuple[int, int]:
    session.rollback()
    return (int(session.scalar(select(func.count()).select_from(Order)) or 0),
            int(session.scalar(select(func.count()).select_from(Posting)) or 0))


def order_lines(session: Session, run: SettlementRun) -> int:
    """Entries of order postings on the run's statements."""
    return int(session.scalar(select(func.coalesce(func.sum(StatementLine.entries), 0))
                              .join(Statement, Statement.id == StatementLine.statement_id)
                              .where(Statement.run_id == run.id, StatementLine.cause == "order")) or 0)


def test_last_nights_sales_land_in_their_period_at_the_month_boundary_in_shanghai(
        world: World, session: Session, db_url: str) -> None:
    before_midnight = order(world, "N-1", NOW, "2026-10-31T23:59:59")  # naive: Asia/Shanghai → October
    assert before_midnight.status_code == 201, before_midnight.text
    assert before_midnight.json()["occurred_at"].startswith("2026-10-31T15:59:59")  # stored UTC
    after_midnight = order(world, "N-2", NOW, "2026-11-01T00:00:00+08:00")  # 31 Oct 16:00 UTC, but November
    assert after_midnight.status_code == 201, after_midnight.text
    now_order = order(world, "N-3", NOW, None)  # no time: now (November in Shanghai)
    assert now_order.status_code == 201, now_order.text
    session.rollback()
    rows = {o.external_id: o for o in session.scalars(select(Order))}
    assert rows["N-1"].occurred_at == datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC)
    assert rows["N-1"].created_at == NOW and rows["N-3"].occurred_at == rows["N-3"].created_at == NOW
    postings = {p.cause_id: p.occurred_at for p in session.scalars(select(Posting).where(Posting.cause == "order"))}
    assert postings[rows["N-1"].id] == rows["N-1"].occurred_at and postings[rows["N-2"].id] == rows["N-2"].occurred_at

    october = settlement.settle(session, SYSTEM, world.a.alliance_id, "2026-10", at=LATER)
    session.commit()
    assert order_lines(session, october) == 1  # only N-1's earn posting: the other two are November's
    with clock.fixed_at(datetime(2026, 12, 2, 2, tzinfo=UTC)):
        november = settlement.settle(session, SYSTEM, world.a.alliance_id, "2026-11")
        session.commit()
    assert order_lines(session, november) == 2
    assert not session.scalar(select(func.count()).select_from(StatementLine).where(StatementLine.late))
    verified = CliRunner().invoke(app, ["settle", "verify", "--period", "2026-10", "--database-url", db_url])
    assert verified.exit_code == 0, verified.output


def test_a_sale_in_a_settled_period_the_future_or_long_ago_is_refused_and_writes_nothing(
        world: World, session: Session) -> None:
    assert order(world, "S-0", NOW, None).status_code == 201
    settlement.settle(session, SYSTEM, world.a.alliance_id, "2026-10", at=LATER)
    session.commit()
    before = counts(session)
    settled = order(world, "S-1", LATER, "2026-10-31T23:00:00+08:00")
    assert settled.status_code == 422, settled.text
    error = settled.json()["error"]
    assert error["code"] == "occurred_in_settled_period" and "2026-10" in error["message"]
    future = order(world, "S-2", LATER, (LATER + timedelta(hours=1)).isoformat())
    assert (future.status_code, future.json()["error"]["code"]) == (422, "occurred_in_future")
    old = order(world, "S-3", LATER, "2024-01-01T12:00:00+08:00")
    assert (old.status_code, old.json()["error"]["code"]) == (422, "occurred_too_old")
    assert "code" not in old.json()["error"]["message"] and old.json()["error"]["message"]
    assert counts(session) == before  # nothing written
    skewed = order(world, "S-4", LATER, (LATER + timedelta(minutes=2)).isoformat())  # a till clock a bit ahead
    assert skewed.status_code == 201, skewed.text
    assert skewed.json()["occurred_at"].startswith(LATER.isoformat()[:19])  # never later than when recorded
    november = order(world, "S-5", LATER, "2026-11-01T00:00:00+08:00")  # the open month: fine
    assert november.status_code == 201, november.text


def test_in_a_batch_only_the_order_with_a_bad_time_is_refused(world: World, session: Session) -> None:
    assert order(world, "B-0", NOW, None).status_code == 201
    settlement.settle(session, SYSTEM, world.a.alliance_id, "2026-10", at=LATER)
    session.commit()
    before = counts(session)
    member = world.a.members[world.a.merchants[0]]
    with clock.fixed_at(LATER):
        r = world.client.post(f"{API}/orders/batch", headers=world.a.actors["staff1"].headers, json={"orders": [
            {"external_id": "B-1", "member_id": member, "amount_fen": 10_000, "occurred_at": "2026-11-04T20:00"},
            {"external_id": "B-2", "member_id": member, "amount_fen": 10_000, "occurred_at": "2026-10-30T20:00"},
            {"external_id": "B-3", "member_id": member, "amount_fen": 10_000, "occurred_at": "2027-01-01T00:00"},
            {"external_id": "B-4", "member_id": member, "amount_fen": 10_000},
        ]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["refused"]) == (2, 2)
    outcome = {x["index"]: x for x in body["results"]}
    assert outcome[0]["order"]["occurred_at"].startswith("2026-11-04T12:00")
    assert (outcome[1]["error"]["code"], outcome[1]["error"]["status"]) == ("occurred_in_settled_period", 422)
    assert outcome[2]["error"]["code"] == "occurred_in_future"
    assert counts(session) == (before[0] + 2, before[1] + 2)  # two orders, their earn postings


def test_a_refund_of_a_backdated_order_happens_now(world: World, session: Session) -> None:
    recorded = order(world, "R-1", LATER, "2026-11-01T09:00:00+08:00")
    assert recorded.status_code == 201, recorded.text
    with clock.fixed_at(LATER):
        r = world.client.post(f"{API}/orders/{recorded.json()['id']}/refunds",
                              headers=world.a.actors["staff1"].headers,
                              json={"external_id": "RF-1", "amount_fen": 10_000})
    assert r.status_code == 201, r.text
    session.rollback()
    refunds = list(session.scalars(select(Posting).where(Posting.cause != "order")))
    assert refunds and all(p.occurred_at == p.created_at == LATER for p in refunds)
