"""`lianmeng bench overlap`: the alliance's full merchant × merchant overlap matrix, rebuilt the way the product
rebuilds it (`overlap.service.refresh_alliance`: one set-based self-join of memberships into the maintained
aggregates), against the bare SQL self-join count over the same rows, and a merchant's top-20 overlaps read as the
console reads them.

Phases:

1. **Database.** PostgreSQL only; the bench owns its database (created when missing, ``public`` schema dropped and
   migrated, so the name must contain ``bench``), like `bench settle`.
2. **Memberships, set-based.** One alliance, N merchants, M members, L memberships (``generate_series`` and
   ``INSERT … SELECT``; no row loop in Python). Each member holds ⌊L/M⌋ or ⌈L/M⌉ memberships at distinct merchants:
   a "home" merchant drawn with a skew towards low numbers (some merchants are much larger than others), then
   merchants a random step further round the ring of merchants, the steps skewed towards small ones (neighbours share
   many customers, distant merchants few — so the matrix has large cells and cells below k). The tables' secondary
   indexes and foreign keys are dropped for the load and recreated after it, then ``VACUUM ANALYZE``.
3. **Timing.** A warm-up reads memberships once. Then `repeat` times: before every repetition but the first,
   `churn_pct` % of the links are added as new memberships (what happens between two recounts; untimed, then
   VACUUM ANALYZE), then the baseline (the bare
   ``SELECT count(*) … GROUP BY`` self-join over the alliance's memberships, each unordered pair once, every group
   computed in the server, with the rebuild's work_mem) and ours (`refresh_alliance` in a transaction of its own,
   commit included: it deletes the previous aggregates, inserts the count of every pair sharing at least k and
   every merchant's base, and ANALYZEs them). The first repetition is the first build (empty aggregates, every
   pair written); later ones are recounts after churn. Best of each is reported, and the first build apart.
4. **Verification.** In SQL: every pair of the bare count sharing at least k is stored with exactly that count and
   no other pair is stored (pairs below k are not kept); every merchant's base equals its memberships.
5. **Reads.** `samples` reads of a random merchant's top-20 overlaps through `overlap.service.merchant_view` (what
   the console page and the API call), each in its own session on a pooled connection, as its admin; p50/p95.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lianmeng.auth.domain import Role
from lianmeng.bench.settle import Listener, Quiet, SettleBenchError, bench_alliance, bulk_load, prepare_database
from lianmeng.db import begin_write
from lianmeng.overlap import service as overlap
from lianmeng.overlap.domain import K_MIN
from lianmeng.overlap.repository import REBUILD_WORK_MEM
from lianmeng.tenancy import Principal

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench"
DEFAULT_MERCHANTS = 1000
DEFAULT_MEMBERS = 2_000_000
DEFAULT_LINKS = 10_000_000
DEFAULT_REPEAT = 2
DEFAULT_SAMPLES = 2000
DEFAULT_CHURN_PCT = 1.0  # new memberships before each repetition after the first, as % of the generated links
CHUNK_MEMBERS = 200_000  # members (and their memberships) per generating statement
LOAD_TABLES = ("members", "memberships")

BASELINE_SQL = (
    "SELECT count(*), sum(n) FROM (SELECT a.merchant_id, b.merchant_id AS other, count(*) AS n "
    "FROM memberships a JOIN memberships b ON b.member_id = a.member_id AND b.merchant_id > a.merchant_id "
    "WHERE a.merchant_id IN (SELECT id FROM merchants WHERE alliance_id = :a) "
    "GROUP BY a.merchant_id, b.merchant_id) s"
)
VERIFY_SQL = (  # every pair of the bare count that shares at least k is stored with that count, and no other
    "SELECT count(*) FROM (SELECT a.merchant_id AS m, b.merchant_id AS o, count(*) AS n "
    "FROM memberships a JOIN memberships b ON b.member_id = a.member_id AND b.merchant_id > a.merchant_id "
    "WHERE a.merchant_id IN (SELECT id FROM merchants WHERE alliance_id = :a) "
    "GROUP BY a.merchant_id, b.merchant_id HAVING count(*) >= :k) bare "
    "FULL JOIN (SELECT merchant_a_id AS m, merchant_b_id AS o, shared AS n FROM overlap_pairs "
    "WHERE alliance_id = :a) ours ON ours.m = bare.m AND ours.o = bare.o "
    "WHERE bare.n IS DISTINCT FROM ours.n"
)
VERIFY_BASES_SQL = (
    "SELECT count(*) FROM (SELECT merchant_id AS m, count(*) AS n FROM memberships "
    "WHERE merchant_id IN (SELECT id FROM merchants WHERE alliance_id = :a) GROUP BY merchant_id) bare "
    "FULL JOIN (SELECT merchant_id AS m, members AS n FROM overlap_bases WHERE alliance_id = :a) ours "
    "ON ours.m = bare.m WHERE bare.n IS DISTINCT FROM ours.n"
)
BELOW_K_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM memberships a JOIN memberships b ON b.member_id = a.member_id "
    "AND b.merchant_id > a.merchant_id WHERE a.merchant_id IN (SELECT id FROM merchants WHERE alliance_id = :a) "
    "GROUP BY a.merchant_id, b.merchant_id HAVING count(*) < :k) s"
)


class OverlapBenchError(RuntimeError):
    """The bench cannot run as asked (not PostgreSQL, a database it may not wipe, bad sizes)."""


@dataclass(frozen=True)
class OverlapConfig:
    database_url: str = DEFAULT_URL
    merchants: int = DEFAULT_MERCHANTS
    members: int = DEFAULT_MEMBERS
    links: int = DEFAULT_LINKS
    repeat: int = DEFAULT_REPEAT
    samples: int = DEFAULT_SAMPLES
    churn_pct: float = DEFAULT_CHURN_PCT
    seed: int = 12

    def __post_init__(self) -> None:
        if make_url(self.database_url).get_backend_name() != "postgresql":
            raise OverlapBenchError("bench overlap needs PostgreSQL (a postgresql+psycopg:// URL)")
        if self.merchants < 2 or self.members < 1 or self.repeat < 1 or self.samples < 1:
            raise OverlapBenchError("merchants ≥ 2, members ≥ 1, repeat ≥ 1 and samples ≥ 1")
        if not 0 <= self.churn_pct <= 100:
            raise OverlapBenchError("churn must be between 0 and 100 (% of the links)")
        if not self.members <= self.links <= self.members * self.merchants:
            raise OverlapBenchError("links must be between members and members × merchants "
                                    "(every member holds at least one membership, at distinct merchants)")

    @property
    def most_per_member(self) -> int:
        return -(-self.links // self.members)


@dataclass(frozen=True)
class OverlapResult:
    ours_s: float
    baseline_s: float
    ours_runs: list[float]
    baseline_runs: list[float]
    read_p50_ms: float
    read_p95_ms: float
    samples: int
    verify_ok: bool
    mismatches: int
    merchants: int
    members: int
    links: int
    pairs: int
    suppressed_pairs: int
    generate_s: float
    links_added: int
    database: str
    alliance_id: int
    load_avg: tuple[float, float]  # the machine's 1-minute load average when the timing started and ended

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s if self.baseline_s > 0 else float("inf")

    def as_json(self) -> dict[str, Any]:
        return {
            "ours_s": round(self.ours_s, 3), "baseline_s": round(self.baseline_s, 3), "ratio": round(self.ratio, 3),
            "read_p95_ms": round(self.read_p95_ms, 2), "read_p50_ms": round(self.read_p50_ms, 2),
            "read_samples": self.samples,
            "ours_first_build_s": round(self.ours_runs[0], 3),
            "ratio_first_build": round(self.ours_runs[0] / self.baseline_runs[0], 3) if self.baseline_runs[0] else None,
            "ours_runs": [round(s, 3) for s in self.ours_runs],
            "baseline_runs": [round(s, 3) for s in self.baseline_runs],
            "verify_ok": self.verify_ok, "mismatches": self.mismatches, "merchants": self.merchants,
            "members": self.members, "links": self.links, "links_added": self.links_added, "pairs": self.pairs,
            "pairs_below_k": self.suppressed_pairs, "generate_s": round(self.generate_s, 1),
            "alliance_id": self.alliance_id, "load_avg_1m": [round(x, 2) for x in self.load_avg],
            "cpus": os.cpu_count(), "database": self.database,
        }


def run_overlap_bench(config: OverlapConfig, listener: Listener | None = None) -> OverlapResult:
    """Wipe and migrate the bench database, generate memberships, time baseline and ours, verify, time reads."""
    listener = listener or Quiet()
    listener.phase("数据库 database")
    try:
        prepare_database(config.database_url)
    except SettleBenchError as error:
        raise OverlapBenchError(str(error).replace("bench settle", "bench overlap")) from None
    engine = create_engine(config.database_url, poolclass=NullPool)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        started = time.perf_counter()
        alliance_id = generate(engine, factory, config, listener)
        generate_s = time.perf_counter() - started
        load_before = os.getloadavg()[0]
        listener.phase("预热 warm-up")
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM memberships")).scalar()
        ours: list[float] = []
        baseline: list[float] = []
        added = 0
        for rep in range(config.repeat):
            if rep:
                listener.phase(f"新会员关系 churn {rep + 1}/{config.repeat}")
                added += churn(engine, alliance_id, config)
            listener.phase(f"基线 baseline {rep + 1}/{config.repeat}")
            baseline.append(time_baseline(engine, alliance_id))
            listener.phase(f"重算 ours {rep + 1}/{config.repeat}")
            ours.append(time_refresh(factory, alliance_id))
        listener.phase("核对 verify")
        with engine.connect() as conn:
            params = {"a": alliance_id, "k": K_MIN}
            mismatches = int(conn.scalar(text(VERIFY_SQL), params) or 0)
            mismatches += int(conn.scalar(text(VERIFY_BASES_SQL), params) or 0)
            pairs = int(conn.scalar(text("SELECT count(*) FROM overlap_pairs WHERE alliance_id = :a"), params) or 0)
            below = int(conn.scalar(text(BELOW_K_SQL), params) or 0)
    finally:
        engine.dispose()
    listener.phase("读取 reads", total=config.samples)
    reads = time_reads(config, alliance_id, listener)
    return OverlapResult(
        ours_s=min(ours), baseline_s=min(baseline), ours_runs=ours, baseline_runs=baseline,
        read_p50_ms=statistics.median(reads), read_p95_ms=percentile(reads, 95), samples=len(reads),
        verify_ok=mismatches == 0, mismatches=mismatches, merchants=config.merchants, members=config.members,
        links=config.links, pairs=pairs, suppressed_pairs=below, generate_s=generate_s, links_added=added,
        database=make_url(config.database_url).render_as_string(hide_password=True), alliance_id=alliance_id,
        load_avg=(load_before, os.getloadavg()[0]),
    )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


# --- memberships, set-based ----------------------------------------------------------------------------------


def generate(engine: Engine, factory: sessionmaker[Session], config: OverlapConfig, listener: Listener) -> int:
    listener.phase("商户 merchants")
    alliance_id = bench_alliance(factory, "overlap", "重合度压测联盟")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO merchants (id, alliance_id, name, industry, brand_tags, rating, years_in_business, status, "
            "contact_name, description, created_at, updated_at) "
            "SELECT g, :a, '压测商户 ' || g, (ARRAY['dining','retail_mall','beauty','fitness','auto_service','home'])"
            "[1 + g % 6], CAST('[]' AS json), 4.5, 3, 'active', '', '', now(), now() "
            "FROM generate_series(1, CAST(:n AS integer)) g"), {"a": alliance_id, "n": config.merchants})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('merchants', 'id'), (SELECT max(id) FROM merchants))"))
        conn.execute(text("SELECT setseed(:s)"), {"s": (config.seed % 1000) / 1000})
    with bulk_load(engine, listener, LOAD_TABLES):
        listener.phase("会员 members, memberships", total=config.members)
        for lo in range(1, config.members + 1, CHUNK_MEMBERS):
            hi = min(lo + CHUNK_MEMBERS - 1, config.members)
            with engine.begin() as conn:
                _members(conn, alliance_id, lo, hi)
                _memberships(conn, alliance_id, config, lo, hi)
            listener.tick(hi, f"{hi:,} members")
    listener.phase("VACUUM ANALYZE")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT max(id) FROM members))"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('memberships', 'id'), "
                          "(SELECT max(id) FROM memberships))"))
        for table in (*LOAD_TABLES, "merchants", "alliances"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return alliance_id


def _members(conn: Any, alliance_id: int, lo: int, hi: int) -> None:
    """Members lo..hi: no real phone (the bench never needs one), a unique placeholder hash and card number."""
    conn.execute(text(
        "INSERT INTO members (id, alliance_id, card_no, qr_version, phone_enc, phone_hash, phone_masked, gender, "
        "status, consent_marketing, consent_data_sharing, created_at, updated_at) "
        "SELECT g, :a, lpad(g::text, 16, '0'), 1, '', 'bench-' || g, '', 'undisclosed', 'active', false, false, "
        "now(), now() FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g"),
        {"a": alliance_id, "lo": lo, "hi": hi})


def _memberships(conn: Any, alliance_id: int, config: OverlapConfig, lo: int, hi: int) -> None:
    """Member m holds q (+1 for the first r members) memberships, q, r = divmod(links, members). The first at a
    home merchant (skewed: floor(N · u²)), each next one a step of 1..S further round the ring (S chosen so that
    the steps of one member never come full circle: its merchants are distinct), steps skewed towards 1 (u³)."""
    q, r = divmod(config.links, config.members)
    n = config.merchants
    span = max(1, (n - 1) // max(1, config.most_per_member - 1))
    conn.execute(text(
        "INSERT INTO memberships (id, alliance_id, member_id, merchant_id, tier, joined_at, created_at, updated_at) "
        "SELECT (m - 1) * :q + LEAST(m - 1, :r) + j + 1, :a, m, "
        "  ((home + sum(step) OVER (PARTITION BY m ORDER BY j)) % :n) + 1, 'standard', now(), now(), now() "
        "FROM (SELECT m, j, home, CASE WHEN j = 0 THEN 0 ELSE 1 + floor(power(random(), 3) * :span)::int END AS step "
        "  FROM (SELECT m, floor(power(random(), 2) * :n)::int AS home, :q + CASE WHEN m <= :r THEN 1 ELSE 0 END AS c"
        "        FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) m) members"
        "  CROSS JOIN LATERAL generate_series(0, c - 1) j) links"),
        {"a": alliance_id, "q": q, "r": r, "n": n, "span": span, "lo": lo, "hi": hi})


def churn(engine: Engine, alliance_id: int, config: OverlapConfig) -> int:
    """What happens between two recounts: `churn_pct` % of the links again as new memberships of random members
    at random merchants (pairs already held are skipped). Returns how many were added."""
    wanted = int(config.links * config.churn_pct / 100)
    if not wanted:
        return 0
    with engine.begin() as conn:
        added = conn.execute(text(
            "INSERT INTO memberships (alliance_id, member_id, merchant_id, tier, joined_at, created_at, updated_at) "
            "SELECT DISTINCT :a, 1 + floor(random() * :m)::int, 1 + floor(random() * :n)::int, 'standard', now(), "
            "now(), now() FROM generate_series(1, CAST(:w AS integer)) "
            "ON CONFLICT (member_id, merchant_id, alliance_id) DO NOTHING"),
            {"a": alliance_id, "m": config.members, "n": config.merchants, "w": wanted}).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE memberships"))
    return int(added or 0)


# --- timing ---------------------------------------------------------------------------------------------------


def time_baseline(engine: Engine, alliance_id: int) -> float:
    """The bare self-join count, every pair's group computed in the server (one row fetched), with the same
    work_mem the product's rebuild asks for."""
    with engine.connect() as conn:
        conn.execute(text(f"SET work_mem = '{REBUILD_WORK_MEM}'"))
        started = time.perf_counter()
        conn.execute(text(BASELINE_SQL), {"a": alliance_id}).one()
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


def time_refresh(factory: sessionmaker[Session], alliance_id: int) -> float:
    """`refresh_alliance` in a transaction of its own, commit included."""
    with factory() as session:
        started = time.perf_counter()
        begin_write(session)
        overlap.refresh_alliance(session, alliance_id)
        session.commit()
        return time.perf_counter() - started


def time_reads(config: OverlapConfig, alliance_id: int, listener: Listener) -> list[float]:
    """A random merchant's page data as its admin reads it, on a pooled connection, one session per read."""
    engine = create_engine(config.database_url, pool_size=1, max_overflow=0)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    rng = random.Random(config.seed)
    with engine.connect() as conn:
        merchant_ids = [int(i) for i in conn.scalars(text("SELECT id FROM merchants WHERE alliance_id = :a"),
                                                     {"a": alliance_id})]
    timings: list[float] = []
    try:
        for done in range(1, config.samples + 1):
            merchant_id = rng.choice(merchant_ids)
            admin = Principal(kind="user", id=1, role=Role.MERCHANT_ADMIN, alliance_id=alliance_id,
                              merchant_id=merchant_id)
            started = time.perf_counter()
            with factory() as session:
                overlap.merchant_view(session, admin, merchant_id)
                session.rollback()
            timings.append((time.perf_counter() - started) * 1000)
            if done % 100 == 0:
                listener.tick(done, "")
    finally:
        engine.dispose()
    return timings
