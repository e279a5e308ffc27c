"""`lianmeng bench reports`: a tiny run on PostgreSQL in a database of its own (`<test db>_bench`, dropped
afterwards). No timing asserted: the JSON keys, the rollup's answers equal to the bare scan's (verify_ok), and the
events counted in the tables."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from lianmeng.bench.cli import bench_app
from tests.integration.bench.test_bench_settle import bench_url  # noqa: F401 (the fixture)

JSON_KEYS = {"events", "funnel_p95_ms", "flows_p95_ms", "bare_funnel_ms", "bare_flows_ms", "funnel_ratio",
             "flows_ratio", "rollup_refresh_s", "rollup_incremental_s", "freshness", "verify_ok", "month",
             "rollup_rows", "incremental_days"}


def test_the_command_times_the_rollup_and_the_bare_scan_and_they_agree(bench_url: str) -> None:  # noqa: F811
    args = ["reports", "--database-url", bench_url, "--events", "2000", "--merchants", "8", "--members", "300",
            "--viewers", "2", "--samples", "3", "--bare-samples", "1", "--json", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) >= JSON_KEYS
    assert last["verify_ok"] is True and last["rollup_rows"] > 0 and last["incremental_days"] > 0
    assert last["funnel_p95_ms"] > 0 and last["bare_funnel_ms"] > 0 and last["flows_ratio"] > 0
    engine = create_engine(bench_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            counted = sum(int(conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0) for t in (
                "coupons", "coupon_redemptions", "orders", "rebates", "refunds", "referral_feedback"))
            days = conn.scalar(text("SELECT count(DISTINCT day) FROM referral_daily"))
    finally:
        engine.dispose()
    assert counted == last["events"] and 1_500 <= counted <= 2_600
    assert days and days > 60
