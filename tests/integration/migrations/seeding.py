"""One row in (nearly) every table of a migrated database, for checking a migration's backfill: ids all 1, every
foreign key pointing at row 1, except `alliance_id`, which points at alliance 2 (alliance 1 exists too, so a
backfill that took the wrong row or a constant shows)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from lianmeng.db import Base

AT = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
SEEDED_ALLIANCE = 2

#: columns whose CHECK constraints want a particular value
VALUES: dict[str, Any] = {
    "rating": 3, "score": 3, "unit": "fen", "status": "active", "owner_type": "merchant", "kind": "points",
}
#: rows whose CHECK constraints relate columns
ROWS: dict[str, dict[str, Any]] = {
    "campaigns": {"ends_at": AT + timedelta(days=1)},
    "orders": {"amount_fen": 3, "refunded_fen": 0},
}


def _value(table: Table, column: Any) -> Any:
    if column.name == "alliance_id":
        return SEEDED_ALLIANCE
    if column.foreign_keys or column.name == "id":
        return 1
    if column.name in VALUES:
        return VALUES[column.name]
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, BigInteger, Numeric, Float)):
        return 1
    if isinstance(kind, DateTime):
        return AT
    if isinstance(kind, Date):
        return date(2026, 12, 1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, (String, Text)):
        return "x"
    return "x"


def seed_one_row_each(engine: Engine) -> MetaData:
    """Reflects the database and inserts the rows; returns the reflected metadata."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            if table.name == "alliances":
                for id_ in (1, SEEDED_ALLIANCE):
                    conn.execute(insert(table).values({c.name: id_ if c.name == "id" else _value(table, c)
                                                       for c in table.columns if not c.nullable or c.name == "id"}
                                                      | {"code": f"A{id_}"}))
                continue
            row = {c.name: _value(table, c) for c in table.columns
                   if not c.nullable or c.primary_key or c.name == "alliance_id"} | ROWS.get(table.name, {})
            try:
                with conn.begin_nested():
                    conn.execute(insert(table).values(row))
            except IntegrityError:  # a CHECK constraint wants more than this (none of the backfilled tables)
                continue
    return metadata


def alliance_ids(engine: Engine) -> dict[str, set[int]]:
    """Every table with an `alliance_id`: the values its rows hold."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {t.name: set(conn.scalars(select(t.c.alliance_id))) for t in metadata.sorted_tables
                if "alliance_id" in t.c}


def empty_every_table(engine: Engine) -> None:
    metadata = MetaData()
    metadata.reflect(engine)
    append_only = {t.name for t in Base.metadata.sorted_tables if t.info.get("append_only")}
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name in append_only and engine.dialect.name == "postgresql":  # its trigger refuses DELETE
                conn.execute(text(f'TRUNCATE "{table.name}"'))
            elif table.name != "alembic_version":
                conn.execute(delete(table))
