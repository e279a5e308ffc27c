"""Engine, sessions and the declarative base shared by every capability."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Table,
    TextClause,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
    true,
    tuple_,
    update,
    util,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, mapped_column, sessionmaker
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.types import TypeDecorator

from lianmeng.config import get_settings
from lianmeng.db_shard import IDENTITY, shard_keyed_table
from lianmeng.kit.errors import AppError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ShardKeyedMapper(Mapper[Any]):
    """A mapper that knows a row by the key its model declared (`table.info[IDENTITY]`, e.g. `id`), not by the
    shard-keyed primary key of its table (lianmeng/db_shard.py): `session.get(Model, id)`, and the ORM's UPDATE
    and DELETE by `id` (a bulk `update(Model)` with a list of dicts, too), work as they always did."""

    def __init__(self, class_: type[Any], local_table: FromClause | None = None, **kw: Any) -> None:
        identity = local_table.info.get(IDENTITY) if isinstance(local_table, Table) else None
        if identity and kw.get("primary_key") is None:
            kw["primary_key"] = [local_table.c[name] for name in identity]  # type: ignore[union-attr]
        super().__init__(class_, local_table, **kw)

    def _configure_pks(self) -> None:
        super()._configure_pks()
        table = self.local_table
        identity = table.info.get(IDENTITY) if isinstance(table, Table) else None
        if identity:  # the persistence key: what the ORM's UPDATE and DELETE name in their WHERE clause
            self._pks_by_table[table] = util.ordered_column_set(table.c[name] for name in identity)


class ShardKeyed:
    """Declarative hooks that give a model's table its shard keys (lianmeng/db_shard.py), mapped by
    `ShardKeyedMapper`."""

    __mapper_cls__ = ShardKeyedMapper

    @classmethod
    def __table_cls__(cls, name: str, metadata: MetaData, *args: Any, **kw: Any) -> Table:
        return shard_keyed_table(Table(name, metadata, *args, **kw))


class Base(ShardKeyed, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns timezone-aware UTC datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use lianmeng.kit.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _prepare_sqlite(url: str) -> dict[str, Any]:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return {"check_same_thread": False, "timeout": 30}


POOL_TIMEOUT_SECONDS = 10


def _pool_args(url: str) -> dict[str, Any]:
    """A fixed pool sized with the request slots (docs/capacity.md): the web layer lets at most
    `max_concurrent_requests` requests in at once, each holding one connection, so a checkout never waits. The
    timeout is only a backstop (answered 503 + Retry-After by the web layer, never a stall)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return {}  # one in-memory database per connection: SQLAlchemy's single-connection pool
    return {"pool_size": get_settings().pool_size, "max_overflow": 0, "pool_timeout": POOL_TIMEOUT_SECONDS}


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args = _prepare_sqlite(url)
    engine = create_engine(
        url,
        connect_args=connect_args,
        echo=get_settings().sql_echo,
        pool_pre_ping=True,
        json_serializer=lambda obj: json.dumps(obj, ensure_ascii=False),
        **_pool_args(url),
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself so that writers take the lock up front (see _sqlite_on_begin).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


WRITE_INTENT = "lianmeng_write_intent"


def _sqlite_on_begin(conn: Any) -> None:
    # Readers use a plain (deferred) BEGIN: under WAL they never block anyone. Transactions that will write
    # say so up front (see begin_write) and take the writer lock with BEGIN IMMEDIATE, waiting on busy_timeout,
    # instead of failing later when a read snapshot cannot be upgraded.
    immediate = conn.get_execution_options().get(WRITE_INTENT, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    if immediate:  # the intent is for this transaction only: a request's next one on its pinned connection reads
        conn.execution_options(**{WRITE_INTENT: False})


def begin_write(session: Session) -> None:
    """End any read transaction and open one that is going to write (the writer lock, on SQLite)."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_INTENT: True})


def job_lock(session: Session, namespace: int, key: int) -> None:
    """Two runs of one job for one key (two servers' jobs, or `lianmeng jobs run` beside `serve`) take turns. On
    PostgreSQL a transaction-scoped advisory lock, not a row lock: that would hold up every insert referring to the
    row (its foreign-key check takes a share lock on it) for the length of the run. SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key})


def insert_once(session: Session, row: Base) -> bool:
    """Insert `row` under its unique key in a savepoint; False when an earlier or concurrent transaction
    already holds that key (a concurrent one is waited for on the unique index). The outer transaction goes on."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return True
    except IntegrityError:
        return False


def insert_many(
    session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]], *, returning: Sequence[str] = (),
    skip_conflicts_on: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert many rows with one statement; `returning` columns of the inserted rows come back (in no set order).
    `skip_conflicts_on` names a unique key: rows that would break it are skipped (ON CONFLICT DO NOTHING).

    On PostgreSQL this is `INSERT … SELECT * FROM unnest(array, array, …)`: the SQL text is the same whatever the
    number of rows, so the driver prepares it once and nothing is re-parsed per batch (a multi-row VALUES list is
    new SQL for every size, and parsing it cost more client CPU than the insert itself). Elsewhere: executemany.
    """
    if not rows:
        return []
    table = cast(Table, model.__table__)
    columns = tuple(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        dialect_insert = sqlite_insert(table)
        stmt = dialect_insert.on_conflict_do_nothing(index_elements=list(skip_conflicts_on)) if skip_conflicts_on \
            else dialect_insert
        if returning:
            return [tuple(r) for r in session.execute(stmt.returning(*[table.c[c] for c in returning]), list(rows))]
        session.execute(stmt, list(rows))
        return []
    statement = _unnest_insert(session.get_bind().dialect, table, columns, tuple(returning), tuple(skip_conflicts_on))
    params = {f"p{i}": _pg_array(table.c[c], [row[c] for row in rows]) for i, c in enumerate(columns)}
    result = session.execute(statement, params)
    return [tuple(r) for r in result] if returning else []


def in_keys(session: Session, columns: Sequence[Any], keys: Iterable[tuple[Any, ...]]
            ) -> ColumnElement[bool]:
    """`(columns) IN (keys)` whose SQL text does not depend on how many keys there are: on PostgreSQL the keys
    travel as one array per column (`= ANY(array)`, or `IN (SELECT * FROM unnest(arrays))` for several columns),
    so the statement is prepared once; elsewhere a plain IN list."""
    wanted = sorted(set(keys))
    if session.get_bind().dialect.name != "postgresql":
        if len(columns) == 1:
            return cast(ColumnElement[bool], columns[0].in_([key[0] for key in wanted]))
        return tuple_(*columns).in_(wanted)
    arrays = [bindparam(None, [key[i] for key in wanted], type_=ARRAY(column.type))
              for i, column in enumerate(columns)]
    if len(columns) == 1:
        return cast(ColumnElement[bool], columns[0] == any_(arrays[0]))
    source = func.unnest(*arrays).table_valued(*[f"k{i}" for i in range(len(columns))]).render_derived()
    return tuple_(*columns).in_(select(*source.c))


def add_many(session: Session, model: type[Base], column: str, changes: Mapping[int, int],
             alliance_id: int | None = None) -> None:
    """`column += change` for each row id in `changes`, one statement (PostgreSQL: UPDATE … FROM unnest). With
    `alliance_id` the rows are that alliance's, said in the statement so that it routes to one shard
    (docs/scale.md); without it (a batch spanning alliances) the ids alone choose them."""
    pinned = alliance_id is not None
    if not changes:
        return
    table = cast(Table, model.__table__)
    ids = sorted(changes)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_unnest_add(table, column, pinned),
                        {"alliance_id": alliance_id, "ids": ids, "changes": [changes[i] for i in ids]})
        return
    stmt = update(table).where(table.c.id == bindparam("row_id"),
                               table.c.alliance_id == alliance_id if pinned else true()).values(
        {column: table.c[column] + bindparam("change")})
    session.execute(stmt, [{"row_id": i, "change": changes[i]} for i in ids])


def _pg_array(column: Column[Any], values: list[Any]) -> list[Any]:
    if isinstance(column.type, JSON):
        return [json.dumps(value, ensure_ascii=False, separators=(",", ":")) for value in values]
    if isinstance(column.type, UTCDateTime):
        return [column.type.process_bind_param(value, None) for value in values]
    return values


def _pg_array_type(column: Column[Any], dialect: Dialect) -> str:
    type_ = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    return "JSON[]" if isinstance(type_, JSON) else f"{type_.compile(dialect=dialect)}[]"


@lru_cache(maxsize=64)
def _unnest_insert(dialect: Dialect, table: Table, columns: tuple[str, ...], returning: tuple[str, ...],
                   skip_conflicts_on: tuple[str, ...]) -> TextClause:
    arrays = ", ".join(f"CAST(:p{i} AS {_pg_array_type(table.c[c], dialect)})" for i, c in enumerate(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return text(sql)


@lru_cache(maxsize=16)
def _unnest_add(table: Table, column: str, pinned: bool) -> TextClause:
    return text(f"UPDATE {table.name} AS t SET {column} = t.{column} + d.change "
                "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:changes AS BIGINT[])) AS d(id, change) "
                f"WHERE {'t.alliance_id = :alliance_id AND ' if pinned else ''}t.id = d.id")


@lru_cache(maxsize=8)
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False, autoflush=True)


def new_session(url: str | None = None) -> Session:
    return _session_factory(url or get_settings().database_url)()


@contextmanager
def pinned_session(url: str | None = None) -> Iterator[Session]:
    """A session that holds ONE pooled connection for its whole life (a web request): its successive
    transactions (authentication's read, the Idempotency-Key claim, the business write) all run on that
    connection, so a request never holds two and never waits on the pool for a second one."""
    url = url or get_settings().database_url
    with get_engine(url).connect() as connection:
        session = _session_factory(url)(bind=connection)
        try:
            yield session
        finally:
            session.rollback()
            session.close()


class UnitOfWork:
    """The unit of work a door runs a use case in (see `transaction`), and the two things a door may say about it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._discard = False
        self._keep_refusal = False

    def discard(self) -> None:
        """Roll back even on success: a dry run that shows the real figures and leaves nothing behind."""
        self._discard = True

    @contextmanager
    def keeping_refusal(self) -> Iterator[None]:
        """A refusal (AppError) raised in this block still commits what was written so far, then goes on up: a
        wrong one-time code's failed-attempt count is what stops guessing."""
        try:
            yield
        except AppError:
            self._keep_refusal = True
            raise


@contextmanager
def transaction(session: Session) -> Iterator[UnitOfWork]:
    """THE way to commit (docs/architecture.md): one unit of work per request, page, CLI command or job.

    Ends any read transaction and opens one that is going to write (`begin_write`: the writer lock up front on
    SQLite), runs the block, commits once on success; on any exception (a refusal or a bug) rolls back and
    re-raises. Services never commit: they flush inside the caller's unit of work."""
    unit = UnitOfWork(session)
    try:
        begin_write(session)
        yield unit
    except BaseException:
        if unit._keep_refusal:
            _commit(session)
        else:
            session.rollback()
        raise
    if unit._discard:
        session.rollback()
    else:
        _commit(session)


def _commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """A new session and one `transaction` in it, for a CLI command or a job: commit on success, roll back on
    any error."""
    session = new_session(url)
    try:
        with transaction(session):
            yield session
    finally:
        session.close()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def same_as_created_at(context: Any) -> Any:
    """Column default for a row's `occurred_at` when the writer gives none: the moment it was written."""
    return context.get_current_parameters().get("created_at")


class Timestamps:
    """created_at / updated_at in UTC, set by the application (portable across SQLite and PostgreSQL)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_utcnow, onupdate=_utcnow, nullable=False)
