"""`lianmeng bench settle`: building a month's statements (`settlement.service.settle`) over a generated ledger,
against the bare SQL aggregate of the same entries on the same server.

Phases:

1. **Database.** PostgreSQL only. The bench owns its database: it is created when missing, its ``public`` schema is
   dropped and recreated, and the migrations are applied (so the name must contain ``bench``: a guard against
   wiping the wrong database).
2. **Ledger.** Set-based (``generate_series`` and ``INSERT … SELECT``, no row loop in Python): one alliance, N
   merchants, 12 accounts per merchant (cash, stored-value liability, commission payable, rebate frozen and
   clawback, points issued and redeemed, a campaign's costs, and partner balances with the merchants i±1 and
   i±2) and the operator's fees, points clearing and campaign costs. Then ``lines / 2`` postings of two balanced
   entries, dated uniformly over the period (Asia/Shanghai month, UTC bounds), whose legs name their counterparty
   (see `MIX`). About 10 % of the entries carry no counterparty (top-ups: cash / stored-value liability) and about
   26 % sit on operator accounts: neither goes on a statement, so the settlement's filter does real work. The
   ledger tables' secondary indexes and foreign keys are dropped for the load and recreated after it (as the
   migrations define them), kept balances are set to the sum of their entries, and the tables are
   ``VACUUM ANALYZE``d.
3. **Timing.** One warm-up pass reads both ledger tables (``count(*)``). Then, `repeat` times: the baseline (the
   bare ``SELECT account_id, sum(amount) … GROUP BY account_id`` over the period's entries of the alliance,
   fetched), then ours (`settle` in a transaction of its own, commit included). Between repetitions the run
   is deleted. The best time of each is reported.
4. **Verification.** `settlement.service.verify` on the last run (timed separately).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lianmeng import migrate
from lianmeng.alliances.models import Alliance
from lianmeng.db import begin_write
from lianmeng.kit import clock
from lianmeng.ledger.domain import KIND_RULES, AccountKind
from lianmeng.settlement import domain as settlement_domain
from lianmeng.settlement import service as settlement
from lianmeng.settlement.domain import Period
from lianmeng.tenancy.principal import SYSTEM

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench"
DEFAULT_MERCHANTS = 1000
DEFAULT_LINES = 10_000_000
DEFAULT_PERIOD = "2026-10"
DEFAULT_REPEAT = 2
CHUNK_POSTINGS = 250_000  # postings (twice as many entries) per generating statement
MIN_MERCHANTS = 5  # partners are i±1 and i±2: distinct only from five merchants up
CAMPAIGN_ID = 1  # the campaign the campaign costs are scoped to
LEDGER_TABLES = ("ledger_postings", "ledger_entries")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")

# a merchant's accounts: slot → (kind, scope); partner balances are scoped to the merchant i + d
SLOTS: tuple[tuple[AccountKind, int], ...] = (
    (AccountKind.CASH, 0),
    (AccountKind.STORED_VALUE_LIABILITY, 0),
    (AccountKind.COMMISSION_PAYABLE, 0),
    (AccountKind.REBATE_FROZEN, 0),
    (AccountKind.REBATE_CLAWBACK, 0),
    (AccountKind.POINTS_ISSUED, 0),
    (AccountKind.POINTS_REDEEMED, 0),
    (AccountKind.CAMPAIGN_COSTS, CAMPAIGN_ID),
)
PARTNER_OFFSETS = (-2, -1, 1, 2)  # slot len(SLOTS) + k is the partner balance with merchant i + PARTNER_OFFSETS[k]
PER_MERCHANT = len(SLOTS) + len(PARTNER_OFFSETS)
OPERATOR_ACCOUNTS: tuple[tuple[AccountKind, int], ...] = (
    (AccountKind.FEES, 0), (AccountKind.POINTS_CLEARING, 0), (AccountKind.CAMPAIGN_COSTS, CAMPAIGN_ID))

# the posting mix: (share in %, cause, what the two legs are); documented in docs/benchmarks.md
MIX: tuple[tuple[int, str, str], ...] = (
    (20, "commission", "i commission_payable −x (party j) / j rebate_frozen +x (party i)"),
    (5, "commission", "i commission_payable −x/10 (party operator) / operator fees + (party i)"),
    (2, "refund", "i commission_payable +x (party j) / j rebate_clawback −x (party i)"),
    (25, "order", "i points_issued −x (party operator) / operator points_clearing +x (party i)"),
    (15, "order", "i points_redeemed +x (party operator) / operator points_clearing −x (party i)"),
    (15, "joint_card_use", "i partner_balance(j) −x (party j) / j partner_balance(i) +x (party i)"),
    (8, "campaign_cost", "i campaign_costs −x (party operator) / operator campaign_costs +x (party i)"),
    (10, "top_up", "i cash −x / i stored_value_liability +x (no party: not on statements)"),
)

BASELINE_SQL = (
    "SELECT e.account_id, sum(e.amount) FROM ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id "
    "WHERE p.alliance_id = :a AND p.occurred_at >= :start AND p.occurred_at < :end GROUP BY e.account_id"
)


class SettleBenchError(RuntimeError):
    """The bench cannot run as asked (not PostgreSQL, a database it may not wipe, bad sizes)."""


class Listener(Protocol):
    """What the bench reports while it runs (the CLI draws a Rich progress bar)."""

    def phase(self, description: str, total: float | None = None) -> None: ...

    def tick(self, done: float, detail: str = "") -> None: ...


class Quiet:
    def phase(self, description: str, total: float | None = None) -> None:
        return None

    def tick(self, done: float, detail: str = "") -> None:
        return None


@dataclass(frozen=True)
class SettleConfig:
    database_url: str = DEFAULT_URL
    merchants: int = DEFAULT_MERCHANTS
    lines: int = DEFAULT_LINES  # ledger entries to generate (two per posting)
    period: str = DEFAULT_PERIOD
    repeat: int = DEFAULT_REPEAT
    explain: bool = False  # also EXPLAIN ANALYZE the statement-lines INSERT … SELECT and the baseline

    def __post_init__(self) -> None:
        if make_url(self.database_url).get_backend_name() != "postgresql":
            raise SettleBenchError("bench settle needs PostgreSQL (a postgresql+psycopg:// URL)")
        if self.merchants < MIN_MERCHANTS:
            raise SettleBenchError(f"merchants must be at least {MIN_MERCHANTS}")
        if self.lines < 2:
            raise SettleBenchError("lines must be at least 2")
        if self.repeat < 1:
            raise SettleBenchError("repeat must be at least 1")
        try:
            settlement_domain.parse_period(self.period)
        except settlement_domain.BadPeriod:
            raise SettleBenchError(f"bad period {self.period!r} (e.g. 2026-10 or 2026-W44)") from None

    @property
    def postings(self) -> int:
        return self.lines // 2


@dataclass(frozen=True)
class Dataset:
    alliance_id: int
    merchants: int
    accounts: int
    postings: int
    entries: int
    generate_s: float


@dataclass(frozen=True)
class SettleResult:
    ours_s: float
    baseline_s: float
    ours_runs: list[float]
    baseline_runs: list[float]
    verify_s: float
    verify_ok: bool
    mismatches: int
    dataset: Dataset
    period: str
    run_id: int
    statements: int
    statement_lines: int
    entries_on_statements: int
    database: str
    plans: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s if self.baseline_s > 0 else float("inf")

    def as_json(self) -> dict[str, Any]:
        return {
            "ours_s": round(self.ours_s, 3), "baseline_s": round(self.baseline_s, 3), "ratio": round(self.ratio, 3),
            "ours_runs": [round(s, 3) for s in self.ours_runs],
            "baseline_runs": [round(s, 3) for s in self.baseline_runs],
            "verify_s": round(self.verify_s, 3), "verify_ok": self.verify_ok, "mismatches": self.mismatches,
            "merchants": self.dataset.merchants, "accounts": self.dataset.accounts,
            "postings": self.dataset.postings, "lines": self.dataset.entries,
            "generate_s": round(self.dataset.generate_s, 1), "period": self.period, "run_id": self.run_id,
            "statements": self.statements, "statement_lines": self.statement_lines,
            "entries_on_statements": self.entries_on_statements, "repeat": len(self.ours_runs),
            "database": self.database,
        }


# --- the whole run -----------------------------------------------------------------------------------------


def run_settle_bench(config: SettleConfig, listener: Listener | None = None) -> SettleResult:
    """Wipe and migrate the bench database, generate the ledger, time baseline and ours, verify."""
    listener = listener or Quiet()
    period = settlement_domain.parse_period(config.period)
    listener.phase("数据库 database")
    prepare_database(config.database_url)
    engine = create_engine(config.database_url, poolclass=NullPool)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        dataset = generate(engine, factory, config, period, listener)
        listener.phase("预热 warm-up")
        warm_up(engine)
        at = period.ends_at + settlement.GRACE + timedelta(minutes=1)
        ours: list[float] = []
        baseline: list[float] = []
        run_id = statements = lines = 0
        for rep in range(config.repeat):
            if rep:
                delete_run(engine, run_id)
            listener.phase(f"基线 baseline {rep + 1}/{config.repeat}")
            baseline.append(time_baseline(engine, dataset.alliance_id, period))
            listener.phase(f"结算 settle {rep + 1}/{config.repeat}")
            seconds, run_id, statements, lines = time_settle(factory, dataset.alliance_id, period, at, listener)
            ours.append(seconds)
        listener.phase("核对 verify")
        started = time.perf_counter()
        with factory() as session:
            verified = settlement.verify(session, SYSTEM, run_id)
        verify_s = time.perf_counter() - started
        plans = explain(factory, engine, dataset.alliance_id, period, at, run_id) if config.explain else {}
    finally:
        engine.dispose()
    return SettleResult(
        ours_s=min(ours), baseline_s=min(baseline), ours_runs=ours, baseline_runs=baseline, verify_s=verify_s,
        verify_ok=verified.ok, mismatches=len(verified.mismatches), dataset=dataset, period=period.label,
        run_id=run_id, statements=statements, statement_lines=lines, entries_on_statements=verified.entries,
        database=make_url(config.database_url).render_as_string(hide_password=True), plans=plans,
    )


# --- the database: the bench's own, wiped and migrated -----------------------------------------------------


def prepare_database(url: str) -> None:
    """Create the database when missing, drop and recreate its public schema, apply the migrations."""
    parsed = make_url(url)
    name = parsed.database or ""
    if not _NAME.match(name) or "bench" not in name:
        raise SettleBenchError(f"refusing to wipe database {name!r}: bench settle drops its schema, so the database "
                               "name must contain 'bench' (letters, digits, _)")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as error:
        raise SettleBenchError(f"cannot reach or create database {name!r}: {str(error).splitlines()[0]}") from None
    finally:
        admin.dispose()
    target = create_engine(url, poolclass=NullPool)
    try:
        with target.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        target.dispose()
    migrate.upgrade(url)


# --- the ledger, set-based ---------------------------------------------------------------------------------


def account_id(merchant_index: int, slot: int) -> int:
    """Accounts get explicit ids: merchant i's (0-based) slot s is i * PER_MERCHANT + s + 1; the operator's follow."""
    return merchant_index * PER_MERCHANT + slot + 1


def generate(engine: Engine, factory: sessionmaker[Session], config: SettleConfig, period: Period,
             listener: Listener) -> Dataset:
    started = time.perf_counter()
    listener.phase("商户账户 merchants, accounts")
    alliance_id = bench_alliance(factory)
    with engine.begin() as conn:
        _merchants(conn, alliance_id, config.merchants)
        accounts = _accounts(conn, alliance_id, config.merchants)
    postings = config.postings
    with bulk_load(engine, listener, LEDGER_TABLES):
        chunks = range(1, postings + 1, CHUNK_POSTINGS)
        listener.phase("账本 ledger entries", total=postings * 2)
        for lo in chunks:
            hi = min(lo + CHUNK_POSTINGS - 1, postings)
            with engine.begin() as conn:
                _postings(conn, alliance_id, config.merchants, period, lo, hi)
            listener.tick(hi * 2, f"{hi * 2:,} entries")
    listener.phase("余额统计 balances, VACUUM ANALYZE")
    _finish(engine)
    return Dataset(alliance_id=alliance_id, merchants=config.merchants, accounts=accounts, postings=postings,
                   entries=postings * 2, generate_s=time.perf_counter() - started)


def bench_alliance(factory: sessionmaker[Session], bench: str = "settle", name: str = "结算压测联盟") -> int:
    """A fresh alliance for one bench run, named after the bench and the time (benches share this helper)."""
    with factory() as session:
        begin_write(session)
        code = f"bench-{bench}-{clock.now():%Y%m%d-%H%M%S}"
        alliance = Alliance(code=code, name=f"{name} {code}", city="深圳",
                            description=f"Created by `lianmeng bench {bench}`; the database is the bench's own.")
        session.add(alliance)
        session.commit()
        return alliance.id


def _merchants(conn: Connection, alliance_id: int, count: int) -> None:
    conn.execute(text(
        "INSERT INTO merchants (id, alliance_id, name, industry, brand_tags, rating, years_in_business, status, "
        "contact_name, description, created_at, updated_at) "
        "SELECT g, :a, '压测商户 ' || g, (ARRAY['dining','retail_mall','beauty','fitness','auto_service','home'])"
        "[1 + g % 6], CAST('[]' AS json), 4.5, 3, 'active', '', '', now(), now() "
        "FROM generate_series(1, CAST(:n AS integer)) g"), {"a": alliance_id, "n": count})
    conn.execute(text("SELECT setval(pg_get_serial_sequence('merchants', 'id'), (SELECT max(id) FROM merchants))"))


def _slot_rows() -> str:
    """VALUES (slot, kind, scope offset or NULL, fixed scope, may go negative, derived) for a merchant's accounts."""
    rows = [(slot, kind, "NULL", scope) for slot, (kind, scope) in enumerate(SLOTS)]
    rows += [(len(SLOTS) + k, AccountKind.PARTNER_BALANCE, str(d), 0) for k, d in enumerate(PARTNER_OFFSETS)]
    return ", ".join(
        f"({slot}, '{kind.value}', CAST({offset} AS integer), {scope}, {str(KIND_RULES[kind].may_go_negative).lower()},"
        f" {str(KIND_RULES[kind].derived).lower()})" for slot, kind, offset, scope in rows)


def _accounts(conn: Connection, alliance_id: int, merchants: int) -> int:
    conn.execute(text(
        "INSERT INTO ledger_accounts (id, alliance_id, owner_type, owner_id, kind, scope_id, unit, balance, "
        "may_go_negative, derived, created_at) "
        f"SELECT i * {PER_MERCHANT} + s.slot + 1, :a, 'merchant', i + 1, s.kind, "
        "CASE WHEN s.offset_ IS NULL THEN s.scope ELSE ((i + s.offset_) % :n + :n) % :n + 1 END, 'fen', 0, "
        "s.neg, s.derived, now() "
        "FROM generate_series(0, CAST(:n AS integer) - 1) i "
        f"CROSS JOIN (VALUES {_slot_rows()}) AS s(slot, kind, offset_, scope, neg, derived)"),
        {"a": alliance_id, "n": merchants})
    first = account_id(merchants, 0)
    for n, (kind, scope) in enumerate(OPERATOR_ACCOUNTS):
        rule = KIND_RULES[kind]
        conn.execute(text(
            "INSERT INTO ledger_accounts (id, alliance_id, owner_type, owner_id, kind, scope_id, unit, balance, "
            "may_go_negative, derived, created_at) VALUES (:id, :a, 'operator', 0, :kind, :scope, 'fen', 0, :neg, "
            ":derived, now())"),
            {"id": first + n, "a": alliance_id, "kind": kind.value, "scope": scope, "neg": rule.may_go_negative,
             "derived": rule.derived})
    conn.execute(text(
        "SELECT setval(pg_get_serial_sequence('ledger_accounts', 'id'), (SELECT max(id) FROM ledger_accounts))"))
    return merchants * PER_MERCHANT + len(OPERATOR_ACCOUNTS)


def _slot(kind: AccountKind) -> int:
    return [k for k, _ in SLOTS].index(kind)


def _legs_sql(merchants: int) -> str:
    """Per posting (CTE r: id, bucket 0–99, merchant index i, partner choice k, amount x, at): its cause and two legs
    (account, amount, party type, party id); the second leg's amount is minus the first's. Merchant j is i's
    partner i + PARTNER_OFFSETS[k]; j's partner balance with i is its slot for the opposite offset (3 - k)."""
    def acct(index: str, slot: int | str) -> str:
        return f"({index}) * {PER_MERCHANT} + {slot} + 1"

    fees, clearing, campaign = (str(account_id(merchants, n)) for n in range(len(OPERATOR_ACCOUNTS)))
    partner = len(SLOTS)
    cp, rf, rc, pi, pr, cc, cash, svl = (_slot(kind) for kind in (
        AccountKind.COMMISSION_PAYABLE, AccountKind.REBATE_FROZEN, AccountKind.REBATE_CLAWBACK,
        AccountKind.POINTS_ISSUED, AccountKind.POINTS_REDEEMED, AccountKind.CAMPAIGN_COSTS, AccountKind.CASH,
        AccountKind.STORED_VALUE_LIABILITY))
    op, me, them, nobody = ("'operator'", "0"), ("'merchant'", "i + 1"), ("'merchant'", "j + 1"), ("NULL", "NULL")
    # per MIX row: leg 1 (account, amount, party), leg 2 (account, party)
    legs: list[tuple[str, str, tuple[str, str], str, tuple[str, str]]] = [
        (acct("i", cp), "-x", them, acct("j", rf), me),
        (acct("i", cp), "-(x / 10 + 1)", op, fees, me),
        (acct("i", cp), "x", them, acct("j", rc), me),
        (acct("i", pi), "-x", op, clearing, me),
        (acct("i", pr), "x", op, clearing, me),
        (acct("i", f"{partner} + k"), "-x", them, acct("j", f"{partner} + 3 - k"), me),
        (acct("i", cc), "-x", op, campaign, me),
        (acct("i", cash), "-x", nobody, acct("i", svl), nobody),
    ]
    bounds = [sum(share for share, _, _ in MIX[: n + 1]) for n in range(len(MIX))]
    assert bounds[-1] == 100 and len(legs) == len(MIX)

    def case(values: Sequence[str], cast: str) -> str:
        whens = " ".join(f"WHEN bucket < {bound} THEN {value}" for bound, value in zip(bounds, values[:-1],
                                                                                          strict=False))
        return f"CAST(CASE {whens} ELSE {values[-1]} END AS {cast})"

    columns = {
        "cause": case([f"'{cause}'" for _, cause, _ in MIX], "varchar"),
        "a1": case([leg[0] for leg in legs], "integer"),
        "x1": case([leg[1] for leg in legs], "bigint"),
        "t1": case([leg[2][0] for leg in legs], "varchar"),
        "p1": case([leg[2][1] for leg in legs], "integer"),
        "a2": case([leg[3] for leg in legs], "integer"),
        "t2": case([leg[4][0] for leg in legs], "varchar"),
        "p2": case([leg[4][1] for leg in legs], "integer"),
    }
    offsets = ", ".join(str(d) for d in PARTNER_OFFSETS)
    return (
        "SELECT id, at, " + ", ".join(f"{sql} AS {name}" for name, sql in columns.items())
        + f" FROM (SELECT r.*, ((i + (ARRAY[{offsets}])[k + 1]) % {merchants} + {merchants}) % {merchants} AS j"
        " FROM r) AS rj"
    )


def _postings(conn: Connection, alliance_id: int, merchants: int, period: Period, lo: int, hi: int) -> None:
    """Postings lo..hi (explicit ids) and their two entries each, in one statement."""
    span = period.ends_at - period.starts_at - timedelta(microseconds=1)
    conn.execute(text(
        "WITH r AS MATERIALIZED ("
        " SELECT g AS id, floor(random() * 100)::int AS bucket, floor(random() * :n)::int AS i,"
        " floor(random() * 4)::int AS k, 100 + floor(random() * 9900)::bigint AS x,"
        " CAST(:starts AS timestamptz) + random() * CAST(:span AS interval) AS at"
        " FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) g),"
        f" p AS MATERIALIZED ({_legs_sql(merchants)}),"
        " ins AS (INSERT INTO ledger_postings (id, alliance_id, idempotency_key, cause, cause_id, memo, created_at,"
        "  occurred_at) SELECT id, :a, 'bench:' || id, cause, id, '', at, at FROM p)"
        " INSERT INTO ledger_entries (alliance_id, posting_id, account_id, unit, amount, party_type, party_id,"
        "  cause, occurred_at)"
        " SELECT :a, p.id, l.account_id, 'fen', l.amount, l.party_type, l.party_id, p.cause, p.at FROM p"
        " CROSS JOIN LATERAL (VALUES (p.a1, p.x1, p.t1, p.p1), (p.a2, -p.x1, p.t2, p.p2))"
        " AS l(account_id, amount, party_type, party_id)"),
        {"a": alliance_id, "n": merchants, "starts": period.starts_at, "span": span, "lo": lo, "hi": hi})


@contextmanager
def bulk_load(engine: Engine, listener: Listener, tables: Sequence[str]) -> Iterator[None]:
    """Drop these tables' secondary indexes, unique and foreign-key constraints for the load; recreate them
    afterwards exactly as they were (their definitions are read from the catalog)."""
    with engine.begin() as conn:
        indexes = [(str(name), str(sql)) for name, sql in conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(:t) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"), {"t": list(tables)})]
        constraints = [(str(table), str(name), str(sql)) for table, name, sql in conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(CAST(:t AS regclass[])) AND contype IN ('u', 'f') ORDER BY contype DESC, conname"),
            {"t": list(tables)})]
        for table, name, _ in reversed(constraints):
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    listener.phase("索引约束 indexes, constraints", total=len(indexes) + len(constraints))
    statements = [sql for _, sql in indexes] + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {sql}'
                                                for t, n, sql in constraints]
    for done, statement in enumerate(statements, start=1):
        with engine.begin() as conn:
            conn.execute(text(statement))
        listener.tick(done, "")


def _finish(engine: Engine) -> None:
    """Kept balances = the sum of their entries; sequences past the explicit ids; VACUUM ANALYZE; CHECKPOINT."""
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE ledger_accounts a SET balance = s.total FROM (SELECT e.account_id, sum(e.amount) AS total "
            "FROM ledger_entries e WHERE e.account_id IN (SELECT id FROM ledger_accounts WHERE NOT derived) "
            "GROUP BY e.account_id) s WHERE a.id = s.account_id"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('ledger_postings', 'id'), "
                          "(SELECT coalesce(max(id), 1) FROM ledger_postings))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in (*LEDGER_TABLES, "ledger_accounts", "merchants", "alliances"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
        with suppress(SQLAlchemyError):  # needs rights; best effort
            conn.execute(text("CHECKPOINT"))


# --- timing ------------------------------------------------------------------------------------------------


def warm_up(engine: Engine) -> None:
    """Read both ledger tables once, so neither contender pays for the first read from disk."""
    with engine.connect() as conn:
        for table in LEDGER_TABLES:
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def _window(alliance_id: int, period: Period) -> dict[str, Any]:
    return {"a": alliance_id, "start": period.starts_at, "end": period.ends_at}


def time_baseline(engine: Engine, alliance_id: int, period: Period) -> float:
    """The bare aggregate over the same entries, fetched to the client, in a transaction of its own."""
    with engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(text(BASELINE_SQL), _window(alliance_id, period)).fetchall()
        seconds = time.perf_counter() - started
        conn.rollback()
    if not rows:
        raise SettleBenchError("the baseline found no entries in the period")
    return seconds


def time_settle(factory: sessionmaker[Session], alliance_id: int, period: Period, at: datetime,
                listener: Listener) -> tuple[float, int, int, int]:
    """`settle` in a transaction of its own, commit included: (seconds, run id, statements, lines)."""
    with factory() as session:
        started = time.perf_counter()
        begin_write(session)
        run = settlement.settle(session, SYSTEM, alliance_id, period.label, at=at,
                                progress=lambda step: listener.tick(0, step))
        session.commit()
        seconds = time.perf_counter() - started
        return seconds, run.id, run.statements, run.lines


def delete_run(engine: Engine, run_id: int, conn: Connection | None = None) -> None:
    """Remove a run and its statements and lines (between repetitions)."""
    statements = [
        "DELETE FROM settlement_events WHERE statement_id IN (SELECT id FROM settlement_statements WHERE run_id = :r)",
        "DELETE FROM settlement_lines WHERE statement_id IN (SELECT id FROM settlement_statements WHERE run_id = :r)",
        "DELETE FROM settlement_statements WHERE run_id = :r",
        "DELETE FROM settlement_runs WHERE id = :r",
    ]
    if conn is not None:
        for sql in statements:
            conn.execute(text(sql), {"r": run_id})
        return
    with engine.begin() as own:
        for sql in statements:
            own.execute(text(sql), {"r": run_id})


def explain(factory: sessionmaker[Session], engine: Engine, alliance_id: int, period: Period, at: datetime,
            run_id: int) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement-lines INSERT … SELECT exactly as `settle` sends it, and of the
    baseline. In one transaction that is rolled back: the committed run is deleted there first, settled again
    while the SQL is captured, and the captured INSERT is explained (it inserts the lines a second time)."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SETTLEMENT_LINES"):
            captured.append((statement, parameters))

    plans: dict[str, list[str]] = {}
    with factory() as session:
        begin_write(session)
        delete_run(engine, run_id, session.connection())
        event.listen(engine, "before_cursor_execute", capture)
        try:
            settlement.settle(session, SYSTEM, alliance_id, period.label, at=at)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        if captured:
            statement, parameters = captured[-1]
            plan = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans["settlement_lines"] = [str(row[0]) for row in plan]
        baseline = session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + BASELINE_SQL), _window(alliance_id, period))
        plans["baseline"] = [str(row[0]) for row in baseline]
        session.rollback()
    return plans


def summary_rows(result: SettleResult) -> Sequence[tuple[str, str]]:
    d = result.dataset
    return (
        ("ours: settle (s)", f"{result.ours_s:.3f}"),
        ("baseline: SQL aggregate (s)", f"{result.baseline_s:.3f}"),
        ("ratio ours / baseline", f"{result.ratio:.3f}"),
        ("ours runs (s)", " / ".join(f"{s:.3f}" for s in result.ours_runs)),
        ("baseline runs (s)", " / ".join(f"{s:.3f}" for s in result.baseline_runs)),
        ("verify (s)", f"{result.verify_s:.3f}"),
        ("verify", "ok" if result.verify_ok else f"{result.mismatches} MISMATCHES"),
        ("statements", f"{result.statements:,}"),
        ("statement lines", f"{result.statement_lines:,}"),
        ("entries on statements", f"{result.entries_on_statements:,}"),
        ("ledger entries / postings", f"{d.entries:,} / {d.postings:,}"),
        ("merchants / accounts", f"{d.merchants:,} / {d.accounts:,}"),
        ("generation (s)", f"{d.generate_s:.1f}"),
        ("period", result.period),
    )
