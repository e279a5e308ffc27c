"""Shard keys: the alliance in every primary key and every foreign key between two tables an alliance owns
(issue 17 item 6, docs/scale.md). Citus distributes those tables by `alliance_id`; it enforces a key only when the
key holds that column, and joins two tables on one node only when their foreign key does.

One rule, applied to every model's table as it is built (`lianmeng.db.Base.__table_cls__`), so a table added later
gets it without anyone writing it:

* a tenant table (it has `alliance_id`; not `alliances`, not `platform_…`) gets the primary key
  `(its declared key…, alliance_id)`, e.g. `(id, alliance_id)`. `id` goes first, so that a lookup by `id` alone
  (`session.get`, every `WHERE id = …`) still reads the key's index;
* a single-column foreign key `x_id → t.id` from a table with `alliance_id` to a tenant table `t` becomes
  `(x_id, alliance_id) → t (id, alliance_id)`: same name (the naming convention reads the first column), same
  ON DELETE. A nullable `x_id` is not checked when NULL (MATCH SIMPLE), as before;
* the mapper's identity stays the declared key (`table.info[IDENTITY]`, read by `Base.__mapper_args__`).

On SQLite the same metadata is created with the declared keys only (the compile hooks below): `id INTEGER PRIMARY
KEY` must stay a single column, because only then is it SQLite's rowid and numbered on insert; and a foreign key
needs a unique key at its target that matches it exactly, which `(id, alliance_id)` would not be there. So SQLite
does not check that a child row is in its parent's alliance; PostgreSQL does.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Column, ForeignKeyConstraint, PrimaryKeyConstraint, Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.elements import conv

ALLIANCE = "alliance_id"
ALLIANCES = "alliances"
PLATFORM = "platform_"

#: table.info key: the columns of the key the model declared (the mapper's identity; SQLite's primary key).
IDENTITY = "lianmeng_identity"
#: constraint.info key: this key carries `alliance_id` because of the shard rule, not because the model said so.
SHARD_KEYED = "lianmeng_shard_keyed"


def is_tenant(table_name: str) -> bool:
    """A table an alliance owns: any but `alliances` and the platform-wide `platform_…` ones."""
    return table_name != ALLIANCES and not table_name.startswith(PLATFORM)


def shard_keyed_table(table: Table) -> Table:
    """`table` with the shard rule applied (the module's docstring); tables it does not concern come back as
    they are."""
    if ALLIANCE not in table.c:
        _refuse_pointers_into_tenants(table)
        return table
    if is_tenant(table.name):
        _widen_primary_key(table)
    for constraint in list(table.foreign_key_constraints):
        _widen_foreign_key(table, constraint)
    return table


def identity_columns(table: Table) -> list[Column[Any]]:
    """The key a row is known by: the model's declared key (e.g. `id`, unique on its own: one sequence numbers
    every alliance's rows), not the shard-keyed primary key, which would let an imported row reuse another
    alliance's `id`."""
    identity = table.info.get(IDENTITY)
    return [table.c[name] for name in identity] if identity else list(table.primary_key.columns)


def _widen_primary_key(table: Table) -> None:
    declared = list(table.primary_key.columns)
    if not declared or table.c[ALLIANCE] in declared:
        return
    numbered = table.autoincrement_column
    alliance = table.c[ALLIANCE]
    alliance.primary_key = True  # before the new constraint: it checks the flags against its own columns
    table.append_constraint(PrimaryKeyConstraint(*declared, alliance, info={SHARD_KEYED: True}))
    if numbered is not None:
        numbered.autoincrement = True  # a composite key has no implicit autoincrement column
    table.info[IDENTITY] = tuple(c.name for c in declared)


def _target(constraint: ForeignKeyConstraint) -> tuple[str, str] | None:
    """(table, column) a single-column foreign key points at, read from its spec (the target may not exist yet)."""
    if len(constraint.elements) != 1:
        return None
    parts = constraint.elements[0].target_fullname.split(".")
    return parts[-2], parts[-1]


def _widen_foreign_key(table: Table, constraint: ForeignKeyConstraint) -> None:
    target = _target(constraint)
    column = constraint.elements[0].parent
    if target is None or not is_tenant(target[0]) or column.name == ALLIANCE:
        return
    referred, referred_column = target
    element = constraint.elements[0]
    table.constraints.discard(constraint)
    table.foreign_keys.discard(element)
    column.foreign_keys.discard(element)
    for memo in table.metadata._fk_memos.values():  # the target not built yet: forget the note to resolve it
        if element in memo:
            memo.remove(element)
    name = None if isinstance(constraint.name, conv) or constraint.name is None else constraint.name
    table.append_constraint(ForeignKeyConstraint(
        [column.name, ALLIANCE], [f"{referred}.{referred_column}", f"{referred}.{ALLIANCE}"], name=name,
        ondelete=constraint.ondelete, onupdate=constraint.onupdate, deferrable=constraint.deferrable,
        initially=constraint.initially, use_alter=constraint.use_alter, info={SHARD_KEYED: True}))


def _refuse_pointers_into_tenants(table: Table) -> None:
    """A table without `alliance_id` cannot point at a tenant table: the target's key is `(id, alliance_id)`."""
    for constraint in table.foreign_key_constraints:
        target = _target(constraint)
        if target is not None and is_tenant(target[0]):
            raise TypeError(f"{table.name} points at {target[0]} but has no alliance_id: give it one (set from the "
                            "parent row), see docs/scale.md")


@compiles(CreateColumn, "sqlite")
def _sqlite_column(create: CreateColumn, compiler: DDLCompiler, **kw: Any) -> str | None:
    """SQLite refuses a numbered column in a composite key; the key it gets is the declared one (below), so the
    column is a plain `INTEGER NOT NULL` that the table's `PRIMARY KEY (id)` turns into the rowid."""
    column = create.element
    if not (column.table is not None and column.table.info.get(IDENTITY) and column.autoincrement is True):
        return cast(str | None, compiler.visit_create_column(create, **kw))  # type: ignore[no-untyped-call]
    type_ = compiler.dialect.type_compiler_instance.process(column.type, type_expression=column)
    return f"{compiler.preparer.format_column(column)} {type_} NOT NULL"


@compiles(PrimaryKeyConstraint, "sqlite")
def _sqlite_primary_key(constraint: PrimaryKeyConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    if not constraint.info.get(SHARD_KEYED):
        return str(compiler.visit_primary_key_constraint(constraint, **kw))
    declared = [c for c in constraint.columns if c.name != ALLIANCE]
    return (compiler.define_constraint_preamble(constraint, **kw)
            + f"PRIMARY KEY ({', '.join(compiler.preparer.quote(c.name) for c in declared)})")


@compiles(ForeignKeyConstraint, "sqlite")
def _sqlite_foreign_key(constraint: ForeignKeyConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    if not constraint.info.get(SHARD_KEYED):
        return str(compiler.visit_foreign_key_constraint(constraint, **kw))
    element = constraint.elements[0]
    quote = compiler.preparer.quote
    remote = compiler.define_constraint_remote_table(  # type: ignore[no-untyped-call]
        constraint, element.column.table, compiler.preparer)
    return (compiler.define_constraint_preamble(constraint, **kw)
            + f"FOREIGN KEY({quote(element.parent.name)}) REFERENCES {remote}"
            + f" ({quote(element.column.name)})" + compiler.define_constraint_match(constraint)
            + compiler.define_constraint_cascades(constraint) + compiler.define_constraint_deferrability(constraint))
