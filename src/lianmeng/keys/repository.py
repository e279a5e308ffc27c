"""The queries of key rotation. Each reads or writes one sealed table (keys.domain.SEALED_TABLES) through its
SQLAlchemy Table, scoped to one alliance (a platform table, `alliance_column` None, has none)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, func, not_, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

import lianmeng.models  # noqa: F401  (every table in Base.metadata)
from lianmeng.alliances.models import Alliance
from lianmeng.db import Base
from lianmeng.keys.domain import SealedColumn, SealedTable
from lianmeng.kit import crypto
from lianmeng.merchants.models import Merchant, Staff


def _table(sealed: SealedTable) -> Table:
    return Base.metadata.tables[sealed.name]


def alliance_ids(session: Session, code: str | None = None) -> list[int]:
    """Every alliance, or the one of this code (none when no alliance has it)."""
    stmt = select(Alliance.id).order_by(Alliance.id)
    if code is not None:
        stmt = stmt.where(Alliance.code == code)
    return list(session.scalars(stmt))


def _holds_a_value(table: Table, column: SealedColumn) -> ColumnElement[bool]:
    value = table.c[column.column]
    return and_(value.is_not(None), value != "")


def _stale(table: Table, sealed: SealedTable) -> ColumnElement[bool]:
    """A value not sealed with the current key of its purpose (older key id, or no key id at all)."""
    return or_(*(and_(_holds_a_value(table, c), not_(table.c[c.column].startswith(
        crypto.key_prefix(crypto.current_key_id(c.purpose)), autoescape=True))) for c in sealed.columns))


def stale_rows(session: Session, sealed: SealedTable, alliance_id: int | None, after_id: int,
               limit: int) -> Sequence[Row[Any]]:
    """Up to `limit` rows (id order, past `after_id`) holding a value not under the current key: the id, each
    sealed column and its hash column, by name."""
    table = _table(sealed)
    names = [name for c in sealed.columns for name in (c.column, c.hash_column) if name is not None]
    stmt = select(table.c.id, *(table.c[name] for name in names)).where(_stale(table, sealed), table.c.id > after_id)
    if sealed.alliance_column is not None:
        stmt = stmt.where(table.c[sealed.alliance_column] == alliance_id)
    return session.execute(stmt.order_by(table.c.id).limit(limit)).all()


def rewrite(session: Session, sealed: SealedTable, row_id: int, before: dict[str, str | None],
            after: dict[str, str | None]) -> bool:
    """Sets `after` on the row only if it still holds `before` (compare and set: a row the app rewrote since it
    was read is left as the app wrote it, with the current key). True when the row was rewritten."""
    table = _table(sealed)
    unchanged = [table.c[name] == value if value is not None else table.c[name].is_(None)
                 for name, value in before.items()]
    result = session.execute(update(table).where(table.c.id == row_id, *unchanged).values(after))
    return bool(getattr(result, "rowcount", 0) == 1)


def carry_staff_hash(session: Session, alliance_id: int, old_hash: str, new_hash: str) -> int:
    """The alliance's staff holding a phone by its old hash now hold it by the new one (self-referral checks
    compare the two)."""
    merchants = select(Merchant.id).where(Merchant.alliance_id == alliance_id)
    result = session.execute(update(Staff).where(Staff.merchant_id.in_(merchants), Staff.phone_hash == old_hash)
                             .values(phone_hash=new_hash).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def key_counts(session: Session, sealed: SealedTable, column: SealedColumn) -> list[tuple[str, int]]:
    """(key id, values) of one column, over every alliance: 'legacy' for values written before key ids."""
    table = _table(sealed)
    value = table.c[column.column]
    named = and_(func.substr(value, 1, 1) == "k", func.substr(value, crypto.PREFIX_LENGTH, 1) == ".")
    key_id = case((named, func.substr(value, 2, crypto.KEY_ID_LENGTH)), else_=crypto.LEGACY).label("key_id")
    rows = session.execute(select(key_id, func.count()).where(_holds_a_value(table, column))
                           .group_by(key_id).order_by(key_id)).all()
    return [(str(kid), int(n)) for kid, n in rows]
