"""Is a statement routable to one alliance? The query half of issue 17 item 6 (docs/scale.md).

Citus sends a statement to one node only when every distributed table it reads or writes is pinned to one value of
the distribution column, `alliance_id`: directly (`t.alliance_id = :a`, or `IN` with a single value) or through an
equality join on `alliance_id` with a pinned table (co-located tables join on one node). A statement that reaches a
row through `merchant_id`, a parent's id or a row's own `id` alone runs correctly, but on every shard.

`Recorder` listens to an engine's `before_cursor_execute` and keeps each statement's SQL with the first `lianmeng.…`
frame that is not `lianmeng.db`/`lianmeng.kit` (the repository or service function that asked); `analyse` parses
the SQL with sqlglot (a maintained SQL parser that reads both the SQLite and the PostgreSQL dialect) and names the
tenant tables a statement leaves unpinned. Each SELECT, UPDATE and DELETE is judged on its own, so a subquery or a
CTE must pin its own tables (a correlated subquery may lean on its outer query's pinned tables). Plain INSERTs
route by the `alliance_id` they carry; the SELECT of an `INSERT … SELECT` is judged like any other.

Lookups by a global token (`shard_rules.GLOBAL_LOOKUPS`: a card number, a coupon code, a link token …) pin their
table by rule: the token is unique across alliances and, on Citus, resolves to its alliance first."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

import sqlglot
from sqlalchemy import Engine, event
from sqlglot import exp

from tests.architecture.shard_rules import ALLIANCE, GLOBAL_LOOKUPS, is_platform

#: Statements worth parsing: reads and writes of rows (not BEGIN, SAVEPOINT, PRAGMA, SET, DDL …).
_DATA = re.compile(r"^\s*\(?\s*(SELECT|WITH|UPDATE|DELETE|INSERT)\b", re.IGNORECASE)
_SCOPES = (exp.Select, exp.Update, exp.Delete)
_VALUE = (exp.Placeholder, exp.Parameter, exp.Literal)
_GLOBAL_COLUMNS: dict[str, set[str]] = {}
for _table, _columns in GLOBAL_LOOKUPS:
    _GLOBAL_COLUMNS.setdefault(_table, set()).update(_columns)

#: Frames skipped to find who asked: the engine and session plumbing, the shared kits, the scoped get.
_PLUMBING = ("lianmeng.db", "lianmeng.kit.", "lianmeng.tenancy.scoped")
#: The ORM's own statements: a flush's UPDATE/DELETE by primary key, a session.get, a refresh or a lazy load.
_ORM_IDENTITY = ("sqlalchemy.orm.persistence", "sqlalchemy.orm.loading", "sqlalchemy.orm.strategies")


@dataclass(frozen=True)
class Statement:
    """One statement as executed, and who executed it."""

    sql: str
    dialect: str
    caller: str  # module:function, or "?" when no lianmeng frame asked (a test's own query)
    orm_identity: bool  # issued by the ORM itself to load or write rows by primary key


@dataclass(frozen=True)
class Offender:
    """A statement that leaves tenant tables unpinned, fingerprinted by who asked and which tables."""

    caller: str
    tables: tuple[str, ...]
    orm_identity: bool

    @property
    def fingerprint(self) -> str:
        return f"{self.caller} {','.join(self.tables)}"


@dataclass
class Recorder:
    """Collects the statements an engine runs while `recording()` is on (any thread)."""

    statements: list[Statement] = field(default_factory=list)
    _on: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._heard)

    def detach(self, engine: Engine) -> None:
        event.remove(engine, "before_cursor_execute", self._heard)

    def recording(self) -> _Switch:
        return _Switch(self)

    def _heard(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if not self._on or not _DATA.match(statement):
            return
        caller, orm_identity = _who_asked()
        with self._lock:
            self.statements.append(Statement(statement, conn.dialect.name, caller, orm_identity))


class _Switch:
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def __enter__(self) -> Recorder:
        self._recorder._on = True
        return self._recorder

    def __exit__(self, *_: object) -> None:
        self._recorder._on = False


def _who_asked() -> tuple[str, bool]:
    frame = sys._getframe(2)
    orm_identity = False
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(_ORM_IDENTITY):
            orm_identity = True
        if module.startswith("lianmeng.") and not module.startswith(_PLUMBING):
            return f"{module}:{frame.f_code.co_name}", orm_identity
        frame = frame.f_back  # type: ignore[assignment]
    return "?", orm_identity


def offenders(statements: list[Statement], tenant_tables: frozenset[str]) -> dict[str, tuple[Offender, str]]:
    """Each offender's fingerprint → the offender and one normalised SQL text that showed it. A test's own queries
    (no lianmeng frame asked) are not the product's."""
    found: dict[str, tuple[Offender, str]] = {}
    for statement in statements:
        if statement.caller == "?":
            continue
        unpinned = analyse(statement.sql, statement.dialect, tenant_tables)
        if unpinned:
            offender = Offender(statement.caller, unpinned, statement.orm_identity)
            found.setdefault(offender.fingerprint, (offender, normalised(statement.sql, statement.dialect)))
    return found


@cache
def normalised(sql: str, dialect: str) -> str:
    """The statement as one line, whatever the parameter style: a stable text for the report."""
    return " ".join(re.sub(r"%\(\w+\)s|\?", "?", sql).split())


@cache
def analyse(sql: str, dialect: str, tenant_tables: frozenset[str]) -> tuple[str, ...]:
    """The tenant tables a statement leaves unpinned to one alliance, sorted (empty: routable)."""
    tree = cast(exp.Expression, sqlglot.parse_one(sql, read="postgres" if dialect == "postgresql" else "sqlite"))
    unpinned: set[str] = set()
    for scope in [tree] if isinstance(tree, _SCOPES) else _outermost_scopes(tree):
        unpinned |= _judge(scope, {}, tenant_tables)
    return tuple(sorted(unpinned))


def _outermost_scopes(node: exp.Expression) -> Iterator[exp.Expression]:
    """The SELECT/UPDATE/DELETE nodes with no such node above them (an INSERT's SELECT, a UNION's members …)."""
    for child in _children(node):
        if isinstance(child, _SCOPES):
            yield child
        else:
            yield from _outermost_scopes(child)


def _children(node: exp.Expression) -> Iterator[exp.Expression]:
    for value in node.args.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, exp.Expression):
                yield item


def _own_nodes(scope: exp.Expression) -> Iterator[exp.Expression]:
    """The nodes of a scope, not descending into the scopes nested in it."""
    for child in _children(scope):
        if isinstance(child, _SCOPES):
            continue
        yield child
        yield from _own_nodes(child)


def _nested_scopes(scope: exp.Expression) -> Iterator[exp.Expression]:
    for child in _children(scope):
        if isinstance(child, _SCOPES):
            yield child
        else:
            yield from _nested_scopes(child)


def _judge(scope: exp.Expression, outer: dict[str, str], tenant_tables: frozenset[str]) -> set[str]:
    """Unpinned tenant tables of one scope and of the scopes nested in it. `outer` maps the pinned tables of the
    enclosing scopes (alias → table) a correlated subquery may join with."""
    sources: dict[str, str] = {}  # alias (or name) → tenant table, for the tables this scope reads or writes
    for table in _own_nodes(scope):
        if isinstance(table, exp.Table) and table.name in tenant_tables and not is_platform(table.name):
            sources[table.alias_or_name] = table.name

    pinned: set[str] = set()
    links: list[tuple[str, str]] = []
    for condition in _conjuncts(scope):
        _read(condition, sources, outer, pinned, links)
    changed = True
    while changed:
        changed = False
        for left, right in links:
            if (left in pinned) != (right in pinned):
                pinned |= {left, right}
                changed = True

    unpinned = {table for alias, table in sources.items() if alias not in pinned}
    inner_outer = {**outer, **{alias: sources[alias] for alias in pinned if alias in sources}}
    for nested in _nested_scopes(scope):
        unpinned |= _judge(nested, inner_outer, tenant_tables)
    return unpinned


def _conjuncts(scope: exp.Expression) -> Iterator[exp.Expression]:
    """The AND-ed conditions of the scope's WHERE and of its joins' ON."""
    conditions: list[exp.Expression] = []
    where = scope.args.get("where")
    if where is not None:
        conditions.append(where.this)
    for join in scope.args.get("joins") or []:
        if join.args.get("on") is not None:
            conditions.append(join.args["on"])
    while conditions:
        condition = conditions.pop()
        if isinstance(condition, exp.Paren):
            conditions.append(condition.this)
        elif isinstance(condition, exp.And):
            conditions += [condition.this, condition.expression]
        else:
            yield condition


def _read(condition: exp.Expression, sources: dict[str, str], outer: dict[str, str], pinned: set[str],
          links: list[tuple[str, str]]) -> None:
    if isinstance(condition, exp.In) and len(condition.expressions) == 1 and not condition.args.get("query"):
        condition = exp.EQ(this=condition.this, expression=condition.expressions[0])
    if not isinstance(condition, exp.EQ):
        return
    left, right = _uncast(condition.this), _uncast(condition.expression)
    for column, other in ((left, right), (right, left)):
        if not isinstance(column, exp.Column):
            continue
        alias = _owner(column, sources, outer)
        if alias is None:
            continue
        table = sources.get(alias) or outer[alias]
        if isinstance(other, _VALUE) and (column.name == ALLIANCE or column.name in _GLOBAL_COLUMNS.get(table, ())):
            pinned.add(alias)
        elif column.name == ALLIANCE and isinstance(other, exp.Column) and other.name == ALLIANCE:
            other_alias = _owner(other, sources, outer)
            if other_alias is not None:
                links.append((alias, other_alias))
                if other_alias in outer and other_alias not in sources:
                    pinned.add(other_alias)


def _uncast(node: exp.Expression) -> exp.Expression:
    """A value without its cast: psycopg's statements say `%(alliance_id_1)s::INTEGER`."""
    while isinstance(node, exp.Cast | exp.Paren):
        node = node.this
    return node


def _owner(column: exp.Column, sources: dict[str, str], outer: dict[str, str]) -> str | None:
    """The alias of the tenant table a column belongs to: its qualifier, or the scope's one tenant table."""
    if column.table:
        return column.table if column.table in sources or column.table in outer else None
    return next(iter(sources)) if len(sources) == 1 else None
