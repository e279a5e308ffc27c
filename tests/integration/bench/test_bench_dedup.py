"""`lianmeng bench dedup` at a small size: it prints the figures, and the generated truth is found."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lianmeng.cli import app


def test_bench_dedup_prints_its_figures() -> None:
    result = CliRunner().invoke(app, ["bench", "dedup", "--records", "20000", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["records"] == 20_000 and report["duplicates"] == 1_000
    assert {"seconds", "precision", "recall", "pairs"} <= set(report)
    assert report["precision"] >= 0.9 and report["recall"] >= 0.3
