from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection

import lianmeng.models  # noqa: F401  (fills Base.metadata)
from lianmeng.db import Base, get_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite's way to change a table that others point at (https://sqlite.org/lang_altertable.html, "Making Other
    Kinds Of Table Schema Changes"): foreign keys off, outside any transaction, while batch mode rebuilds the
    table; `foreign_key_check` before each migration commits; then on again. Sent to the driver's connection, in
    autocommit between transactions: through SQLAlchemy it would open a transaction, and inside one it is ignored."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _no_dangling_rows(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
                      ) -> None:
    """After each migration, before its commit: no row points at nothing (SQLite, its foreign keys off)."""
    connection = ctx.connection
    assert connection is not None
    if broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all():
        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:10]}")


def run_migrations_online() -> None:
    engine = get_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                              compare_type=True, on_version_apply=_no_dangling_rows if sqlite else None)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)
                if connection.exec_driver_sql("PRAGMA foreign_keys").scalar() != 1:
                    connection.invalidate()  # never back into the pool with its foreign keys off
                connection.rollback()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
