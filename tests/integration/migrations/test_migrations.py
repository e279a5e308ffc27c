"""Alembic migrations build exactly the models' schema, up and down, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ForeignKeyConstraint, inspect

from lianmeng import migrate
from lianmeng.db import Base, get_engine
from lianmeng.db_shard import SHARD_KEYED
from tests.architecture import shard_rules as rules
from tests.conftest import scratch_database
from tests.integration.migrations.seeding import SEEDED_ALLIANCE, alliance_ids, empty_every_table, seed_one_row_each


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A brand-new database of the kind under test (a temporary PostgreSQL database, or a SQLite file)."""
    with scratch_database(tmp_path, "migrations") as url:
        yield url


SHARD_READY = "0039"


def test_upgrade_matches_the_models_and_downgrade_empties(empty_database: str) -> None:
    """On the way, the shard-ready migration meets a row in every table and gives each its parent's alliance."""
    shard_ready = ScriptDirectory.from_config(migrate.alembic_config(empty_database)).get_revision(SHARD_READY)
    assert shard_ready is not None and isinstance(shard_ready.down_revision, str)
    migrate.upgrade(empty_database, shard_ready.down_revision)
    engine = get_engine(empty_database)
    seed_one_row_each(engine)
    migrate.upgrade(empty_database)
    assert migrate.current_revision(empty_database) == migrate.head_revision(empty_database)
    backfilled = {table for table, _parent, _column in shard_ready.module.TENANT_PARENTS}
    held = alliance_ids(engine)
    assert {table: held.get(table) for table in backfilled} == {table: {SEEDED_ALLIANCE} for table in backfilled}
    assert all(ids <= {SEEDED_ALLIANCE} for ids in held.values()), held
    _assert_shard_ready(rules.from_database(inspect(engine)), engine.dialect.name)
    empty_every_table(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert _beyond_declared_keys(diff, engine.dialect.name) == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.upgrade(empty_database)  # idempotent
    migrate.downgrade(empty_database, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def _assert_shard_ready(shapes: dict[str, rules.Shape], dialect: str) -> None:
    """The rules of tests/architecture/test_shard_ready.py, on the migrated schema (the primary keys too, which
    compare_metadata does not compare). SQLite keeps the declared keys (lianmeng/db_shard.py): there the offenders
    are exactly the shard-keyed ones of the models."""
    assert rules.without_alliance(shapes) == set()
    assert rules.without_foreign_key_to_alliances(shapes) == rules.NO_FOREIGN_KEY_TO_ALLIANCES
    assert rules.unique_keys_without_alliance(shapes) == rules.GLOBAL_LOOKUPS
    primary, foreign = (rules.declared_keys_only(Base.metadata) if dialect == "sqlite"
                        else (rules.PRIMARY_KEYS_WITHOUT_ALLIANCE, rules.SINGLE_COLUMN_FOREIGN_KEYS))
    assert rules.primary_keys_without_alliance(shapes) == primary
    assert rules.single_column_foreign_keys(shapes) == foreign


def _beyond_declared_keys(diff: list[Any], dialect: str) -> list[Any]:
    """The differences left once SQLite's single-column foreign keys are matched with the shard-keyed ones of the
    models they stand for (same table, same columns but alliance_id, same target)."""
    if dialect != "sqlite":
        return diff

    def declared(fk: ForeignKeyConstraint) -> tuple[str, tuple[str, ...], str]:
        return fk.table.name, tuple(c.name for c in fk.columns if c.name != "alliance_id"), fk.referred_table.name

    keyed = {declared(fk) for table in Base.metadata.tables.values() for fk in table.foreign_key_constraints
             if fk.info.get(SHARD_KEYED)}  # alembic compares copies, which lose `info`
    removed = {declared(op[1]) for op in diff if op[0] == "remove_fk"}
    stood_for = {declared(op[1]) for op in diff if op[0] == "add_fk" and declared(op[1]) in keyed}
    return [op for op in diff if not (op[0] in ("remove_fk", "add_fk") and declared(op[1]) in removed & stood_for)]


def test_cli_db_upgrade(empty_database: str) -> None:
    from typer.testing import CliRunner

    from lianmeng.cli import app

    result = CliRunner().invoke(app, ["db", "upgrade", "--database-url", empty_database])
    assert result.exit_code == 0, result.output
    assert "revision" in result.output
    assert migrate.current_revision(empty_database) == migrate.head_revision(empty_database)
