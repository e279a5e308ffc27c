"""`lianmeng bench http`: a two-second run with two clients on the test PostgreSQL database (the server started as
production starts it, wrk driving orders and redemptions). No timing asserted: the JSON keys and no non-2xx answer.
Skipped without PostgreSQL or without wrk."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from lianmeng.bench.cli import bench_app
from lianmeng.db import new_session
from tests.books import assert_ledger_invariants
from tests.conftest import IS_POSTGRES

JSON_KEYS = {"orders_per_s", "redeems_per_s", "p50_ms", "p99_ms", "pgbench_tps", "ratio", "rss_mb", "rss_mb_start",
             "rss_mb_end", "non_2xx"}

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="bench http serves PostgreSQL only"),
              pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make system-deps)")]


def test_two_seconds_of_orders_and_redemptions_over_http(db_url: str) -> None:
    args = ["http", "--database-url", db_url, "--reuse", "--no-migrate", "--minimal", "--clients", "2", "--seconds",
            "2", "--skip-baseline", "--json", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) >= JSON_KEYS
    assert last["non_2xx"] == 0 and last["socket_errors"] == 0
    assert last["orders"] > 0 and last["redeems"] > 0 and last["orders_per_s"] > 0
    assert last["pgbench_tps"] is None and last["ratio"] is None
    assert last["rss_mb"] > 0 and last["p50_ms"] <= last["p99_ms"]
    with new_session(db_url) as session:
        assert_ledger_invariants(session)
