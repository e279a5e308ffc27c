"""Queries of the member value model. The refresh is set-based SQL over scratch (temporary) tables, the same
statements on SQLite and PostgreSQL except the day arithmetic (behind a dialect check):

1. `collect_members`: which members to recompute — all (full) or those whose orders/refunds changed since the
   watermark, plus those with orders that aged out of the window since the last run.
2. `collect_figures`: their raw figures per (member, merchant) and alliance-wide.
3. `score`: quintile scores, classes and stars of EVERY row of the alliance — stored figures for members not
   recomputed, fresh ones for the rest; quintiles move when anyone's figures move — with window functions, into a
   scratch table beside the stored values.
4. `write_scored`: a history row where a stored row's class or stars changed; stored rows rewritten only where
   something differs; new rows inserted. Each row is written at most once per run (no insert-then-update).

The rules themselves live in `values/domain.py`; the CASE expressions below are generated from its constants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, text
from sqlalchemy.orm import Session

from lianmeng.db import UTCDateTime
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order, Refund
from lianmeng.tenancy import policy
from lianmeng.tenancy.principal import Principal
from lianmeng.values import domain
from lianmeng.values.models import MemberValue, MemberValueChange, ValueModelSettings

SCRATCH = ("value_people", "value_members", "value_figures", "value_rows", "value_scored")
SCORE_WORK_MEM = "256MB"  # PostgreSQL, for the refresh's transaction only (SET LOCAL)


def settings_for(session: Session, alliance_id: int, lock: bool = False) -> ValueModelSettings:
    """The alliance's settings row, created with the defaults on first use; `lock` serialises two refreshes."""
    stmt = select(ValueModelSettings).where(ValueModelSettings.alliance_id == alliance_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        row = ValueModelSettings(alliance_id=alliance_id, window_days=domain.DEFAULT_WINDOW_DAYS, last_order_id=0,
                                 last_refund_id=0, last_run_members=0)
        session.add(row)
        session.flush()
    return row


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _params(session: Session, **params: Any) -> dict[str, Any]:
    """Datetimes bound as the column type stores them (on SQLite: the same text format as the stored values, so
    text comparisons order correctly)."""
    dialect = session.get_bind().dialect
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return {name: (processor(value.astimezone(UTC)) if processor is not None else value)
            if isinstance(value, datetime) else value
            for name, value in params.items()}


def create_scratch(session: Session) -> None:
    """Three temporary tables: the members to recompute, their fresh figures, and every row of the alliance
    scored."""
    drop_scratch(session)
    if _postgres(session):
        # the aggregates and the scoring's one sort stay in memory at a million members; and the histograms are
        # joined by hash: the planner underestimates those joins (merchant × value) and would sort every row twice
        # more to merge them
        session.execute(text(f"SET LOCAL work_mem = '{SCORE_WORK_MEM}'"))
        session.execute(text("SET LOCAL enable_mergejoin = off"))
    stamp = "TIMESTAMP WITH TIME ZONE" if _postgres(session) else "DATETIME"
    temp = "CREATE TEMPORARY TABLE"
    session.execute(text(f"{temp} value_people (member_id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL)"))
    session.execute(text(f"{temp} value_members (member_id INTEGER PRIMARY KEY)"))
    session.execute(text(
        f"{temp} value_figures (member_id INTEGER NOT NULL, merchant_id INTEGER NOT NULL, last_order_at {stamp}, "
        "frequency INTEGER NOT NULL, monetary_fen BIGINT NOT NULL, merchants_visited INTEGER NOT NULL)"))
    session.execute(text(
        f"{temp} value_rows (id INTEGER, member_id INTEGER NOT NULL, merchant_id INTEGER NOT NULL, "
        f"last_order_at {stamp}, recency_days INTEGER, frequency INTEGER NOT NULL, monetary_fen BIGINT NOT NULL, "
        f"merchants_visited INTEGER NOT NULL, old_last_order_at {stamp}, old_recency_days INTEGER, "
        "old_frequency INTEGER, old_monetary_fen BIGINT, old_merchants_visited INTEGER, old_r_score INTEGER, "
        "old_f_score INTEGER, old_m_score INTEGER, old_rfm_class VARCHAR(24), old_stars INTEGER)"))
    session.execute(text(
        f"{temp} value_scored (id INTEGER, member_id INTEGER NOT NULL, merchant_id INTEGER NOT NULL, "
        f"last_order_at {stamp}, recency_days INTEGER, frequency INTEGER NOT NULL, monetary_fen BIGINT NOT NULL, "
        "merchants_visited INTEGER NOT NULL, r_score INTEGER NOT NULL, f_score INTEGER NOT NULL, "
        "m_score INTEGER NOT NULL, rfm_class VARCHAR(24) NOT NULL, stars INTEGER, new_level INTEGER NOT NULL)"))


def drop_scratch(session: Session) -> None:
    for name in SCRATCH:
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))


def _analyze(session: Session, *tables: str) -> None:
    """PostgreSQL never auto-analyzes temporary tables: without statistics it plans 1 M rows as a thousand."""
    if _postgres(session):
        session.execute(text(f"ANALYZE {', '.join(tables)}"))


# --- 0. people -------------------------------------------------------------------------------------------------


def collect_people(session: Session, alliance_id: int) -> int:
    """Values are a person's (docs/merging.md): value_people maps every merged member's tombstone to the member it
    lives on as now (following a chain of merges), so its orders count as that member's; the tombstones' own
    value rows are removed (they are nobody). Tombstones are few: a small table. Returns how many."""
    session.execute(text(
        "INSERT INTO value_people (member_id, person_id) "
        "WITH RECURSIVE chain (member_id, person_id, depth) AS ("
        "  SELECT id, merged_into_id, 1 FROM members WHERE alliance_id = :a AND merged_into_id IS NOT NULL "
        "  UNION ALL SELECT c.member_id, m.merged_into_id, c.depth + 1 FROM chain c "
        "  JOIN members m ON m.id = c.person_id WHERE m.merged_into_id IS NOT NULL AND c.depth < 100) "
        "SELECT c.member_id, c.person_id FROM chain c JOIN members m ON m.id = c.person_id "
        "WHERE m.merged_into_id IS NULL"), {"a": alliance_id})
    session.execute(text(
        "DELETE FROM member_values WHERE alliance_id = :a "
        "AND member_id IN (SELECT member_id FROM value_people)"), {"a": alliance_id})
    _analyze(session, "value_people")
    return int(session.execute(text("SELECT count(*) FROM value_people")).scalar_one())


# --- 1. which members ------------------------------------------------------------------------------------------


def collect_members(session: Session, alliance_id: int, at: datetime, full: bool, since: datetime | None,
                    prev_start: datetime | None, start: datetime, last_order_id: int,
                    last_refund_id: int) -> int:
    """Fill value_members (incremental runs; a full run recomputes every member and leaves it empty); returns how
    many. Incremental: orders or refunds past the watermark, or recorded after `since` (the last run's time minus a
    margin: an order whose id was taken before the last run but committed after it), orders that were in the
    last run's window but are not in this one, and both members of a merge made or undone since; each as the
    person it is now (value_people)."""
    if not full:
        session.execute(text(
            "INSERT INTO value_members (member_id) "
            "SELECT DISTINCT coalesce(p.person_id, c.member_id) FROM ("
            "SELECT member_id FROM orders WHERE alliance_id = :a AND (id > :lo OR created_at > :since) "
            "UNION SELECT o.member_id FROM refunds r JOIN orders o ON o.id = r.order_id "
            "  WHERE r.alliance_id = :a AND (r.id > :lr OR r.created_at > :since) "
            "UNION SELECT member_id FROM orders WHERE alliance_id = :a AND created_at >= :prev_start "
            "  AND created_at < :start "
            "UNION SELECT survivor_id FROM member_merges WHERE alliance_id = :a "
            "  AND (merged_at > :since OR undone_at > :since) "
            "UNION SELECT absorbed_id FROM member_merges WHERE alliance_id = :a "
            "  AND (merged_at > :since OR undone_at > :since)"
            ") c LEFT JOIN value_people p ON p.member_id = c.member_id"),
            _params(session, a=alliance_id, lo=last_order_id, lr=last_refund_id, since=since,
                    prev_start=prev_start or start, start=start))
    _analyze(session, "value_members")
    return int(session.execute(text("SELECT count(*) FROM value_members")).scalar_one())


def watermarks(session: Session, alliance_id: int) -> tuple[int, int]:
    last_order = session.scalar(select(func.max(Order.id)).where(Order.alliance_id == alliance_id)) or 0
    last_refund = session.scalar(select(func.max(Refund.id)).where(Refund.alliance_id == alliance_id)) or 0
    return int(last_order), int(last_refund)


# --- 2. raw figures --------------------------------------------------------------------------------------------


def collect_figures(session: Session, alliance_id: int, at: datetime, start: datetime, full: bool) -> int:
    """Per (member, merchant): last order ever (≤ at), orders and net spend (amount − refunded) in the window;
    alliance-wide (merchant 0 here, NULL in member_values) the same summed, plus breadth. Every member of the
    alliance when `full`, else those in value_members. A tombstone's orders are its person's (value_people).
    Returns how many members."""
    person = "coalesce(p.person_id, o.member_id)"
    chosen = "" if full else f"JOIN value_members m ON m.member_id = {person} "
    session.execute(text(
        "INSERT INTO value_figures (member_id, merchant_id, last_order_at, frequency, monetary_fen, "
        "merchants_visited) "
        f"SELECT {person}, o.merchant_id, max(o.occurred_at), "
        "  sum(CASE WHEN o.occurred_at >= :start THEN 1 ELSE 0 END), "
        "  sum(CASE WHEN o.occurred_at >= :start THEN o.amount_fen - o.refunded_fen ELSE 0 END), 0 "
        f"FROM orders o LEFT JOIN value_people p ON p.member_id = o.member_id {chosen}"
        f"WHERE o.alliance_id = :a AND o.occurred_at <= :at GROUP BY {person}, o.merchant_id"),
        _params(session, a=alliance_id, at=at, start=start))
    session.execute(text(
        "INSERT INTO value_figures (member_id, merchant_id, last_order_at, frequency, monetary_fen, "
        "merchants_visited) "
        "SELECT member_id, 0, max(last_order_at), sum(frequency), sum(monetary_fen), "
        "  sum(CASE WHEN frequency > 0 THEN 1 ELSE 0 END) "
        "FROM value_figures GROUP BY member_id"))
    _analyze(session, "value_figures")
    return int(session.execute(text("SELECT count(*) FROM value_figures WHERE merchant_id = 0")).scalar_one())


def drop_vanished(session: Session, alliance_id: int, full: bool) -> None:
    """Stored rows whose figures are gone: a survivor's rows at the merchants where only its tombstone bought,
    once the merge is undone (orders are never deleted, so this is the one way a row's figures vanish). Only
    recomputed members can have them: those in value_members, or on a full run the survivors of undone merges."""
    chosen = ("SELECT survivor_id FROM member_merges WHERE alliance_id = :a AND undone_at IS NOT NULL" if full
              else "SELECT member_id FROM value_members")
    session.execute(text(
        f"DELETE FROM member_values WHERE alliance_id = :a AND member_id IN ({chosen}) "
        "AND NOT EXISTS (SELECT 1 FROM value_figures f WHERE f.member_id = member_values.member_id "
        "  AND f.merchant_id = coalesce(member_values.merchant_id, 0))"), {"a": alliance_id})


# --- 3. scores, classes, stars ---------------------------------------------------------------------------------


def _recency_sql(session: Session) -> str:
    """Whole days from the last order to :at (floor), the one non-portable expression."""
    if _postgres(session):
        return "CAST(floor(extract(epoch FROM (CAST(:at AS TIMESTAMPTZ) - last_order_at)) / 86400) AS INTEGER)"
    return "CAST(julianday(:at) - julianday(last_order_at) AS INTEGER)"


def _class_sql() -> str:
    """domain.CLASS_OF as one CASE: an axis is high when score × n > the scope's sum of scores."""
    axes = ("r_score * n > r_sum", "f_score * n > f_sum", "m_score * n > m_sum")
    branches = []
    for highs, cls in domain.CLASS_OF.items():
        cond = " AND ".join(axis if high else f"NOT ({axis})" for axis, high in zip(axes, highs, strict=True))
        branches.append(f"WHEN {cond} THEN '{cls.value}'")
    return "CASE " + " ".join(branches) + " END"


def _stars_sql() -> str:
    """domain.stars as SQL: spend stars + breadth bonus, then the lowest cap that applies."""
    spend = " + ".join(f"CASE WHEN monetary_fen >= {t} THEN 1 ELSE 0 END" for t in domain.STAR_SPEND_FEN[1:])
    raw = f"(1 + {spend} + CASE WHEN merchants_visited >= {domain.BREADTH_BONUS_MERCHANTS} THEN 1 ELSE 0 END)"
    cap = (f"(CASE WHEN recency_days IS NULL OR recency_days > {domain.INACTIVE_DAYS} THEN {domain.INACTIVE_CAP} "
           f"WHEN frequency < {domain.TOP_STARS_MIN_ORDERS} THEN {domain.TOP_STARS_FROM - 1} "
           f"ELSE {domain.MAX_STARS} END)")
    return f"CASE WHEN {raw} > {cap} THEN {cap} ELSE {raw} END"


_FIGURES = ("last_order_at", "frequency", "monetary_fen", "merchants_visited")
_WRITTEN = (*_FIGURES, "recency_days", "r_score", "f_score", "m_score", "rfm_class", "stars")
_STORED = ", ".join(f"v.{c} AS old_{c}" for c in _WRITTEN)
_NO_STORED = ", ".join(f"CAST(NULL AS {kind}) AS old_{c}" for c, kind in (
    ("last_order_at", "TIMESTAMP"), ("frequency", "INTEGER"), ("monetary_fen", "BIGINT"),
    ("merchants_visited", "INTEGER"), ("recency_days", "INTEGER"), ("r_score", "INTEGER"), ("f_score", "INTEGER"),
    ("m_score", "INTEGER"), ("rfm_class", "VARCHAR(24)"), ("stars", "INTEGER")))
_STORED_OTHERS = (  # stored rows of the members not recomputed (incremental runs)
    "SELECT v.id, v.member_id, coalesce(v.merchant_id, 0) AS merchant_id, v.last_order_at, v.frequency, "
    f"  v.monetary_fen, v.merchants_visited, {_STORED} FROM member_values v "
    "  WHERE v.alliance_id = :a AND NOT EXISTS (SELECT 1 FROM value_members m WHERE m.member_id = v.member_id)")
_FRESH = (  # fresh figures, beside the stored row they replace
    "SELECT v.id, f.member_id, f.merchant_id, f.last_order_at, f.frequency, f.monetary_fen, f.merchants_visited, "
    f"  {_STORED} FROM value_figures f LEFT JOIN member_values v ON v.alliance_id = :a "
    "  AND v.member_id = f.member_id AND coalesce(v.merchant_id, 0) = f.merchant_id")
_FIRST = (  # the alliance has no stored row yet: the fresh figures are all there is
    "SELECT CAST(NULL AS INTEGER) AS id, member_id, merchant_id, last_order_at, frequency, monetary_fen, "
    f"  merchants_visited, {_NO_STORED} FROM value_figures")
_SCORED = ("id, member_id, merchant_id, last_order_at, recency_days, frequency, monetary_fen, merchants_visited, "
           "r_score, f_score, m_score, rfm_class, stars")
_OLD = ", ".join(f"old_{c}" for c in _WRITTEN)


def _differs(a: str, b: str) -> str:
    """a IS DISTINCT FROM b, spelled so both databases read it."""
    return f"({a} <> {b} OR {a} IS NULL AND {b} IS NOT NULL OR {a} IS NOT NULL AND {b} IS NULL)"


def gather_rows(session: Session, alliance_id: int, at: datetime, first: bool, full: bool) -> None:
    """Every value row of the alliance into value_rows, with its recency at `at`: as stored for members not
    recomputed, fresh figures for the rest (beside the id of the stored row they replace). A table, not a CTE,
    so that the planner knows its size when it joins it to its histograms."""
    rows = _FIRST if first else _FRESH if full else f"{_STORED_OTHERS} UNION ALL {_FRESH}"
    session.execute(text(
        "INSERT INTO value_rows (id, member_id, merchant_id, last_order_at, recency_days, frequency, monetary_fen, "
        f"merchants_visited, {_OLD}) SELECT id, member_id, merchant_id, last_order_at, {_recency_sql(session)}, "
        f"frequency, monetary_fen, merchants_visited, {_OLD} FROM ({rows}) a"), _params(session, a=alliance_id, at=at))
    _analyze(session, "value_rows")


def _scoring_sql() -> str:
    """Scores, class and stars of value_rows (columns _SCORED, then the stored values old_…). Quintile =
    1 + 5 × smaller ÷ n per scope (merchant, or 0 for alliance-wide). Recency and frequency take few distinct
    values: `smaller` comes from a per-scope histogram (a running sum), so only monetary needs a sort of every row
    (RANK() − 1)."""
    k = domain.SCORES
    columns = ("id, member_id, merchant_id, last_order_at, recency_days, frequency, monetary_fen, "
               f"merchants_visited, {_OLD}")

    def smaller(col: str, order: str) -> str:
        return (f"SELECT merchant_id, {col}, CAST(sum(c) OVER (PARTITION BY merchant_id ORDER BY {col} {order}) "
                f"- c AS INTEGER) AS smaller FROM (SELECT merchant_id, {col}, count(*) AS c FROM value_rows "
                f"WHERE frequency > 0 GROUP BY merchant_id, {col}) h")

    return (
        "WITH sizes AS (SELECT merchant_id, count(*) AS n FROM value_rows WHERE frequency > 0 GROUP BY merchant_id), "
        f"r_rank AS ({smaller('recency_days', 'DESC')}), "
        f"f_rank AS ({smaller('frequency', 'ASC')}), "
        "ranked AS (SELECT a.*, s.n, "
        f"  1 + {k} * r.smaller / s.n AS r_score, 1 + {k} * f.smaller / s.n AS f_score, "
        f"  1 + {k} * (RANK() OVER (PARTITION BY a.merchant_id ORDER BY a.monetary_fen) - 1) / s.n AS m_score "
        "  FROM value_rows a JOIN sizes s ON s.merchant_id = a.merchant_id "
        "  JOIN r_rank r ON r.merchant_id = a.merchant_id AND r.recency_days = a.recency_days "
        "  JOIN f_rank f ON f.merchant_id = a.merchant_id AND f.frequency = a.frequency WHERE a.frequency > 0), "
        "summed AS (SELECT ranked.*, sum(r_score) OVER (PARTITION BY merchant_id) AS r_sum, "
        "  sum(f_score) OVER (PARTITION BY merchant_id) AS f_sum, "
        "  sum(m_score) OVER (PARTITION BY merchant_id) AS m_sum FROM ranked) "
        f"SELECT {columns}, r_score, f_score, m_score, {_class_sql()} AS rfm_class, "
        f"  CASE WHEN merchant_id = 0 THEN {_stars_sql()} END AS stars FROM summed "
        f"UNION ALL SELECT {columns}, 1, 1, 1, '{domain.LAPSED_CLASS.value}', "
        "  CASE WHEN merchant_id = 0 THEN 1 END FROM value_rows WHERE frequency <= 0")


_INSERT_VALUES = (
    "INSERT INTO member_values (alliance_id, member_id, merchant_id, last_order_at, recency_days, frequency, "
    "  monetary_fen, merchants_visited, r_score, f_score, m_score, rfm_class, stars, computed_at) "
    "SELECT :a, member_id, CASE WHEN merchant_id = 0 THEN NULL ELSE merchant_id END, last_order_at, "
    "  recency_days, frequency, monetary_fen, merchants_visited, r_score, f_score, m_score, rfm_class, stars, :at "
    # inserted in the order of both secondary indexes' leading columns: their pages fill in order, not at random
    "FROM ({rows}) s {where} ORDER BY member_id, merchant_id")


def has_rows(session: Session, alliance_id: int) -> bool:
    return session.scalar(select(MemberValue.id).where(MemberValue.alliance_id == alliance_id).limit(1)) is not None


def score_first(session: Session, alliance_id: int, at: datetime) -> int:
    """The alliance's first run: scored rows go straight into member_values (nothing to compare, no history)."""
    result = session.execute(text(_INSERT_VALUES.format(rows=_scoring_sql(), where="")),
                             _params(session, a=alliance_id, at=at))
    return int(getattr(result, "rowcount", 0) or 0)


def score(session: Session, alliance_id: int, at: datetime) -> None:
    """Every row of the alliance scored, compared with its stored values in the same pass; only new rows and rows
    where anything differs go into value_scored (a small table at the job's pace), with whether the level (class
    or stars) changed."""
    changed = " OR ".join(_differs(f"old_{c}", c) for c in _WRITTEN)
    level = f"CASE WHEN old_rfm_class <> rfm_class OR {_differs('old_stars', 'stars')} THEN 1 ELSE 0 END"
    session.execute(text(
        f"INSERT INTO value_scored ({_SCORED}, new_level) SELECT {_SCORED}, {level} FROM ({_scoring_sql()}) s "
        f"WHERE id IS NULL OR {changed}"), _params(session, a=alliance_id, at=at))
    _analyze(session, "value_scored")


def write_scored(session: Session, alliance_id: int, at: datetime) -> tuple[int, int, int]:
    """A history row where a stored row's class or stars changed (a row's first scoring is not a change: it is
    the row itself, at computed_at); the stored rows that differ rewritten by primary key; new rows inserted.
    Each row is written at most once per run. Returns (rewritten, inserted, history rows)."""
    params = _params(session, a=alliance_id, at=at)
    history = session.execute(text(
        "INSERT INTO member_value_history (alliance_id, member_id, merchant_id, at, rfm_class, stars, frequency, "
        "  monetary_fen, recency_days) "
        "SELECT :a, member_id, CASE WHEN merchant_id = 0 THEN NULL ELSE merchant_id END, :at, rfm_class, stars, "
        "  frequency, monetary_fen, recency_days FROM value_scored WHERE id IS NOT NULL AND new_level = 1"), params)
    assigned = ", ".join(f"{c} = s.{c}" for c in _WRITTEN)
    rewritten = session.execute(text(
        f"UPDATE member_values SET {assigned}, computed_at = :at FROM value_scored s WHERE s.id = member_values.id"),
        params)
    inserted = session.execute(text(_INSERT_VALUES.format(rows="SELECT * FROM value_scored", where="WHERE id IS NULL")),
                               params)

    def count(result: Any) -> int:
        return int(getattr(result, "rowcount", 0) or 0)

    return count(rewritten), count(inserted), count(history)


# --- reads -----------------------------------------------------------------------------------------------------


def rows_of_member(session: Session, p: Principal, member_id: int) -> list[MemberValue]:
    stmt = (select(MemberValue).where(MemberValue.member_id == member_id, policy.member_values(p))
            .order_by(MemberValue.merchant_id.is_not(None), MemberValue.merchant_id))
    return list(session.scalars(stmt))


def history_of_member(session: Session, p: Principal, member_id: int, limit: int = 50) -> list[MemberValueChange]:
    stmt = (select(MemberValueChange)
            .where(MemberValueChange.member_id == member_id, policy.member_value_history(p))
            .order_by(MemberValueChange.at.desc(), MemberValueChange.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def merchant_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Merchant.id, Merchant.name).where(Merchant.id.in_(ids))).all())


def _scope(alliance_id: int, merchant_id: int | None) -> ColumnElement[bool]:
    by_merchant = (MemberValue.merchant_id.is_(None) if merchant_id is None
                   else MemberValue.merchant_id == merchant_id)
    return and_(MemberValue.alliance_id == alliance_id, by_merchant)


def class_counts(alliance_id: int, merchant_id: int | None) -> Select[str, int]:
    return (select(MemberValue.rfm_class, func.count()).where(_scope(alliance_id, merchant_id))
            .group_by(MemberValue.rfm_class))


def star_counts(alliance_id: int, merchant_id: int | None) -> Select[int | None, int]:
    """Stars of the alliance-wide rows; for a merchant, of the members who ordered there (its own rows)."""
    stmt = select(MemberValue.stars, func.count()).where(_scope(alliance_id, None))
    if merchant_id is not None:
        own = select(MemberValue.member_id).where(_scope(alliance_id, merchant_id))
        stmt = stmt.where(MemberValue.member_id.in_(own))
    return stmt.group_by(MemberValue.stars)


def members_in_class(alliance_id: int, merchant_id: int | None, rfm_class: str) -> Select[int]:
    """Ids of the members whose value class is `rfm_class` at one merchant (or alliance-wide: None), for a list's
    filter; the caller's own scoping of members still applies on top."""
    return select(MemberValue.member_id).where(_scope(alliance_id, merchant_id), MemberValue.rfm_class == rfm_class)


def members_with_stars(alliance_id: int, min_stars: int) -> Select[int]:
    """Ids of the members with at least `min_stars` alliance stars (the alliance-wide rows)."""
    return select(MemberValue.member_id).where(_scope(alliance_id, None), MemberValue.stars >= min_stars)

