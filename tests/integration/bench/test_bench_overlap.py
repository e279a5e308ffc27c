"""`lianmeng bench overlap`: a tiny run on PostgreSQL in a database of its own (`<test db>_bench`, dropped
afterwards). No timing asserted: the JSON keys, and that the stored matrix equals a count of the generated
memberships made here, independently of the bench's own verification."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from lianmeng.bench.cli import bench_app
from lianmeng.bench.overlap import OverlapBenchError, OverlapConfig
from tests.integration.bench.test_bench_settle import bench_url  # noqa: F401 (the fixture)

JSON_KEYS = {"ours_s", "baseline_s", "ratio", "read_p95_ms", "read_p50_ms", "read_samples", "verify_ok",
             "ours_first_build_s", "ratio_first_build", "links_added",
             "mismatches", "merchants", "members", "links", "pairs", "pairs_below_k", "ours_runs", "baseline_runs",
             "upload_s", "upload_hashes", "invite_s", "members_indexed", "members_given_phones"}


def test_the_command_rebuilds_the_matrix_and_it_equals_the_bare_count(bench_url: str) -> None:  # noqa: F811
    args = ["overlap", "--database-url", bench_url, "--merchants", "12", "--members", "600", "--links", "2100",
            "--samples", "30", "--upload-hashes", "1000", "--json", "--no-progress"]
    result = CliRunner().invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) >= JSON_KEYS
    assert last["verify_ok"] is True and last["mismatches"] == 0
    assert last["merchants"] == 12 and last["members"] == 600 and last["links"] == 2100
    assert last["upload_hashes"] == 1000 and last["members_indexed"] == 600 == last["members_given_phones"]
    assert last["upload_s"] > 0 and last["invite_s"] > 0
    assert last["ours_s"] > 0 and last["baseline_s"] > 0 and last["read_p95_ms"] > 0 and last["read_samples"] == 30
    half_ms = 0.0005  # both times are printed rounded to 1 ms, the ratio from the unrounded ones
    low = (last["ours_s"] - half_ms) / (last["baseline_s"] + half_ms)
    high = (last["ours_s"] + half_ms) / (last["baseline_s"] - half_ms)
    assert low * 0.999 <= last["ratio"] <= high * 1.001
    engine = create_engine(bench_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            held: dict[int, set[int]] = {}
            for member_id, merchant_id in conn.execute(text("SELECT member_id, merchant_id FROM memberships")):
                held.setdefault(member_id, set()).add(merchant_id)
            stored = {(a, b): n for a, b, n in conn.execute(text(
                "SELECT merchant_a_id, merchant_b_id, shared FROM overlap_pairs"))}
            bases: dict[int, int] = {m: n for m, n in conn.execute(text(
                "SELECT merchant_id, members FROM overlap_bases"))}
    finally:
        engine.dispose()
    # 3 or 4 memberships each at distinct merchants, then 1 % more before the second repetition (the churn)
    assert 0 < last["links_added"] <= 21
    assert sum(len(m) for m in held.values()) == 2100 + last["links_added"] and len(held) == 600
    pairs: Counter[tuple[int, int]] = Counter()
    for merchants in held.values():
        pairs.update(combinations(sorted(merchants), 2))
    assert stored == {pair: n for pair, n in pairs.items() if n >= 10}
    assert last["pairs"] == len(stored) and last["pairs_below_k"] == sum(1 for n in pairs.values() if n < 10)
    assert last["pairs_below_k"] > 0 and last["pairs"] > 0  # the generator makes both kinds of cells
    assert bases == dict(Counter(m for merchants in held.values() for m in merchants))


def test_bad_sizes_are_refused_before_anything_is_touched() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/nothing_bench"
    for kwargs in ({"links": 10, "members": 20}, {"merchants": 2, "members": 5, "links": 11}, {"merchants": 1}):
        try:
            OverlapConfig(database_url=url, **kwargs)
        except OverlapBenchError:
            continue
        raise AssertionError(kwargs)
    try:
        OverlapConfig(database_url="sqlite:///x.db")
    except OverlapBenchError as error:
        assert "PostgreSQL" in str(error)
    else:
        raise AssertionError("sqlite accepted")
