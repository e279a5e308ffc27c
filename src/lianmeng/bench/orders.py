"""`lianmeng bench orders`: the order transaction under concurrency, against pgbench's TPC-B on the same server.

Phases:

1. **Setup.** Migrate, then create an alliance of the bench's own (code ``bench-<UTC time>-<hex>``): one merchant,
   store and shopping guide per worker, and `members_per_worker` members enrolled at each merchant. The first
   `shared_pct` % of each merchant's members are also enrolled at the next merchant (worker w+1), so two workers
   spend and earn on the same member rows and the points path meets real row contention. Every member is seeded
   through the services with a ¥1,000 top-up at its merchant and a ¥1,000 order (1,000 points). The alliance is
   left in place after the run: it is the bench's own, and nothing else refers to it.
2. **Timed run.** `workers` threads, spread over `processes` processes, for `seconds`; each records orders at its
   own merchant with `orders.service.record_orders` (the write path of `POST /api/v1/orders` and
   `POST /api/v1/orders/batch`), `batch` orders per transaction.
3. **Baseline.** ``pgbench -i`` into a scratch database on the same server, TPC-B with as many clients for as long,
   then the scratch database is dropped.

Order mix (a seeded RNG per worker): amount ¥10–¥500; 20 % also spend 10–100 points; 10 % (the merchant's own
members only) pay ¥5–¥50 of it with stored value; every order earns points on what was not paid with points; orders
of members the previous worker's merchant referred (its shared members, about 9 %) carry that merchant and its guide
as referrer and credit a frozen commission under their agreement (5 % + ¥5 to the guide + 10 % operator share).
A worker draws members uniformly among those it may serve (its own and its neighbour's shared ones).

Group commit (`batch` > 1): one transaction holds `batch` orders. `record_orders` locks the batch's grants and kept
accounts once, in id order (so two batches never deadlock), admits each order against the locked balances before
writing anything (a refused order writes nothing and its batch-mates commit), then writes all of them with a fixed
number of statements. An order's latency runs from the moment its batch is handed over to the commit: batching adds
up to one batch of latency, the trade-off docs/benchmarks.md measures.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import queue
import random
import re
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lianmeng import migrate
from lianmeng.agreements.domain import CooperationMode
from lianmeng.agreements.models import Agreement
from lianmeng.alliances.models import Alliance
from lianmeng.auth.domain import Role
from lianmeng.bench import DEFAULT_BATCH, DEFAULT_MEMBERS_PER_WORKER, DEFAULT_PROCESSES, DEFAULT_SHARED_PCT
from lianmeng.db import begin_write, get_engine
from lianmeng.kit import clock, crypto, ids
from lianmeng.ledger import repository as ledger_repository
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.domain import Industry
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.orders.schemas import OrderCreate, TopUpCreate
from lianmeng.orders.service import record_order, record_orders, top_up
from lianmeng.tenancy import Principal

SEED_FEN = 100_000  # ¥1,000 of stored value and a ¥1,000 order (1,000 points) per member
SEED_CHUNK = 100  # members seeded per transaction
SPEND_SHARE = 0.20  # orders that spend points
STORED_VALUE_SHARE = 0.10  # orders that pay partly with stored value (own members only)
BAD_POINTS = 5_000_000  # what an injected bad order tries to spend: more than any member holds
PGBENCH_DB = "lianmeng_pgbench"
TPS_LINE = re.compile(r"tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)")


class BenchError(RuntimeError):
    """The bench cannot run as asked (missing pgbench, pgbench failed, bad settings)."""


@dataclass(frozen=True)
class BenchConfig:
    database_url: str
    workers: int = 8
    seconds: int = 10
    batch: int = DEFAULT_BATCH
    members_per_worker: int = DEFAULT_MEMBERS_PER_WORKER
    shared_pct: int = DEFAULT_SHARED_PCT
    migrate: bool = True
    baseline: bool = True
    pgbench_scale: int | None = None  # default: max(workers, 10), so clients rarely share a TPC-B branch row
    bad_every: int = 0  # every n-th order of a worker tries to overspend points (refused inside its batch)
    seed: int = 2024
    processes: int = DEFAULT_PROCESSES  # worker threads are spread over this many processes (each with its own pool)

    def __post_init__(self) -> None:
        if self.workers < 1 or self.seconds < 1 or self.batch < 1:
            raise BenchError("workers, seconds and batch must be at least 1")
        if self.processes < 1:
            raise BenchError("processes must be at least 1")
        if not 0 <= self.shared_pct <= 100:
            raise BenchError("shared_pct must be between 0 and 100")

    @property
    def is_postgres(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "postgresql"

    @property
    def scale(self) -> int:
        return self.pgbench_scale or max(self.workers, 10)


class Listener(Protocol):
    """What the bench reports while it runs (the CLI draws a Rich progress bar)."""

    def phase(self, description: str, total: float | None = None) -> None: ...

    def tick(self, done: float, orders: int) -> None: ...


class Quiet:
    def phase(self, description: str, total: float | None = None) -> None:
        return None

    def tick(self, done: float, orders: int) -> None:
        return None


@dataclass(frozen=True)
class Lane:
    """What one worker serves: its merchant, store and guide, and the members it may record orders for."""

    worker: int
    alliance_id: int
    merchant_id: int
    store_id: int
    staff_id: int
    own: tuple[int, ...]  # enrolled here first (origin): may also pay with stored value here
    shared: tuple[int, ...]  # the previous merchant's members also enrolled here
    referrer: tuple[int, int] | None = None  # (merchant, guide) of the previous worker, who referred `shared`

    def principal(self) -> Principal:
        return Principal(kind="user", id=self.staff_id, role=Role.STORE_STAFF, alliance_id=self.alliance_id,
                         merchant_id=self.merchant_id, store_id=self.store_id, staff_id=self.staff_id,
                         label="bench")


@dataclass(frozen=True)
class Fixture:
    alliance_id: int
    code: str
    lanes: list[Lane]


@dataclass
class WorkerStats:
    committed: int = 0
    refused: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    finished_at: float = 0.0

    def fail(self, error: Exception, orders: int) -> None:
        self.errors += orders
        if len(self.error_samples) < 3:
            self.error_samples.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")


@dataclass
class Tally:
    """One batch: when each order that will commit started, and how many were refused."""

    started: list[float] = field(default_factory=list)
    refused: int = 0


@dataclass(frozen=True)
class RunOutcome:
    orders: int
    refused: int
    errors: int
    elapsed_s: float
    latencies_ms: list[float]
    error_samples: list[str]


@dataclass(frozen=True)
class BenchResult:
    ours_tps: float
    baseline_tps: float | None
    ratio: float | None
    p50_ms: float | None
    p99_ms: float | None
    workers: int
    processes: int
    batch: int
    seconds: int
    orders: int
    refused: int
    errors: int
    elapsed_s: float
    database: str
    alliance_id: int
    alliance_code: str
    members: int
    pgbench_scale: int | None
    ledger_ok: bool
    error_samples: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "ours_tps": round(self.ours_tps, 1),
            "baseline_tps": None if self.baseline_tps is None else round(self.baseline_tps, 1),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "p50_ms": None if self.p50_ms is None else round(self.p50_ms, 2),
            "p99_ms": None if self.p99_ms is None else round(self.p99_ms, 2),
            "workers": self.workers, "processes": self.processes, "batch": self.batch, "seconds": self.seconds,
            "orders": self.orders, "refused": self.refused, "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 3),
            "database": self.database, "alliance_id": self.alliance_id, "alliance_code": self.alliance_code,
            "members": self.members, "pgbench_scale": self.pgbench_scale, "ledger_ok": self.ledger_ok,
            "error_samples": self.error_samples,
        }


# --- the whole run -----------------------------------------------------------------------------------------


def run_bench(config: BenchConfig, listener: Listener | None = None) -> BenchResult:
    """Set up, run the orders for `config.seconds`, then pgbench for as long; the alliance stays, the pgbench
    database is dropped."""
    listener = listener or Quiet()
    if config.baseline and not config.is_postgres:
        raise BenchError("the pgbench baseline needs PostgreSQL (use --skip-baseline)")
    pgbench = pgbench_path() if config.baseline else None
    if config.migrate:
        listener.phase("迁移 migrate")
        migrate.upgrade(config.database_url)
    engine, owned = bench_engine(config.database_url, config.workers)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        listener.phase("联盟 alliance")
        fixture = create_fixture(factory, config)
        listener.phase("会员积分 seed", total=len(fixture.lanes))
        seed_members(factory, fixture.lanes, listener)
        _checkpoint(engine)
        listener.phase("订单 orders", total=config.seconds)
        if min(config.processes, config.workers) > 1:
            outcome = timed_run_in_processes(fixture.lanes, config, listener)
        else:
            outcome = timed_run(factory, fixture.lanes, config, listener)
        listener.phase("账本核对 ledger check")
        with factory() as session:
            ledger_ok = not ledger_problems(session, fixture.alliance_id)
    finally:
        if owned:
            engine.dispose()
    baseline = run_pgbench(pgbench, config, listener) if pgbench is not None else None
    return _result(config, fixture, outcome, baseline, ledger_ok)


def _result(config: BenchConfig, fixture: Fixture, outcome: RunOutcome, baseline: float | None,
            ledger_ok: bool) -> BenchResult:
    ours = outcome.orders / outcome.elapsed_s if outcome.elapsed_s > 0 else 0.0
    ordered = sorted(outcome.latencies_ms)
    return BenchResult(
        ours_tps=ours, baseline_tps=baseline, ratio=ours / baseline if baseline else None,
        p50_ms=percentile(ordered, 50), p99_ms=percentile(ordered, 99), workers=config.workers,
        processes=min(config.processes, config.workers),
        batch=config.batch, seconds=config.seconds, orders=outcome.orders, refused=outcome.refused,
        errors=outcome.errors, elapsed_s=outcome.elapsed_s,
        database=make_url(config.database_url).render_as_string(hide_password=True),
        alliance_id=fixture.alliance_id, alliance_code=fixture.code,
        members=sum(len(lane.own) for lane in fixture.lanes),
        pgbench_scale=config.scale if baseline is not None else None, ledger_ok=ledger_ok,
        error_samples=outcome.error_samples,
    )


def percentile(ordered: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of sorted values; None when there are none."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def bench_engine(url: str, workers: int) -> tuple[Engine, bool]:
    """(engine, owned). PostgreSQL: a pool of the bench's own, a connection per worker plus slack, without the
    app's pre-ping (measure the transaction, not the pool's liveness probe). SQLite: the application's engine,
    for its WAL and BEGIN IMMEDIATE hooks."""
    if make_url(url).get_backend_name() != "postgresql":
        return get_engine(url), False
    engine = create_engine(url, pool_size=workers + 2, max_overflow=0,
                           json_serializer=lambda obj: json.dumps(obj, ensure_ascii=False))
    return engine, True


def _checkpoint(engine: Engine) -> None:
    """Start each timed phase without a pending checkpoint from the previous one (best effort: needs rights)."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))
    except SQLAlchemyError:
        pass


# --- setup: an alliance of the bench's own -----------------------------------------------------------------


def create_fixture(factory: sessionmaker[Session], config: BenchConfig) -> Fixture:
    """The alliance, a merchant, store and guide per worker, members and memberships (bulk), committed."""
    with factory() as session:
        begin_write(session)
        now = clock.now()
        code = f"bench-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        alliance = Alliance(code=code, name=f"压测联盟 {code}", city="深圳",
                            description="Created by `lianmeng bench orders`; safe to delete.")
        session.add(alliance)
        session.flush()
        places = [_add_merchant(session, alliance.id, w) for w in range(config.workers)]
        own = [
            _add_members(session, alliance.id, place, w * config.members_per_worker, config.members_per_worker)
            for w, place in enumerate(places)
        ]
        shared = [members[: len(members) * config.shared_pct // 100] for members in own]
        _add_memberships(session, alliance.id, places, own, shared)
        ring = config.workers > 1
        if ring:
            _add_agreements(session, alliance.id, places)
        session.commit()
        lanes = [
            Lane(worker=w, alliance_id=alliance.id, merchant_id=place[0], store_id=place[1], staff_id=place[2],
                 own=tuple(own[w]), shared=tuple(shared[w - 1]) if ring else (),
                 referrer=(places[w - 1][0], places[w - 1][2]) if ring else None)
            for w, place in enumerate(places)
        ]
        return Fixture(alliance.id, code, lanes)


def _add_merchant(session: Session, alliance_id: int, worker: int) -> tuple[int, int, int]:
    industries = list(Industry)
    merchant = Merchant(alliance_id=alliance_id, name=f"压测商户 {worker + 1}",
                        industry=industries[worker % len(industries)].value, brand_tags=["压测"], rating=4.5,
                        years_in_business=3, status="active", contact_name="bench", description="bench")
    session.add(merchant)
    session.flush()
    store = Store(alliance_id=merchant.alliance_id,
                  merchant_id=merchant.id, name=f"压测门店 {worker + 1}", address="深南大道 1 号",
                  district="福田区", latitude=22.54, longitude=114.05, active=True)
    session.add(store)
    session.flush()
    staff = Staff(alliance_id=merchant.alliance_id,
                  merchant_id=merchant.id, store_id=store.id, name=f"导购 {worker + 1}", role="shopping_guide",
                  active=True)
    session.add(staff)
    session.flush()
    return merchant.id, store.id, staff.id


def _add_agreements(session: Session, alliance_id: int, places: list[tuple[int, int, int]]) -> None:
    """Each merchant refers its shared members to the next one, which pays 5 % to the referring merchant, ¥5 to
    its guide and 10 % of that to the operator, frozen for 7 days."""
    today = clock.today_in_shanghai()
    term = {"kind": "percent_of_order", "payer": "b", "payee": "both", "rate_bp": 500, "staff_amount_fen": 500,
            "operator_rate_bp": 1_000, "min_order_fen": 0, "first_order_only": False}
    for w, place in enumerate(places):
        session.add(Agreement(alliance_id=alliance_id, title=f"压测互推 {w}→{(w + 1) % len(places)}",
                              merchant_a_id=places[w - 1][0], merchant_b_id=place[0],
                              modes=[CooperationMode.RIGHTS_EXCHANGE.value], commission_terms=[term],
                              return_window_days=7, valid_from=today, status="active"))
    session.flush()


def _add_members(session: Session, alliance_id: int, place: tuple[int, int, int], first: int,
                 count: int) -> list[int]:
    """Bulk INSERT … RETURNING, phones stored as members.service stores them."""
    merchant_id, store_id, staff_id = place
    now = clock.now()
    cards = _free_card_numbers(session, count)
    rows = []
    for i, card_no in zip(range(first, first + count), cards, strict=True):
        phone = f"139{i:08d}"
        rows.append({
            "alliance_id": alliance_id, "card_no": card_no, "qr_version": 1, "phone_enc": crypto.encrypt(phone),
            "phone_hash": members_repo.phone_hash(alliance_id, phone), "phone_masked": crypto.mask_phone(phone),
            "name": f"压测会员 {i + 1}", "gender": "undisclosed", "status": "active", "consent_marketing": False,
            "consent_data_sharing": False, "origin_merchant_id": merchant_id, "origin_store_id": store_id,
            "origin_staff_id": staff_id, "created_at": now, "updated_at": now,
        })
    statement = insert(Member).returning(Member.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows).all())


def _free_card_numbers(session: Session, count: int) -> list[str]:
    """Fresh random card numbers not held by any member yet."""
    cards: set[str] = set()
    while len(cards) < count:
        wanted = {ids.new_card_number() for _ in range(count - len(cards))} - cards
        taken = set(session.scalars(select(Member.card_no).where(Member.card_no.in_(wanted))))
        cards |= wanted - taken
    return sorted(cards)


def _add_memberships(session: Session, alliance_id: int, places: list[tuple[int, int, int]], own: list[list[int]],
                     shared: list[list[int]]) -> None:
    now = clock.now()
    pairs = [(member, place[0]) for place, members in zip(places, own, strict=True) for member in members]
    if len(places) > 1:
        pairs += [(member, places[(w + 1) % len(places)][0]) for w, members in enumerate(shared) for member in members]
    rows = [{"alliance_id": alliance_id,
             "member_id": member, "merchant_id": merchant, "tier": "standard", "joined_at": now, "created_at": now,
             "updated_at": now} for member, merchant in pairs]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Membership), rows[start : start + 1000])


def seed_members(factory: sessionmaker[Session], lanes: list[Lane], listener: Listener) -> None:
    """Each member gets stored value and points through the services, lanes in parallel."""
    done = 0
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="bench-seed") as pool:
        for future in [pool.submit(_seed_lane, factory, lane) for lane in lanes]:
            future.result()
            done += 1
            listener.tick(done, 0)


def _seed_lane(factory: sessionmaker[Session], lane: Lane) -> None:
    principal = lane.principal()
    for start in range(0, len(lane.own), SEED_CHUNK):
        with factory() as session:
            begin_write(session)
            for member_id in lane.own[start : start + SEED_CHUNK]:
                key = f"seed-{member_id}"
                top_up(session, principal, TopUpCreate(external_id=key, member_id=member_id, amount_fen=SEED_FEN))
                record_order(session, principal, OrderCreate(external_id=key, member_id=member_id,
                                                             amount_fen=SEED_FEN))
            session.commit()


# --- the timed run -----------------------------------------------------------------------------------------


class OrderDrafts:
    """The orders one worker records: seeded; a batch may name a member twice (the second order sees the first's
    effect on the locked balances)."""

    def __init__(self, lane: Lane, seed: int, bad_every: int = 0) -> None:
        self.lane = lane
        self.rng = random.Random(seed * 10_007 + lane.worker)
        self.pool = sorted(set(lane.own) | set(lane.shared))
        self.own = frozenset(lane.own)
        self.bad_every = bad_every
        self.seq = 0

    def batch(self, size: int) -> list[OrderCreate]:
        return [self.draft(member_id) for member_id in self.rng.choices(self.pool, k=size)]

    def draft(self, member_id: int) -> OrderCreate:
        self.seq += 1
        external_id = f"w{self.lane.worker}-{self.seq}"
        if self.bad_every and self.seq % self.bad_every == 0:  # refused after its order row is written
            return OrderCreate(external_id=external_id, member_id=member_id, amount_fen=2 * BAD_POINTS,
                               points_used=BAD_POINTS)
        amount = self.rng.randint(1_000, 50_000)
        roll = self.rng.random()
        points = self.rng.randint(10, 100) if roll < SPEND_SHARE else 0
        paid_by_card = roll >= 1 - STORED_VALUE_SHARE and member_id in self.own
        stored_value = min(amount, self.rng.randint(500, 5_000)) if paid_by_card else 0
        referrer = None if member_id in self.own else self.lane.referrer  # the neighbour sent this member here
        return OrderCreate(external_id=external_id, member_id=member_id, amount_fen=amount, points_used=points,
                           stored_value_fen=stored_value, referrer_merchant_id=referrer and referrer[0],
                           referrer_staff_id=referrer and referrer[1])


def record_batch(session: Session, principal: Principal, orders: Sequence[OrderCreate], began: float) -> Tally:
    """Record `orders` in the session's transaction with `record_orders` (the API's write path); the caller
    commits. A refused order writes nothing and its batch-mates are recorded."""
    tally = Tally()
    for recorded in record_orders(session, principal, orders):
        if recorded.error is not None:
            tally.refused += 1
        else:
            tally.started.append(began)
    return tally


def commit_batch(factory: sessionmaker[Session], principal: Principal, orders: Sequence[OrderCreate],
                 stats: WorkerStats) -> None:
    """One transaction: the batch, then COMMIT; each committed order's latency runs from the moment the batch
    was handed over to its commit."""
    began = time.perf_counter()
    with factory() as session:
        try:
            begin_write(session)
            tally = record_batch(session, principal, orders, began)
            session.commit()
        except Exception as error:  # the transaction is lost: every order in it counts as an error
            session.rollback()
            stats.fail(error, len(orders))
            return
    committed = time.perf_counter()
    stats.committed += len(tally.started)
    stats.refused += tally.refused
    stats.latencies_ms.extend((committed - began) * 1000 for began in tally.started)


class Window:
    """The timed window: opened by the start barrier, closed by the clock or by an interrupt."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.start = 0.0
        self.stop = threading.Event()

    def open(self) -> None:
        self.start = time.perf_counter()

    def over(self) -> bool:
        return self.stop.is_set() or time.perf_counter() - self.start >= self.seconds


def _work(factory: sessionmaker[Session], drafts: OrderDrafts, batch: int, barrier: threading.Barrier,
          window: Window, stats: WorkerStats) -> None:
    principal = drafts.lane.principal()
    barrier.wait()
    try:
        while not window.over():
            commit_batch(factory, principal, drafts.batch(batch), stats)
    finally:
        stats.finished_at = time.perf_counter()


def timed_run(factory: sessionmaker[Session], lanes: list[Lane], config: BenchConfig,
              listener: Listener) -> RunOutcome:
    """All workers start together and stop taking new batches after `config.seconds`; a batch under way
    finishes, and the elapsed time includes it."""
    window = Window(config.seconds)
    barrier = threading.Barrier(len(lanes), action=window.open)
    stats = [WorkerStats() for _ in lanes]
    threads = [
        threading.Thread(target=_work, name=f"bench-{lane.worker}", daemon=True,
                         args=(factory, OrderDrafts(lane, config.seed, config.bad_every), config.batch, barrier,
                               window, worker_stats))
        for lane, worker_stats in zip(lanes, stats, strict=True)
    ]
    for thread in threads:
        thread.start()
    try:
        _watch(threads, window, stats, listener)
    except BaseException:
        window.stop.set()
        raise
    finally:
        for thread in threads:
            thread.join()
    elapsed = max(s.finished_at for s in stats) - window.start
    return RunOutcome(
        orders=sum(s.committed for s in stats), refused=sum(s.refused for s in stats),
        errors=sum(s.errors for s in stats), elapsed_s=elapsed,
        latencies_ms=[ms for s in stats for ms in s.latencies_ms],
        error_samples=[sample for s in stats for sample in s.error_samples][:5],
    )


def combine(outcomes: Sequence[RunOutcome]) -> RunOutcome:
    """One outcome for workers that ran in several processes over the same window."""
    return RunOutcome(
        orders=sum(o.orders for o in outcomes), refused=sum(o.refused for o in outcomes),
        errors=sum(o.errors for o in outcomes), elapsed_s=max(o.elapsed_s for o in outcomes),
        latencies_ms=[ms for o in outcomes for ms in o.latencies_ms],
        error_samples=[sample for o in outcomes for sample in o.error_samples][:5],
    )


def timed_run_in_processes(lanes: list[Lane], config: BenchConfig, listener: Listener) -> RunOutcome:
    """The same timed run with the workers spread over `config.processes` processes (as an API served by several
    worker processes would be), so Python's GIL does not cap the client at one core. They start on one barrier."""
    context = multiprocessing.get_context("spawn")
    processes = min(config.processes, config.workers)
    barrier = context.Barrier(processes)
    results: multiprocessing.Queue[RunOutcome | str] = context.Queue()
    children = [context.Process(target=_process_main, name=f"bench-process-{p}",
                                args=(lanes[p::processes], config, barrier, results))
                for p in range(processes)]
    for child in children:
        child.start()
    began = time.perf_counter()
    outcomes: list[RunOutcome] = []
    try:
        while len(outcomes) < len(children):
            try:
                got = results.get(timeout=0.2)
            except queue.Empty:
                if not any(child.is_alive() for child in children):
                    raise BenchError("a bench process died without a result") from None
                listener.tick(min(time.perf_counter() - began, float(config.seconds)), 0)
                continue
            if isinstance(got, str):
                raise BenchError(f"a bench process failed: {got}")
            outcomes.append(got)
    finally:
        for child in children:
            child.join(timeout=5)
            if child.is_alive():
                child.terminate()
    return combine(outcomes)


def _process_main(lanes: list[Lane], config: BenchConfig, barrier: Any, results: Any) -> None:
    engine, _ = bench_engine(config.database_url, len(lanes))
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        barrier.wait()
        results.put(timed_run(factory, lanes, config, Quiet()))
    except Exception as error:  # reported to the parent, which stops the bench with it
        results.put(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def _watch(threads: list[threading.Thread], window: Window, stats: list[WorkerStats], listener: Listener) -> None:
    while any(thread.is_alive() for thread in threads):
        threads[0].join(timeout=0.2)
        if window.start:
            elapsed = min(time.perf_counter() - window.start, float(window.seconds))
            listener.tick(elapsed, sum(s.committed for s in stats))


# --- invariants ----------------------------------------------------------------------------------------------


def ledger_problems(session: Session, alliance_id: int) -> list[str]:
    """Postings that do not balance per unit, and kept balances that differ from the sum of their entries."""
    return ledger_repository.invariant_problems(session, alliance_id)


# --- the baseline: pgbench's TPC-B on the same server ------------------------------------------------------


def pgbench_path() -> str:
    found = shutil.which("pgbench") or ("/usr/bin/pgbench" if os.path.exists("/usr/bin/pgbench") else None)
    if found is None:
        raise BenchError("pgbench not found (install postgresql-client, or use --skip-baseline)")
    return found


def pgbench_connection(url: str, database: str) -> tuple[list[str], dict[str, str]]:
    """pgbench's connection arguments and environment for the server in a SQLAlchemy URL."""
    parsed = make_url(url)
    args: list[str] = []
    if parsed.host:
        args += ["-h", parsed.host]
    if parsed.port:
        args += ["-p", str(parsed.port)]
    if parsed.username:
        args += ["-U", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return [*args, database], env


def parse_tps(output: str) -> float:
    match = TPS_LINE.search(output)
    if match is None:
        raise BenchError(f"no tps line in pgbench output: {output[-300:]!r}")
    return float(match.group(1))


def run_pgbench(exe: str, config: BenchConfig, listener: Listener) -> float:
    """TPC-B (pgbench's default script) in a scratch database, created first and dropped after."""
    admin = create_engine(config.database_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    target, env = pgbench_connection(config.database_url, PGBENCH_DB)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PGBENCH_DB}"'))
            conn.execute(text(f'CREATE DATABASE "{PGBENCH_DB}"'))
        try:
            listener.phase("pgbench -i", total=None)
            _run(exe, ["-i", "-q", "-s", str(config.scale), *target], env, None)
            _checkpoint(admin)
            listener.phase("pgbench TPC-B", total=config.seconds)
            clients = ["-c", str(config.workers), "-j", str(min(config.workers, 2))]
            output = _run(exe, [*clients, "-T", str(config.seconds), "-M", "prepared", *target], env, listener.tick)
            return parse_tps(output)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PGBENCH_DB}"'))
    finally:
        admin.dispose()


def _run(exe: str, args: list[str], env: dict[str, str], tick: Callable[[float, int], None] | None) -> str:
    started = time.perf_counter()
    with subprocess.Popen([exe, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        while True:
            try:
                out, err = process.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if tick is not None:
                    tick(time.perf_counter() - started, 0)
    if process.returncode != 0:
        raise BenchError(f"pgbench {' '.join(args[:2])} failed ({process.returncode}): {err.strip()[-500:]}")
    return out + err
