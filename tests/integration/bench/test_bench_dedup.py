"""`lianmeng bench dedup` at a small size: it prints the figures, and the generated truth is found."""

from __future__ import annotations

import itertools
import json

from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.dedup import domain


def test_bench_dedup_prints_its_figures() -> None:
    result = CliRunner().invoke(app, ["bench", "dedup", "--records", "20000", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["records"] == 20_000 and report["duplicates"] == 1_000
    assert {"seconds", "precision", "recall", "pairs"} <= set(report)
    assert report["precision"] >= 0.9 and report["recall"] >= 0.3
    curve = report["curve"]
    assert [p["threshold"] for p in curve] == sorted(p["threshold"] for p in curve)
    # a higher review threshold keeps fewer pairs, never more
    assert all(a["pairs"] >= b["pairs"] and a["recall"] >= b["recall"] for a, b in itertools.pairwise(curve))
    at_default = next(p for p in curve if p["threshold"] == domain.DEFAULT_REVIEW)
    assert (at_default["precision"], at_default["recall"]) == (report["precision"], report["recall"])
