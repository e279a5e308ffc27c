"""`lianmeng bench targeting`: the targeting features at scale on PostgreSQL — for now the member value model
(`model_s`: the full recompute; `model_incremental_s`: the job's run after 1% new orders).

The bench owns its database (created when missing, ``public`` schema dropped and migrated, so the name must
contain ``bench``), like `bench settle` and `bench overlap`. It generates one alliance set-based (``generate_series``
and ``INSERT … SELECT``; no row loop in Python):

* N members, each with 1–7 orders (skewed towards few, ~2.5 on average), over 500 merchants: most orders at a
  "home" merchant drawn with a skew towards low numbers (large and small merchants), the rest anywhere; dated over
  the last 400 days (some age out of the 365-day window), amounts skewed towards small tickets.
* The tables' secondary indexes and foreign keys are dropped for the load and recreated after it, then VACUUM
  ANALYZE.

The result is a flat dict of figures. It is meant to grow: each later part of the targeting work (audiences,
sends, the results page) adds a `Step` to `STEPS` that returns its own figures (``audience_s``, ``send_per_s``,
``report_ms``) from the same generated alliance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lianmeng.alliances.models import Alliance
from lianmeng.bench.settle import Listener, Quiet, SettleBenchError, bulk_load, prepare_database
from lianmeng.db import begin_write
from lianmeng.kit import clock
from lianmeng.values import service as values

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench"
DEFAULT_MEMBERS = 1_000_000
DEFAULT_MERCHANTS = 500
NEW_ORDERS_PCT = 1.0  # new orders before the incremental run, as % of members
CHUNK_MEMBERS = 250_000
LOAD_TABLES = ("members", "orders")


class TargetingBenchError(RuntimeError):
    """The bench cannot run as asked (not PostgreSQL, a database it may not wipe, bad sizes)."""


@dataclass(frozen=True)
class TargetingConfig:
    database_url: str = DEFAULT_URL
    members: int = DEFAULT_MEMBERS
    merchants: int = DEFAULT_MERCHANTS
    seed: int = 13

    def __post_init__(self) -> None:
        if make_url(self.database_url).get_backend_name() != "postgresql":
            raise TargetingBenchError("bench targeting needs PostgreSQL (a postgresql+psycopg:// URL)")
        if self.members < 1 or self.merchants < 2:
            raise TargetingBenchError("members ≥ 1 and merchants ≥ 2")


@dataclass
class Bench:
    """What every step works on: the generated alliance, its engine and session factory, the run's figures."""

    config: TargetingConfig
    engine: Engine
    factory: sessionmaker[Session]
    alliance_id: int
    listener: Listener
    figures: dict[str, Any]


Step = Callable[[Bench], dict[str, Any]]


def run_targeting_bench(config: TargetingConfig, listener: Listener | None = None,
                        steps: list[Step] | None = None) -> dict[str, Any]:
    """Wipe and migrate the bench database, generate the alliance, run each step; the figures of all steps."""
    listener = listener or Quiet()
    listener.phase("数据库 database")
    try:
        prepare_database(config.database_url)
    except SettleBenchError as error:
        raise TargetingBenchError(str(error).replace("bench settle", "bench targeting")) from None
    engine = create_engine(config.database_url, poolclass=NullPool)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        started = time.perf_counter()
        alliance_id = generate(engine, factory, config, listener)
        with engine.connect() as conn:
            orders = int(conn.scalar(text("SELECT count(*) FROM orders")) or 0)
        figures: dict[str, Any] = {
            "members": config.members, "merchants": config.merchants, "orders": orders,
            "generate_s": round(time.perf_counter() - started, 1), "alliance_id": alliance_id,
            "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
            "database": make_url(config.database_url).render_as_string(hide_password=True)}
        bench = Bench(config, engine, factory, alliance_id, listener, figures)
        for step in steps if steps is not None else STEPS:
            figures.update(step(bench))
        figures["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
        return figures
    finally:
        engine.dispose()


# --- generation, set-based --------------------------------------------------------------------------------------


def generate(engine: Engine, factory: sessionmaker[Session], config: TargetingConfig, listener: Listener) -> int:
    listener.phase("商户 merchants")
    with factory() as session:
        begin_write(session)
        code = f"bench-targeting-{clock.now():%Y%m%d-%H%M%S}"
        alliance = Alliance(code=code, name=f"精准营销压测联盟 {code}", city="上海",
                            description="Created by `lianmeng bench targeting`; the database is the bench's own.")
        session.add(alliance)
        session.commit()
        alliance_id = alliance.id
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO merchants (id, alliance_id, name, industry, brand_tags, rating, years_in_business, status, "
            "contact_name, description, created_at, updated_at) "
            "SELECT g, :a, '压测商户 ' || g, (ARRAY['dining','retail_mall','beauty','fitness','auto_service','home'])"
            "[1 + g % 6], CAST('[]' AS json), 4.5, 3, 'active', '', '', now(), now() "
            "FROM generate_series(1, CAST(:n AS integer)) g"), {"a": alliance_id, "n": config.merchants})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('merchants', 'id'), (SELECT max(id) FROM merchants))"))
        conn.execute(text("SELECT setseed(:s)"), {"s": (config.seed % 1000) / 1000})
    now = clock.now()
    with bulk_load(engine, listener, LOAD_TABLES):
        listener.phase("会员 members, orders", total=config.members)
        for lo in range(1, config.members + 1, CHUNK_MEMBERS):
            hi = min(lo + CHUNK_MEMBERS - 1, config.members)
            with engine.begin() as conn:
                _members(conn, alliance_id, lo, hi)
                _orders(conn, alliance_id, config.merchants, lo, hi, now)
            listener.tick(hi, f"{hi:,} members")
    listener.phase("VACUUM ANALYZE")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("members", "orders"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        for table in (*LOAD_TABLES, "merchants", "alliances"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return alliance_id


def _members(conn: Any, alliance_id: int, lo: int, hi: int) -> None:
    """Members lo..hi: no real phone (the bench never needs one), a unique placeholder hash and card number."""
    conn.execute(text(
        "INSERT INTO members (id, alliance_id, card_no, qr_version, phone_enc, phone_hash, phone_masked, gender, "
        "status, consent_marketing, consent_data_sharing, offers_refused, origin_merchant_id, created_at, "
        "updated_at) "
        "SELECT g, :a, lpad(g::text, 16, '0'), 1, '', 'bench-' || g, '', 'undisclosed', 'active', true, true, "
        "false, NULL, now(), now() FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g"),
        {"a": alliance_id, "lo": lo, "hi": hi})


ORDERS_SQL = (
    "INSERT INTO orders (alliance_id, merchant_id, member_id, external_id, amount_fen, cash_fen, stored_value_fen, "
    "  points_used, points_value_fen, points_earned, items, refunded_fen, recorded_by, created_at) "
    "SELECT :a, merchant, m, 'b' || m || '-' || j || '-' || :tag, amount, amount, 0, 0, 0, 0, CAST('[]' AS json), "
    "  0, 'bench', CAST(:now AS timestamptz) - make_interval(secs => age_s) "
    "FROM (SELECT m, j, "
    "    CASE WHEN random() < 0.7 THEN home ELSE 1 + floor(random() * :n)::int END AS merchant, "
    "    1000 + floor(power(random(), 4) * 2000000)::bigint AS amount, "
    "    floor(random() * :span_s)::int AS age_s "
    "  FROM (SELECT m, 1 + floor(power(random(), 2) * :n)::int AS home, "
    "          1 + floor(power(random(), 2) * 7)::int AS c "
    "        FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) m) members "
    "  CROSS JOIN LATERAL generate_series(1, c) j) o")


def _orders(conn: Any, alliance_id: int, merchants: int, lo: int, hi: int, now: datetime) -> None:
    conn.execute(text(ORDERS_SQL), {"a": alliance_id, "n": merchants, "lo": lo, "hi": hi, "now": now, "tag": "g",
                                    "span_s": 400 * 86400})


def add_orders(engine: Engine, alliance_id: int, members: int, merchants: int, count: int, now: datetime) -> int:
    """`count` new orders of random members at random merchants, dated in the last hour (between two runs)."""
    with engine.begin() as conn:
        added = conn.execute(text(
            "INSERT INTO orders (alliance_id, merchant_id, member_id, external_id, amount_fen, cash_fen, "
            "  stored_value_fen, points_used, points_value_fen, points_earned, items, refunded_fen, recorded_by, "
            "  created_at) "
            "SELECT :a, 1 + floor(random() * :n)::int, 1 + floor(random() * :m)::int, :tag || g, amount, amount, "
            "  0, 0, 0, 0, CAST('[]' AS json), 0, 'bench', CAST(:now AS timestamptz) - make_interval(secs => "
            "  floor(random() * 3600)::int) "
            "FROM (SELECT g, 1000 + floor(power(random(), 4) * 2000000)::bigint AS amount "
            "      FROM generate_series(1, CAST(:c AS integer)) g) s"),
            {"a": alliance_id, "n": merchants, "m": members, "c": count, "now": now,
             "tag": f"new-{now:%Y%m%d%H%M%S%f}-"}).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE orders"))
    return int(added or 0)


# --- the steps ----------------------------------------------------------------------------------------------------


def _timed_refresh(bench: Bench, at: datetime, full: bool) -> tuple[float, values.RefreshReport]:
    """`values.service.refresh` in a transaction of its own, commit included."""
    with bench.factory() as session:
        started = time.perf_counter()
        begin_write(session)
        report = values.refresh(session, bench.alliance_id, at=at, full=full)
        session.commit()
        return time.perf_counter() - started, report


def value_model(bench: Bench) -> dict[str, Any]:
    """The full recompute (first run: every row written and scored), then 1% new orders and the job's run."""
    at = clock.now()
    bench.listener.phase("价值模型 value model (full)")
    full_s, full = _timed_refresh(bench, at, full=True)
    with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE member_values, member_value_history"))
        rows = int(conn.scalar(text("SELECT count(*) FROM member_values")) or 0)
    bench.listener.phase("新订单 new orders")
    cfg = bench.config
    added = add_orders(bench.engine, bench.alliance_id, cfg.members, cfg.merchants,
                       max(1, int(cfg.members * NEW_ORDERS_PCT / 100)), at)
    bench.listener.phase("价值模型 value model (incremental)")
    inc_s, inc = _timed_refresh(bench, at + timedelta(minutes=1), full=False)
    return {"model_s": round(full_s, 3), "model_incremental_s": round(inc_s, 3), "value_rows": rows,
            "model_history_rows": full.history_rows, "new_orders": added,
            "incremental_members": inc.members, "incremental_rows_rewritten": inc.rows_rewritten,
            "incremental_history_rows": inc.history_rows}


STEPS: list[Step] = [value_model]
