"""`lianmeng bench orders`: a one-second smoke run on the test database (SQLite or PostgreSQL). No timing asserted;
what is asserted is that the run commits orders without errors and leaves the books balanced."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianmeng.bench.cli import bench_app
from lianmeng.bench.orders import BenchConfig, BenchError, parse_tps, percentile, pgbench_connection, run_bench
from lianmeng.db import new_session
from lianmeng.orders.models import Order
from tests.books import assert_ledger_invariants

JSON_KEYS = {"ours_tps", "baseline_tps", "ratio", "p50_ms", "p99_ms", "workers", "batch", "seconds", "orders",
             "errors", "database"}


@pytest.mark.parametrize("batch", [1, 32])  # batch 4: the command test below
def test_a_run_commits_orders_refuses_bad_ones_alone_and_keeps_the_books(db_url: str, batch: int) -> None:
    config = BenchConfig(database_url=db_url, workers=2, seconds=2, batch=batch, members_per_worker=20,
                         migrate=False, baseline=False, bad_every=2)  # every 2nd: a loaded machine still reaches one
    result = run_bench(config)
    assert result.orders > 0 and result.errors == 0, result.error_samples
    assert result.refused > 0  # the injected overspends: refused alone, their batch-mates are recorded
    assert result.ledger_ok and result.baseline_tps is None and result.ratio is None
    assert result.p50_ms is not None and result.p99_ms is not None and result.p50_ms <= result.p99_ms
    with new_session(db_url) as session:
        seeded = result.members
        assert session.scalar(select(func.count()).select_from(Order)) == seeded + result.orders
        assert_ledger_invariants(session)


def test_the_command_prints_one_json_line_last(db_url: str) -> None:
    args = ["orders", "--database-url", db_url, "--seconds", "1", "--workers", "2", "--processes", "2", "--batch", "4",
            "--skip-baseline", "--json", "--no-migrate", "--members", "10", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) >= JSON_KEYS
    assert last["orders"] > 0 and last["errors"] == 0 and last["batch"] == 4 and last["workers"] == 2
    assert last["baseline_tps"] is None and last["ratio"] is None and last["ledger_ok"] is True
    with new_session(db_url) as session:
        assert_ledger_invariants(session)


def test_the_baseline_needs_postgresql_and_settings_are_checked() -> None:
    with pytest.raises(BenchError):
        run_bench(BenchConfig(database_url="sqlite:///unused.db", migrate=False))
    with pytest.raises(BenchError):
        BenchConfig(database_url="sqlite:///unused.db", processes=0)


def test_pgbench_output_and_connection_parsing() -> None:
    output = "number of transactions actually processed: 26283\nlatency average = 3.044 ms\n" \
             "initial connection time = 9.187 ms\ntps = 2628.312645 (without initial connection time)\n"
    assert parse_tps(output) == pytest.approx(2628.312645)
    assert parse_tps("tps = 12.5 (excluding connections establishing)") == 12.5
    with pytest.raises(BenchError):
        parse_tps("pgbench: error: connection refused")
    args, env = pgbench_connection("postgresql+psycopg://bob:s3cret@db.local:5433/shop", "lianmeng_pgbench")
    assert args == ["-h", "db.local", "-p", "5433", "-U", "bob", "lianmeng_pgbench"]
    assert env["PGPASSWORD"] == "s3cret"


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 99) == 99.0 and percentile(values, 100) == 100.0
    assert percentile([], 50) is None and percentile([7.0], 99) == 7.0
