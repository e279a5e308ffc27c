"""`lianmeng bench reports`: the merchant dashboard's funnel and flow matrix for a month, from the referral rollups
(referrals.rollup), against the bare scan (the base-table queries, repository.funnel / flows) in the same run.

Phases:

1. **Database.** PostgreSQL only, the bench's own (wiped and migrated; its name must contain ``bench``).
2. **Events.** Set-based, in chunks of coupons (a temporary table of random draws per chunk, then one
   ``INSERT … SELECT`` per table): one alliance of M merchants, members, one template per merchant. Per coupon,
   on average: the issue (1), a use at its target (0.40), an order attached to that use (0.25) with two rebates
   (merchant and operator, 0.50), a rating (0.04), a refund (0.01 of coupons); plus orders credited to a partner
   without a coupon (0.10). About 2.3 events per coupon; `events` counts the rows written to coupons,
   coupon_redemptions, orders, rebates, refunds and referral_feedback. Issue times are uniform over the last
   `days` days (default 92), so the timed month, the last whole Shanghai month, has about a third of them.
3. **Rollup.** `rollup.refresh` builds the alliance's rollup (commit included: `rollup_refresh_s`); then 1,000
   coupons of the last 30 days are claimed "now" (late events concern coupons still valid) and the incremental
   refresh folds them in (`rollup_incremental_s`, the days it recomputed).
4. **Reads.** For `viewers` merchants, as their merchant admin: the dashboard's funnel for the month (its two
   halves, sent = referrer filter and received = receiver filter) and its flow matrix, `samples` times each from
   the rollup; `bare_samples` times each from the base tables. Both answers are compared (verify).
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lianmeng.agreements.models import Agreement
from lianmeng.auth.domain import Role
from lianmeng.bench.overlap import percentile
from lianmeng.bench.settle import Listener, Quiet, SettleBenchError, bench_alliance, bulk_load, prepare_database
from lianmeng.coupons.models import CouponTemplate
from lianmeng.db import begin_write
from lianmeng.kit import clock
from lianmeng.referrals import domain, repository, rollup
from lianmeng.tenancy import Principal

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_reports_bench"
EVENTS_PER_COUPON = 2.3
CHUNK_COUPONS = 400_000
LOAD_TABLES = ("coupons", "coupon_redemptions", "orders", "rebates", "refunds", "referral_feedback")
FRESHNESS = ("as of the last refresh job: at most LIANMENG_JOBS_INTERVAL_SECONDS (300 s by default) plus the "
             "refresh's own time behind the base tables; exact as of that refresh")


class ReportsBenchError(RuntimeError):
    """The bench cannot run as asked."""


@dataclass(frozen=True)
class ReportsConfig:
    database_url: str = DEFAULT_URL
    events: int = 10_000_000
    merchants: int = 50
    members: int = 200_000
    days: int = 92
    viewers: int = 5
    samples: int = 50
    bare_samples: int = 3

    def __post_init__(self) -> None:
        if make_url(self.database_url).get_backend_name() != "postgresql":
            raise ReportsBenchError("bench reports needs PostgreSQL (a postgresql+psycopg:// URL)")
        if self.merchants < 3 or self.events < 100 or self.days < 40:
            raise ReportsBenchError("at least 3 merchants, 100 events and 40 days")

    @property
    def coupons(self) -> int:
        return max(1, int(self.events / EVENTS_PER_COUPON))


@dataclass
class ReportsResult:
    config: ReportsConfig
    events: int
    coupons: int
    month: str
    generate_s: float
    rollup_refresh_s: float
    rollup_rows: int
    rollup_incremental_s: float
    incremental_days: int
    funnel_ms: list[float]
    flows_ms: list[float]
    bare_funnel: list[float]
    bare_flows: list[float]
    verify_ok: bool
    load_avg: tuple[float, float] = (0.0, 0.0)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        funnel_p95, flows_p95 = percentile(self.funnel_ms, 95), percentile(self.flows_ms, 95)
        bare_funnel, bare_flows = statistics.median(self.bare_funnel), statistics.median(self.bare_flows)
        return {
            "events": self.events, "coupons": self.coupons, "merchants": self.config.merchants, "month": self.month,
            "funnel_p95_ms": round(funnel_p95, 2), "funnel_p50_ms": round(statistics.median(self.funnel_ms), 2),
            "flows_p95_ms": round(flows_p95, 2), "flows_p50_ms": round(statistics.median(self.flows_ms), 2),
            "bare_funnel_ms": round(bare_funnel, 1), "bare_flows_ms": round(bare_flows, 1),
            "funnel_ratio": round(funnel_p95 / bare_funnel, 4), "flows_ratio": round(flows_p95 / bare_flows, 4),
            "funnel_speedup": round(bare_funnel / funnel_p95, 1), "flows_speedup": round(bare_flows / flows_p95, 1),
            "samples": len(self.funnel_ms), "bare_samples": len(self.bare_funnel),
            "rollup_refresh_s": round(self.rollup_refresh_s, 2), "rollup_rows": self.rollup_rows,
            "rollup_incremental_s": round(self.rollup_incremental_s, 2), "incremental_days": self.incremental_days,
            "freshness": FRESHNESS, "verify_ok": self.verify_ok, "generate_s": round(self.generate_s, 1),
            "load_avg_1m": [round(x, 2) for x in self.load_avg],
            "database": make_url(self.config.database_url).render_as_string(hide_password=True),
        }


def run_reports_bench(config: ReportsConfig, listener: Listener | None = None) -> ReportsResult:
    listener = listener or Quiet()
    listener.phase("数据库 database")
    try:
        prepare_database(config.database_url)
    except SettleBenchError as error:
        raise ReportsBenchError(str(error).replace("bench settle", "bench reports")) from None
    engine = create_engine(config.database_url, poolclass=NullPool)
    timed = create_engine(config.database_url, pool_size=2)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        started = time.perf_counter()
        alliance_id, events = generate(engine, factory, config, listener)
        generate_s = time.perf_counter() - started
        load_before = os.getloadavg()[0]
        listener.phase("汇总 rollup (full build)")
        with factory() as session:
            begin_write(session)
            started = time.perf_counter()
            built = rollup.refresh(session, alliance_id)
            session.commit()
            refresh_s = time.perf_counter() - started
        listener.phase("汇总 rollup (incremental)")
        with engine.begin() as conn:
            conn.execute(text("UPDATE coupons SET claimed_at = now() WHERE id IN (SELECT id FROM coupons "
                              "WHERE claimed_at IS NULL AND alliance_id = :a AND issued_at > now() - interval "
                              "'30 days' ORDER BY random() LIMIT 1000)"), {"a": alliance_id})
        with factory() as session:
            begin_write(session)
            started = time.perf_counter()
            again = rollup.refresh(session, alliance_id)
            session.commit()
            incremental_s = time.perf_counter() - started
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE referral_daily"))
        reads = time_reads(sessionmaker(bind=timed), config, alliance_id, listener)
    finally:
        engine.dispose()
        timed.dispose()
    return ReportsResult(
        config=config, events=events, coupons=config.coupons, month=reads["month"], generate_s=generate_s,
        rollup_refresh_s=refresh_s, rollup_rows=built.rows, rollup_incremental_s=incremental_s,
        incremental_days=again.days, funnel_ms=reads["funnel"], flows_ms=reads["flows"],
        bare_funnel=reads["bare_funnel"], bare_flows=reads["bare_flows"], verify_ok=reads["ok"],
        load_avg=(load_before, os.getloadavg()[0]),
    )


# --- events, set-based ----------------------------------------------------------------------------------------


def generate(engine: Any, factory: sessionmaker[Session], config: ReportsConfig, listener: Listener
             ) -> tuple[int, int]:
    listener.phase("商户 merchants, members")
    alliance_id = bench_alliance(factory, "reports", "看板压测联盟")
    m = config.merchants
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO merchants (id, alliance_id, name, industry, brand_tags, rating, years_in_business, status, "
            "contact_name, description, created_at, updated_at) "
            "SELECT g, :a, '压测商户 ' || g, (ARRAY['dining','retail_mall','beauty','fitness','auto_service','home'])"
            "[1 + g % 6], CAST('[]' AS json), 4.5, 3, 'active', '', '', now(), now() "
            "FROM generate_series(1, CAST(:n AS integer)) g"), {"a": alliance_id, "n": m})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('merchants', 'id'), (SELECT max(id) FROM merchants))"))
        conn.execute(text(
            "INSERT INTO members (id, alliance_id, card_no, qr_version, phone_enc, phone_hash, phone_masked, gender, "
            "status, consent_marketing, consent_data_sharing, created_at, updated_at) "
            "SELECT g, :a, lpad(g::text, 16, '0'), 1, '', 'bench-' || g, '', 'undisclosed', 'active', false, false, "
            "now(), now() FROM generate_series(1, CAST(:n AS integer)) g"), {"a": alliance_id, "n": config.members})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT max(id) FROM members))"))
    with factory() as session:
        begin_write(session)
        for merchant in range(1, m + 1):
            session.add(CouponTemplate(id=merchant, alliance_id=alliance_id, owner_merchant_id=merchant,
                                       funded_by_merchant_id=merchant, name=f"体验券 {merchant}", kind="amount_off",
                                       amount_fen=2_000))
        agreement = Agreement(alliance_id=alliance_id, title="压测协议", merchant_a_id=1, merchant_b_id=2,
                              valid_from=date(2020, 1, 1))
        session.add(agreement)
        session.commit()
        agreement_id = agreement.id
    with engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('coupon_templates', 'id'), :n)"), {"n": m})
        conn.execute(text("SELECT setseed(0.16)"))
    total = config.coupons
    end = clock.now()
    params = {"a": alliance_id, "m": m, "members": config.members, "agreement": agreement_id, "end": end,
              "span": config.days * 86_400.0, "total": total}
    with bulk_load(engine, listener, LOAD_TABLES):
        listener.phase("引流事件 referral events", total=total)
        for lo in range(1, total + 1, CHUNK_COUPONS):
            hi = min(lo + CHUNK_COUPONS - 1, total)
            with engine.begin() as conn:
                _chunk(conn, {**params, "lo": lo, "hi": hi})
            listener.tick(hi, f"{hi:,} coupons")
    listener.phase("VACUUM ANALYZE")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("coupons", "coupon_redemptions", "orders", "rebates", "refunds", "referral_feedback"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        events = int(conn.scalar(text(
            "SELECT (SELECT count(*) FROM coupons) + (SELECT count(*) FROM coupon_redemptions) + "
            "(SELECT count(*) FROM orders) + (SELECT count(*) FROM rebates) + (SELECT count(*) FROM refunds) + "
            "(SELECT count(*) FROM referral_feedback)")) or 0)
        for table in (*LOAD_TABLES, "members", "merchants"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return alliance_id, events


def _chunk(conn: Any, p: dict[str, Any]) -> None:
    """Coupons lo..hi and what followed them. Ids: a coupon's use and its order take the coupon's id, its rebates
    2·id and 2·id + 1; orders credited without a coupon take ids past every coupon's."""
    conn.execute(text("DROP TABLE IF EXISTS bench_gen"))
    conn.execute(text(
        "CREATE TEMP TABLE bench_gen AS SELECT *, 1 + ((referrer + floor(u_target * (:m - 1))::int) % :m) AS target "
        "FROM (SELECT g, 1 + floor(random() * :m)::int AS referrer, random() AS u_target, random() AS u_claim,"
        "  random() AS u_use,"
        "  random() AS u_conv, random() AS u_rate, random() AS u_refund, random() AS u_credit,"
        "  1 + floor(random() * :members)::int AS member,"
        "  CAST(:end AS timestamptz) - make_interval(secs => random() * :span) AS issued_at,"
        "  make_interval(secs => 3600 + random() * 864000) AS later,"
        "  (10 + floor(random() * 490))::int * 100 AS amount "
        "FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g) draws"), p)
    conn.execute(text(
        "INSERT INTO coupons (id, alliance_id, template_id, member_id, code, issued_at, claimed_at, valid_from, "
        "  uses_left, referrer_merchant_id, target_merchant_id) "
        "SELECT g, :a, target, member, 'B' || lpad(g::text, 12, '0'), issued_at, "
        "  CASE WHEN u_claim < 0.6 OR u_use < 0.4 THEN issued_at + interval '10 minutes' END, issued_at, "
        "  CASE WHEN u_use < 0.4 THEN 0 ELSE 1 END, referrer, target FROM bench_gen"), p)
    conn.execute(text(
        "INSERT INTO orders (id, alliance_id, merchant_id, member_id, external_id, amount_fen, cash_fen, "
        "  stored_value_fen, points_used, points_value_fen, points_earned, items, referrer_merchant_id, "
        "  refunded_fen, recorded_by, created_at, occurred_at) "
        "SELECT g, :a, target, member, 'BO' || g, amount, amount, 0, 0, 0, 0, CAST('[]' AS json), referrer, "
        "  CASE WHEN u_refund < 0.04 THEN amount / 2 ELSE 0 END, 'bench', issued_at + later, issued_at + later "
        "FROM bench_gen WHERE u_use < 0.4 AND u_conv < 0.625"), p)
    conn.execute(text(
        "INSERT INTO orders (id, alliance_id, merchant_id, member_id, external_id, amount_fen, cash_fen, "
        "  stored_value_fen, points_used, points_value_fen, points_earned, items, referrer_merchant_id, "
        "  refunded_fen, recorded_by, created_at, occurred_at) "
        "SELECT :total + g, :a, target, member, 'BC' || g, amount, amount, 0, 0, 0, 0, CAST('[]' AS json), "
        "  referrer, 0, 'bench', issued_at + later + interval '3 days', issued_at + later + interval '3 days' "
        "FROM bench_gen WHERE u_credit < 0.1"), p)
    conn.execute(text(
        "INSERT INTO coupon_redemptions (id, alliance_id, coupon_id, use_no, member_id, merchant_id, "
        "  referrer_merchant_id, bill_fen, discount_fen, cost_fen, funded_by_merchant_id, order_id, at, details) "
        "SELECT g, :a, g, 1, member, target, referrer, amount + 2000, 2000, 2000, target, "
        "  CASE WHEN u_conv < 0.625 THEN g END, issued_at + later, CAST('{}' AS json) "
        "FROM bench_gen WHERE u_use < 0.4"), p)
    conn.execute(text(
        "INSERT INTO rebates (id, alliance_id, order_id, agreement_id, member_id, payer_merchant_id, payee_type, "
        "  payee_id, amount_fen, reversed_fen, reason, status, releases_at, created_at) "
        "SELECT 2 * g + k, :a, g, :agreement, member, target, CASE WHEN k = 0 THEN 'merchant' ELSE 'operator' END, "
        "  CASE WHEN k = 0 THEN referrer ELSE 0 END, amount / 20, "
        "  CASE WHEN u_refund < 0.04 THEN amount / 40 ELSE 0 END, 'bench', 'frozen', "
        "  issued_at + later + interval '7 days', issued_at + later "
        "FROM bench_gen CROSS JOIN (VALUES (0), (1)) AS r(k) WHERE u_use < 0.4 AND u_conv < 0.625"), p)
    conn.execute(text(
        "INSERT INTO refunds (id, alliance_id, order_id, external_id, amount_fen, cash_fen, stored_value_fen, "
        "  points_restored, points_reversed, reason, created_at) "
        "SELECT g, :a, g, 'BR' || g, amount / 2, amount / 2, 0, 0, 0, 'bench', issued_at + later + interval '1 day' "
        "FROM bench_gen WHERE u_use < 0.4 AND u_conv < 0.625 AND u_refund < 0.04"), p)
    conn.execute(text(
        "INSERT INTO referral_feedback (id, alliance_id, redemption_id, member_id, merchant_id, "
        "  referrer_merchant_id, rating, comment, is_complaint, at) "
        "SELECT g, :a, g, member, target, referrer, 1 + floor(u_rate * 50)::int % 5, '', "
        "  (1 + floor(u_rate * 50)::int % 5) <= 2, issued_at + later + interval '2 hours' "
        "FROM bench_gen WHERE u_use < 0.4 AND u_rate < 0.1"), p)


# --- reads ----------------------------------------------------------------------------------------------------


def last_month(today: date) -> domain.Period:
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return domain.leaderboard_period(domain.LeaderboardPeriod.MONTH, first)


def time_reads(factory: sessionmaker[Session], config: ReportsConfig, alliance_id: int, listener: Listener
               ) -> dict[str, Any]:
    period = last_month(clock.today_in_shanghai())
    start, end = domain.utc_bounds(period)
    w = repository.Window(start, end, (), alliance_id)
    step = max(1, config.merchants // config.viewers)
    viewers = [1 + i * step for i in range(config.viewers)]
    funnel_ms: list[float] = []
    flows_ms: list[float] = []
    bare_funnel: list[float] = []
    bare_flows: list[float] = []
    ok = True

    def dashboard_funnel(session: Session, p: Principal, bare: bool) -> Any:
        read = repository.funnel if bare else rollup.funnel
        assert p.merchant_id is not None
        return (read(session, p, w, referrer_id=p.merchant_id), read(session, p, w, receiver_id=p.merchant_id))

    listener.phase("读取 reads", total=len(viewers) * (config.samples + config.bare_samples))
    done = 0
    for merchant in viewers:
        p = Principal("user", merchant, Role.MERCHANT_ADMIN, alliance_id=alliance_id, merchant_id=merchant)
        with factory() as session:
            for _ in range(config.samples):
                started = time.perf_counter()
                rolled = dashboard_funnel(session, p, False)
                funnel_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                rolled_flows = rollup.flows(session, p, w)
                flows_ms.append((time.perf_counter() - started) * 1000)
                session.rollback()
                done += 1
                listener.tick(done, f"merchant {merchant}")
            for _ in range(config.bare_samples):
                started = time.perf_counter()
                base = dashboard_funnel(session, p, True)
                bare_funnel.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                base_flows = repository.flows(session, p, w)
                bare_flows.append((time.perf_counter() - started) * 1000)
                session.rollback()
                done += 1
                listener.tick(done, f"merchant {merchant} (bare)")
            ok = ok and rolled == base and rolled_flows == base_flows
    return {"month": f"{period.start:%Y-%m}", "funnel": funnel_ms, "flows": flows_ms, "bare_funnel": bare_funnel,
            "bare_flows": bare_flows, "ok": ok}
