"""Shard keys (docs/scale.md, issue 17 item 6): on PostgreSQL every tenant table's primary key becomes
`(id, alliance_id)` (or its declared key + `alliance_id`), and every foreign key to a tenant table
`(x_id, alliance_id) → (id, alliance_id)`, as the models declare them (lianmeng/db_shard.py).

Driven by the live schema's reflection, so it covers every tenant table, whatever migration made it: drop the
foreign keys into tenant tables, swap each primary key, add the foreign keys back with the alliance, under their
own names and with their ON DELETE. Adding a foreign key checks every row: a child row in another alliance than its
parent stops the migration, naming the constraint and the row's key.

SQLite keeps the declared keys (its `id INTEGER PRIMARY KEY` is the rowid): nothing to do there.

Revision ID: 0045
Revises: 0039
Create Date: 2026-12-07 21:40:00
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alembic import op
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

revision: str = '0045'
down_revision: str | None = '0041'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALLIANCE = 'alliance_id'


def _is_tenant(table: str) -> bool:
    return table not in ('alliances', 'alembic_version') and not table.startswith('platform_')


@dataclass(frozen=True)
class _ForeignKey:
    table: str
    name: str
    columns: tuple[str, ...]
    referred: str
    referred_columns: tuple[str, ...]
    options: tuple[tuple[str, Any], ...]

    def add(self, columns: Sequence[str], referred_columns: Sequence[str]) -> str:
        options = dict(self.options)
        sql = (f'ALTER TABLE {self.table} ADD CONSTRAINT {self.name} FOREIGN KEY ({", ".join(columns)}) '
               f'REFERENCES {self.referred} ({", ".join(referred_columns)})')
        for option, words in (('ondelete', 'ON DELETE'), ('onupdate', 'ON UPDATE')):
            if options.get(option):
                sql += f' {words} {options[option]}'
        if options.get('deferrable'):
            sql += ' DEFERRABLE' + (f' INITIALLY {options["initially"]}' if options.get('initially') else '')
        return sql


class _Schema:
    def __init__(self, bind: Connection) -> None:
        inspector = inspect(bind)  # the get_multi_… calls: one query each for every table, not one per table
        columns = {t: {c['name'] for c in cs} for (_, t), cs in inspector.get_multi_columns().items()}
        self.keyed = {t for t in columns if ALLIANCE in columns[t]}
        self.tenants = {t for t in self.keyed if _is_tenant(t)}
        self.primary_keys = {t: key for (_, t), key in inspector.get_multi_pk_constraint().items() if t in self.tenants}
        self.foreign_keys = [
            _ForeignKey(t, str(fk['name']), tuple(fk['constrained_columns']), fk['referred_table'],
                        tuple(fk['referred_columns']), tuple(sorted((fk.get('options') or {}).items())))
            for (_, t), fks in sorted(inspector.get_multi_foreign_keys().items()) if t in self.keyed
            for fk in fks if fk['referred_table'] in self.tenants]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    schema = _Schema(bind)
    narrow = [fk for fk in schema.foreign_keys if len(fk.columns) == 1 and fk.columns != (ALLIANCE,)]
    for fk in narrow:
        op.execute(f'ALTER TABLE {fk.table} DROP CONSTRAINT {fk.name}')
    for table, key in sorted(schema.primary_keys.items()):
        declared = key['constrained_columns']
        if declared and ALLIANCE not in declared:
            op.execute(f'ALTER TABLE {table} DROP CONSTRAINT {key["name"]}, '
                       f'ADD CONSTRAINT {key["name"]} PRIMARY KEY ({", ".join([*declared, ALLIANCE])})')
    for fk in narrow:
        op.execute(fk.add([*fk.columns, ALLIANCE], [*fk.referred_columns, ALLIANCE]))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    schema = _Schema(bind)
    wide = [fk for fk in schema.foreign_keys
            if len(fk.columns) == 2 and fk.columns[1] == ALLIANCE and fk.referred_columns[1:] == (ALLIANCE,)]
    for fk in wide:
        op.execute(f'ALTER TABLE {fk.table} DROP CONSTRAINT {fk.name}')
    for table, key in sorted(schema.primary_keys.items()):
        widened = key['constrained_columns']
        if len(widened) > 1 and widened[-1] == ALLIANCE:  # a key declared with the alliance has it first
            op.execute(f'ALTER TABLE {table} DROP CONSTRAINT {key["name"]}, '
                       f'ADD CONSTRAINT {key["name"]} PRIMARY KEY ({", ".join(widened[:-1])})')
    for fk in wide:
        op.execute(fk.add(fk.columns[:1], fk.referred_columns[:1]))
