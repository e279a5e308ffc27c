"""`lianmeng bench targeting`: a tiny run on PostgreSQL, in a database of its own (`<test db>_bench`, dropped
afterwards). No timing asserted; what is asserted is the JSON line and that each step did its whole job."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from lianmeng.bench.cli import bench_app
from tests.conftest import DATABASE_URL, IS_POSTGRES

JSON_KEYS = {"members", "orders", "model_s", "model_incremental_s", "value_rows", "audience_s", "audience_count",
             "audience_members", "send_per_s", "sent", "report_ms", "report_ms_p50", "report_refresh_s"}


@pytest.fixture
def bench_url() -> Iterator[str]:
    if not IS_POSTGRES:
        pytest.skip("bench targeting needs PostgreSQL (LIANMENG_TEST_DATABASE_URL)")
    parsed = make_url(DATABASE_URL)
    name = f"{parsed.database}_bench"
    yield parsed.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def test_the_command_models_counts_sends_and_reports(bench_url: str) -> None:
    args = ["targeting", "--database-url", bench_url, "--members", "3000", "--merchants", "6", "--recipients", "400",
            "--json", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) >= JSON_KEYS
    assert last["members"] == 3000 and last["orders"] >= 3000 and last["value_rows"] > 3000
    assert 0 < last["audience_members"] == last["audience_count"] < 3000
    assert last["sent"] == 400 and last["send_per_s"] > 0
    assert last["report_ms"] >= last["report_ms_p50"] > 0 and last["report_refresh_s"] > 0


def test_sqlite_is_refused() -> None:
    result = CliRunner().invoke(bench_app, ["targeting", "--database-url", "sqlite:///x.db", "--no-progress"])
    assert result.exit_code == 2 and "PostgreSQL" in result.output
