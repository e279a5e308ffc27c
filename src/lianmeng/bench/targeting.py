"""`lianmeng bench targeting`: the targeting features at scale on PostgreSQL — the member value model (`model_s`:
the full recompute; `model_incremental_s`: the job's run after 1% new orders), an audience of rules counted and
materialised (`audience_s`), an offer of 100,000 members sent by the job (`send_per_s`) and its results read as
the API reads them (`report_ms`, p95). Goals: model_s ≤ 60, audience_s ≤ 5, send_per_s ≥ 2,000, report_ms ≤ 200.

The bench owns its database (created when missing, ``public`` schema dropped and migrated, so the name must
contain ``bench``), like `bench settle` and `bench overlap`. It generates one alliance set-based (``generate_series``
and ``INSERT … SELECT``; no row loop in Python):

* N members, each with 1–7 orders (skewed towards few, ~2.5 on average), over 500 merchants: most orders at a
  "home" merchant drawn with a skew towards low numbers (large and small merchants), the rest anywhere; dated over
  the last 400 days (some age out of the 365-day window), amounts skewed towards small tickets.
* The tables' secondary indexes and foreign keys are dropped for the load and recreated after it, then VACUUM
  ANALYZE.

The result is a flat dict of figures, each step adding its own.
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

from lianmeng.audiences import service as audiences
from lianmeng.audiences.domain import AudienceRules
from lianmeng.audiences.models import Audience
from lianmeng.bench.settle import Listener, Quiet, SettleBenchError, bench_alliance, bulk_load, prepare_database
from lianmeng.bench.targeting_report import time_report
from lianmeng.bench.targeting_send import time_send
from lianmeng.db import begin_write
from lianmeng.kit import clock
from lianmeng.values import service as values
from lianmeng.values.domain import RfmClass

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench"
DEFAULT_MEMBERS = 1_000_000
DEFAULT_MERCHANTS = 500
DEFAULT_RECIPIENTS = 100_000  # the offer sent (send_per_s) and the offer reported (report_ms)
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
    recipients: int = DEFAULT_RECIPIENTS
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
    alliance_id = bench_alliance(factory, "targeting", "精准营销压测联盟")
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
    "  points_used, points_value_fen, points_earned, items, refunded_fen, recorded_by, created_at, occurred_at) "
    "SELECT :a, merchant, m, 'b' || m || '-' || j || '-' || :tag, amount, amount, 0, 0, 0, 0, CAST('[]' AS json), "
    "  0, 'bench', CAST(:now AS timestamptz) - make_interval(secs => age_s), "
    "  CAST(:now AS timestamptz) - make_interval(secs => age_s) "
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
            "  created_at, occurred_at) "
            "SELECT :a, 1 + floor(random() * :n)::int, 1 + floor(random() * :m)::int, :tag || g, amount, amount, "
            "  0, 0, 0, 0, CAST('[]' AS json), 0, 'bench', at, at "
            "FROM (SELECT g, 1000 + floor(power(random(), 4) * 2000000)::bigint AS amount, "
            "      CAST(:now AS timestamptz) - make_interval(secs => floor(random() * 3600)::int) AS at "
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


IMPORTANT = [RfmClass.IMPORTANT_VALUE, RfmClass.IMPORTANT_DEVELOP, RfmClass.IMPORTANT_RETAIN,
             RfmClass.IMPORTANT_WINBACK]


def audience(bench: Bench) -> dict[str, Any]:
    """An audience of rules at the busiest merchant (its important classes, 2 stars or more, marketing consent):
    the live count, then its members materialised, as an offer's assignment reads them. Members hold a membership
    where they bought (written before the clock starts; the generator leaves memberships out)."""
    bench.listener.phase("人群 audience")
    with bench.engine.begin() as conn:
        merchant = int(conn.scalar(text(
            "SELECT merchant_id FROM orders WHERE alliance_id = :a GROUP BY merchant_id ORDER BY count(*) DESC "
            "LIMIT 1"), {"a": bench.alliance_id}))
        conn.execute(text(
            "INSERT INTO memberships (alliance_id, member_id, merchant_id, tier, joined_at, created_at, updated_at) "
            "SELECT DISTINCT :a, member_id, :m, 'standard', now(), now(), now() FROM orders WHERE merchant_id = :m"),
            {"a": bench.alliance_id, "m": merchant})
        conn.execute(text("ANALYZE memberships"))
    rules = AudienceRules(classes=[c.value for c in IMPORTANT], stars_min=2, marketing_consent=True)
    with bench.factory() as session:
        started = time.perf_counter()
        counted = audiences.count_rules(session, bench.alliance_id, merchant, rules)
        count_s = time.perf_counter() - started
        saved = Audience(alliance_id=bench.alliance_id, merchant_id=merchant, name="bench",
                         rules=rules.model_dump(mode="json"))
        session.add(saved)
        session.flush()
        started = time.perf_counter()
        members = audiences.materialise(session, saved)
        materialise_s = time.perf_counter() - started
        session.rollback()
    return {"audience_s": round(count_s + materialise_s, 3), "audience_count_s": round(count_s, 3),
            "audience_materialise_s": round(materialise_s, 3), "audience_count": counted.total,
            "audience_members": len(members)}


def send(bench: Bench) -> dict[str, Any]:
    """An offer of `recipients` consented members (an alliance of its own in the same database) sent by the job."""
    bench.listener.phase("发送 send")
    return time_send(bench.config.database_url, bench.config.recipients, prepare=False)


def report(bench: Bench) -> dict[str, Any]:
    """An offer of `recipients` recipients with its outcomes: the results refreshed once, then read as the API
    reads them (p50, p95)."""
    bench.listener.phase("效果 results")
    figures = time_report(bench.config.database_url, bench.config.recipients)
    return {"report_ms": figures["report_ms_p95"], "report_ms_p50": figures["report_ms_p50"],
            "report_refresh_s": figures["refresh_s"]}


STEPS: list[Step] = [value_model, audience, send, report]
