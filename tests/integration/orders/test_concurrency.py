"""Money safety under real concurrency (64 threads, 64 connections on PostgreSQL): the affordable number of
spends succeed, the rest get a clear 409, balances never go negative, and retries post once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.db import begin_write
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError
from lianmeng.ledger import service as ledger
from lianmeng.ledger.models import Posting
from lianmeng.orders import service
from lianmeng.orders.models import Order
from lianmeng.orders.schemas import OrderCreate, RefundCreate, TopUpCreate
from lianmeng.points.models import PointsGrant
from lianmeng.points.service import member_points
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.conftest import WORKERS


def clerk(world: World) -> Principal:
    m1 = world.a.merchants[0]
    actor = world.a.actors["staff1"]
    return Principal(kind="user", id=actor.user_id, role=Role.STORE_STAFF, alliance_id=world.a.alliance_id,
                     merchant_id=m1, store_id=world.a.stores[m1], staff_id=world.a.staff[m1], label=actor.username)


def race(engine: Engine, work: list[Callable[[Session], object]]) -> Counter[int]:
    """Run each piece of work in its own thread and transaction at once; count outcomes by HTTP status."""
    barrier = threading.Barrier(len(work))
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()

    def run(job: Callable[[Session], object]) -> None:
        with Session(bind=engine) as s:
            barrier.wait()
            try:
                begin_write(s)
                job(s)
                s.commit()
                status = 201
            except AppError as error:
                s.rollback()
                status = error.status_code
        with lock:
            outcomes[status] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def seed_points(session: Session, world: World, points: int) -> int:
    member = world.a.members[world.a.merchants[0]]
    begin_write(session)
    service.record_order(session, clerk(world), OrderCreate(external_id="seed", member_id=member,
                                                            amount_fen=points * 100))
    session.commit()
    return member


def test_64_concurrent_points_spends(world: World, session: Session, wide_engine: Engine) -> None:
    member = seed_points(session, world, 1_000)
    principal = clerk(world)

    def spend(n: int) -> Callable[[Session], object]:
        return lambda s: service.record_order(s, principal, OrderCreate(
            external_id=f"pts-{n}", member_id=member, amount_fen=30, points_used=30))

    outcomes = race(wide_engine, [spend(n) for n in range(WORKERS)])
    assert outcomes == Counter({201: 33, 409: 31})  # 33 × 30 = 990 of 1,000 points
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, member_points(member)) == 10
    remaining = session.scalar(select(func.sum(PointsGrant.remaining)).where(PointsGrant.member_id == member))
    assert remaining == 10


def test_64_concurrent_stored_value_spends(world: World, session: Session, wide_engine: Engine) -> None:
    member = world.a.members[world.a.merchants[0]]
    principal = clerk(world)
    begin_write(session)
    service.top_up(session, principal, TopUpCreate(external_id="t", member_id=member, amount_fen=10_000))
    session.commit()

    def spend(n: int) -> Callable[[Session], object]:
        return lambda s: service.record_order(s, principal, OrderCreate(
            external_id=f"sv-{n}", member_id=member, amount_fen=300, stored_value_fen=300))

    outcomes = race(wide_engine, [spend(n) for n in range(WORKERS)])
    assert outcomes == Counter({201: 33, 409: 31})
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, service.member_stored_value(member, principal.merchant_id
                                                                                    or 0)) == 100


def test_64_concurrent_retries_of_one_order_post_once(world: World, session: Session, wide_engine: Engine) -> None:
    member = seed_points(session, world, 1_000)
    principal = clerk(world)
    body = OrderCreate(external_id="till-retry", member_id=member, amount_fen=50_000, points_used=100)
    outcomes = race(wide_engine, [lambda s: service.record_order(s, principal, body)] * WORKERS)
    assert outcomes == Counter({201: WORKERS})  # every retry answers with the one order
    session.rollback()
    assert session.scalar(select(func.count(Order.id)).where(Order.external_id == "till-retry")) == 1
    assert ledger.balance(session, world.a.alliance_id, member_points(member)) == 1_000 - 100 + 499  # ¥499 cash


def test_64_concurrent_refund_retries_post_once(world: World, session: Session, wide_engine: Engine) -> None:
    member = seed_points(session, world, 1_000)
    principal = clerk(world)
    begin_write(session)
    order = service.record_order(session, principal, OrderCreate(external_id="o", member_id=member,
                                                                 amount_fen=20_000, points_used=200))
    session.commit()
    body = RefundCreate(external_id="r", amount_fen=10_000)
    outcomes = race(wide_engine, [lambda s: service.refund_order(s, principal, order.id, body)] * WORKERS)
    assert outcomes[201] >= 1 and set(outcomes) <= {201, 409}
    session.rollback()
    refunded = session.scalar(select(Order.refunded_fen).where(Order.id == order.id))
    assert refunded == 10_000
    # 1,000 seeded − 200 spent + 198 earned; the refund restores 100 and takes back 99
    assert ledger.balance(session, world.a.alliance_id, member_points(member)) == 1_000 - 200 + 198 + 100 - 99


def test_concurrent_job_runs_change_nothing_twice(world: World, session: Session, db_url: str) -> None:
    member = seed_points(session, world, 500)
    later = clock.now() + timedelta(days=800)
    results: list[int] = []

    def job() -> None:
        results.append(run_all(db_url, at=later).points_expired)

    threads = [threading.Thread(target=job) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 500
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, member_points(member)) == 0
    assert session.scalar(select(func.count(Posting.id)).where(Posting.cause == "expiry")) == 1
