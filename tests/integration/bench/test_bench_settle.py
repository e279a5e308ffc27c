"""`lianmeng bench settle`: a tiny run on PostgreSQL, in a database of its own derived from the test database's name
(`<test db>_bench`, dropped afterwards). No timing asserted; what is asserted is the JSON line, statements built,
and the verification against the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from lianmeng.bench.cli import bench_app
from lianmeng.bench.settle import SettleBenchError, SettleConfig, prepare_database
from tests.conftest import DATABASE_URL, IS_POSTGRES

JSON_KEYS = {"ours_s", "baseline_s", "ratio", "merchants", "lines", "statement_lines", "statements", "verify_ok",
             "generate_s", "ours_runs", "baseline_runs"}


@pytest.fixture
def bench_url() -> Iterator[str]:
    if not IS_POSTGRES:
        pytest.skip("bench settle needs PostgreSQL (LIANMENG_TEST_DATABASE_URL)")
    parsed = make_url(DATABASE_URL)
    name = f"{parsed.database}_bench"
    yield parsed.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def test_the_command_settles_a_generated_ledger_and_verifies_it(bench_url: str) -> None:
    args = ["settle", "--database-url", bench_url, "--merchants", "5", "--lines", "2000", "--json", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) >= JSON_KEYS
    assert last["verify_ok"] is True and last["mismatches"] == 0
    assert last["merchants"] == 5 and last["lines"] == 2000 and last["statements"] == 5
    assert last["statement_lines"] > 0 and last["ours_s"] > 0 and last["baseline_s"] > 0
    assert len(last["ours_runs"]) == len(last["baseline_runs"]) == 2
    # the filter matters: top-ups (no counterparty) and the operator's legs are not on statements
    assert 0 < last["entries_on_statements"] < last["lines"]
    engine = create_engine(bench_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            unbalanced = conn.execute(text(
                "SELECT posting_id FROM ledger_entries GROUP BY posting_id HAVING sum(amount) <> 0 OR count(*) <> 2"
            )).all()
            assert unbalanced == []
            assert conn.scalar(text("SELECT count(*) FROM settlement_runs")) == 1  # earlier repetitions deleted
            assert conn.scalar(text("SELECT count(*) FROM ledger_entries WHERE party_type IS NULL")) > 0
            # a counterparty named on a leg is the owner of the posting's other leg
            wrong = conn.scalar(text(
                "SELECT count(*) FROM ledger_entries e JOIN ledger_entries o ON o.posting_id = e.posting_id "
                "AND o.id <> e.id JOIN ledger_accounts oa ON oa.id = o.account_id "
                "WHERE e.party_type IS NOT NULL AND (oa.owner_type <> e.party_type OR oa.owner_id <> e.party_id)"))
            assert wrong == 0
    finally:
        engine.dispose()


def test_explain_prints_both_plans(bench_url: str) -> None:
    args = ["settle", "--database-url", bench_url, "--merchants", "5", "--lines", "200", "--repeat", "1",
            "--explain", "--json", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    assert "EXPLAIN ANALYZE settlement_lines:" in result.stdout and "Insert on settlement_lines" in result.stdout
    assert "EXPLAIN ANALYZE baseline:" in result.stdout
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["verify_ok"] is True and last["repeat"] == 1


def test_refuses_sqlite_and_databases_it_may_not_wipe() -> None:
    with pytest.raises(SettleBenchError):
        SettleConfig(database_url="sqlite:///unused.db")
    with pytest.raises(SettleBenchError):
        SettleConfig(database_url="postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench", merchants=4)
    with pytest.raises(SettleBenchError):
        SettleConfig(database_url="postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench", period="2026-13")
    with pytest.raises(SettleBenchError, match="must contain 'bench'"):
        prepare_database("postgresql+psycopg://postgres@127.0.0.1:5432/lianmeng")
    result = CliRunner().invoke(bench_app, ["settle", "--database-url", "postgresql+psycopg://u@127.0.0.1:1/prod",
                                            "--no-progress"])
    assert result.exit_code == 2
