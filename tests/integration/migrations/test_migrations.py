"""Alembic migrations build exactly the models' schema, up and down, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lianmeng import migrate
from lianmeng.db import Base, get_engine
from tests.conftest import scratch_database


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A brand-new database of the kind under test (a temporary PostgreSQL database, or a SQLite file)."""
    with scratch_database(tmp_path, "migrations") as url:
        yield url


def test_upgrade_matches_the_models_and_downgrade_empties(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    assert migrate.current_revision(empty_database) == migrate.head_revision(empty_database)
    engine = get_engine(empty_database)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.upgrade(empty_database)  # idempotent
    migrate.downgrade(empty_database, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_cli_db_upgrade(empty_database: str) -> None:
    from typer.testing import CliRunner

    from lianmeng.cli import app

    result = CliRunner().invoke(app, ["db", "upgrade", "--database-url", empty_database])
    assert result.exit_code == 0, result.output
    assert "revision" in result.output
    assert migrate.current_revision(empty_database) == migrate.head_revision(empty_database)
