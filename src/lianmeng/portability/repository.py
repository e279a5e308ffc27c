"""Every query of an alliance's export and import, generic over the SQLAlchemy metadata.

Which rows belong to an alliance is read from the schema, not listed by hand, so a table added later is exported
without a code change:

- the `alliances` row itself;
- a table with an `alliance_id` column: its rows of that alliance (a row whose nullable `alliance_id` is empty
  belongs where its foreign keys lead, below);
- any other table reached through foreign keys from those (a store through its merchant, a ledger entry through
  its account): its rows whose parent row belongs. A NOT NULL foreign key to a belonging table decides alone (the
  row cannot belong elsewhere); otherwise any of the nullable ones does;
- a table with no path to any alliance but whose rows the alliance's rows point to (the SMS outbox a member
  message was sent through): the rows pointed to, so that the foreign keys hold in the target database.

Everything else (idempotency records, revoked tokens, another alliance's rows, platform logins) stays behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

import lianmeng.models  # noqa: F401  (every table in the metadata: the scope is read from it)
from lianmeng.db import Base
from lianmeng.db_shard import identity_columns

ALLIANCES = "alliances"
ALLIANCE_COLUMN = "alliance_id"


def _parents(constraint: ForeignKeyConstraint) -> tuple[list[Column[Any]], list[Column[Any]]]:
    """(child columns, parent columns) of a foreign key, in matching order."""
    return [e.parent for e in constraint.elements], [e.column for e in constraint.elements]


class AllianceScope:
    """The rows of one alliance, table by table (see the module's docstring), as SQL conditions."""

    def __init__(self, alliance_id: int, metadata: MetaData | None = None) -> None:
        self.alliance_id = alliance_id
        self.metadata = metadata or Base.metadata
        self._conditions: dict[str, ColumnElement[bool]] = {}

    @cached_property
    def tables(self) -> list[Table]:
        """The tables an alliance's rows live in, parents before children (the order to insert them in)."""
        tenant = self._tenant_tables()
        referenced = {
            parent.name
            for table in self.metadata.sorted_tables if table.name in tenant
            for constraint in table.foreign_key_constraints
            for parent in [constraint.referred_table] if parent.name not in tenant}
        return [t for t in self.metadata.sorted_tables if t.name in tenant or t.name in referenced]

    def _tenant_tables(self) -> set[str]:
        tenant: set[str] = set()
        changed = True
        while changed:  # sorted_tables puts parents first, but a cycle broken by use_alter may need a second pass
            changed = False
            for table in self.metadata.sorted_tables:
                if table.name in tenant:
                    continue
                if table.name == ALLIANCES or ALLIANCE_COLUMN in table.c or any(
                        c.referred_table.name in tenant for c in table.foreign_key_constraints
                        if c.referred_table is not table):
                    tenant.add(table.name)
                    changed = True
        return tenant

    @cached_property
    def _tenant(self) -> set[str]:
        return self._tenant_tables()

    def condition(self, table: Table) -> ColumnElement[bool]:
        """The SQL condition that picks this alliance's rows of `table`."""
        if table.name not in self._conditions:
            self._conditions[table.name] = false()  # a guard against a cycle while it is being built
            self._conditions[table.name] = self._build(table)
        return self._conditions[table.name]

    def _build(self, table: Table) -> ColumnElement[bool]:
        if table.name == ALLIANCES:
            return table.c.id == self.alliance_id
        if table.name not in self._tenant:
            return self._referenced(table)
        through_parents = self._through_parents(table)
        if ALLIANCE_COLUMN not in table.c:
            return through_parents
        own = table.c[ALLIANCE_COLUMN] == self.alliance_id
        if not table.c[ALLIANCE_COLUMN].nullable:
            return own
        return or_(own, and_(table.c[ALLIANCE_COLUMN].is_(None), through_parents))

    def _through_parents(self, table: Table) -> ColumnElement[bool]:
        paths = [c for c in table.foreign_key_constraints
                 if c.referred_table is not table and c.referred_table.name in self._tenant]
        required = [c for c in paths if not any(column.nullable for column in _parents(c)[0])]
        chosen = required[:1] or paths
        if not chosen:
            return false()
        return or_(*[self._points_into(c) for c in chosen])

    def _points_into(self, constraint: ForeignKeyConstraint) -> ColumnElement[bool]:
        children, parents = _parents(constraint)
        parent_rows = select(*parents).where(self.condition(constraint.referred_table))
        if len(children) == 1:
            return children[0].in_(parent_rows)
        return tuple_(*children).in_(parent_rows)

    def _referenced(self, table: Table) -> ColumnElement[bool]:
        """Rows of a table with no path to an alliance that this alliance's rows point to."""
        pointers = []
        for child in self.metadata.sorted_tables:
            if child.name not in self._tenant:
                continue
            for constraint in child.foreign_key_constraints:
                if constraint.referred_table is not table:
                    continue
                children, parents = _parents(constraint)
                pointing = select(*children).where(self.condition(child), *[c.is_not(None) for c in children])
                pointers.append(parents[0].in_(pointing) if len(parents) == 1 else tuple_(*parents).in_(pointing))
        return or_(*pointers) if pointers else false()

    def rows(self, table: Table) -> Select[Any]:
        """This alliance's rows of `table`, every column, in primary-key order."""
        return select(*table.c).where(self.condition(table)).order_by(*table.primary_key.columns)

    def count(self, table: Table) -> Select[Any]:
        return select(func.count()).select_from(table).where(self.condition(table))

    def outside_references(self, table: Table) -> list[tuple[str, Select[Any]]]:
        """For each foreign key of `table`: the query of its alliance rows pointing to a parent row that is not
        exported (its count must be 0 for the export to import cleanly anywhere)."""
        checks = []
        for constraint in table.foreign_key_constraints:
            children, parents = _parents(constraint)
            exported = select(*parents).where(self.condition(constraint.referred_table))
            pointer = children[0] if len(children) == 1 else tuple_(*children)
            checks.append((
                f"{table.name}.{','.join(c.name for c in children)} → {constraint.referred_table.name}",
                select(func.count()).select_from(table).where(
                    self.condition(table), *[c.is_not(None) for c in children], pointer.not_in(exported))))
        return checks


def alliance_by_code(session: Session, code: str) -> tuple[int, str] | None:
    """(id, name) of the alliance with this code, or None."""
    table = Base.metadata.tables[ALLIANCES]
    row = session.execute(select(table.c.id, table.c.name).where(table.c.code == code)).first()
    return (int(row[0]), str(row[1])) if row else None


def alembic_revision(session: Session) -> str | None:
    """The database's Alembic revision (None: a schema made without Alembic, as the tests make theirs)."""
    return MigrationContext.configure(session.connection()).get_current_revision()


def snapshot_for_export(session: Session) -> None:
    """One consistent picture for the counts and the rows: PostgreSQL's REPEATABLE READ, read-only (SQLite's read
    transaction under WAL is a snapshot already). Must come first in the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))


def stream(session: Session, statement: Select[Any], batch: int) -> Iterator[Sequence[Any]]:
    """Rows of `statement` in batches, without holding a table in memory (a server-side cursor on PostgreSQL)."""
    result = session.execute(statement.execution_options(stream_results=True, yield_per=batch))
    yield from result.partitions(batch)


def counts(session: Session, statements: Sequence[Select[Any]], chunk: int = 200) -> list[int]:
    """The results of many `SELECT count(*)` queries, a round trip per `chunk` of them rather than one each."""
    found: list[int] = []
    for start in range(0, len(statements), chunk):
        part = statements[start:start + chunk]
        row = session.execute(select(*[q.scalar_subquery() for q in part])).one()
        found += [int(value or 0) for value in row]
    return found


def holding_rows(session: Session, tables: Sequence[Table]) -> set[str]:
    """The names of those tables that hold any row, in one round trip."""
    if not tables:
        return set()
    row = session.execute(select(*[exists().select_from(t) for t in tables])).one()
    return {t.name for t, held in zip(tables, row, strict=True) if held}


def existing_keys(session: Session, table: Table, keys: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Which of these primary keys `table` already holds."""
    if not keys:
        return []
    columns = identity_columns(table)
    condition = columns[0].in_([k[0] for k in keys]) if len(columns) == 1 else tuple_(*columns).in_(list(keys))
    return [tuple(r) for r in session.execute(select(*columns).where(condition).limit(5))]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(table.insert(), rows)


def restore_pointers(session: Session, table: Table, updates: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """Fill self-references (a merchant merged into another) once every row of the table is in. Columns the
    application stamps on every update (updated_at) are written back as exported, not stamped anew."""
    if not updates:
        return
    key = identity_columns(table)
    kept = [*columns, *[c.name for c in table.c if c.onupdate is not None and c.name not in columns]]
    statement = table.update().where(*[c == bindparam(f"key_{c.name}") for c in key]).values(
        {name: bindparam(f"new_{name}") for name in kept})
    session.execute(statement, [
        {**{f"key_{c.name}": row[c.name] for c in key}, **{f"new_{name}": row[name] for name in kept}}
        for row in updates])


def advance_id_sequences(session: Session, tables: Sequence[Table]) -> None:
    """PostgreSQL: move each imported table's id sequence to its largest id, so that the next row the application
    inserts does not collide with an imported one (ids above the largest do not exist, so nothing can collide).
    One statement for every table. SQLite numbers from the largest id anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    moves = []
    for table in tables:  # every integer key column: one without a sequence gives NULL, and setval(NULL) nothing
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and not column.foreign_keys:
                sequence = func.pg_get_serial_sequence(table.name, column.name)
                largest = select(func.max(column)).scalar_subquery()
                moves.append(func.setval(sequence, func.greatest(largest, 1)))
    if moves:
        session.execute(select(*moves))


def settlement_runs_of(session: Session, alliance_id: int) -> list[int]:
    from lianmeng.settlement.models import SettlementRun

    return list(session.scalars(select(SettlementRun.id).where(SettlementRun.alliance_id == alliance_id)
                                .order_by(SettlementRun.id)))
