"""`lianmeng recruits list` and `lianmeng recruits leaderboard`: the same figures as the API, phones masked."""

from __future__ import annotations

from typer.testing import CliRunner

from lianmeng.cli import app
from tests.conftest import World
from tests.integration.recruiting.recruiting import apply, decide, join_link, ok

runner = CliRunner()


def test_recruits_list_and_leaderboard(world: World, db_url: str) -> None:
    link = join_link(world, "staff1")
    first = ok(apply(world.client, link["token"], "13788880001"))
    ok(apply(world.client, link["token"], "13788880002"))
    ok(decide(world, "admin1", first["id"]), 200)

    listed = runner.invoke(app, ["recruits", "list", "--database-url", db_url, "--alliance-id",
                                 str(world.a.alliance_id)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "applications: 2" in listed.output and "137****0001" in listed.output and "13788880001" not in listed.output
    pending = runner.invoke(app, ["recruits", "list", "--database-url", db_url, "--status", "pending"],
                            env={"COLUMNS": "200"})
    assert pending.exit_code == 0 and "applications: 1" in pending.output and "137****0002" in pending.output
    assert runner.invoke(app, ["recruits", "list", "--database-url", db_url, "--status", "maybe"]).exit_code == 2

    board = runner.invoke(app, ["recruits", "leaderboard", "--alliance-id", str(world.a.alliance_id),
                                "--database-url", db_url], env={"COLUMNS": "200"})
    assert board.exit_code == 0, board.output
    row = next(line for line in board.output.splitlines() if f"导购 {world.a.staff[world.a.merchants[0]]}" in line)
    assert row.split("│")[4].strip() == "2" and row.split("│")[5].strip() == "1"
    other = runner.invoke(app, ["recruits", "leaderboard", "--alliance-id", str(world.b.alliance_id),
                                "--database-url", db_url], env={"COLUMNS": "200"})
    assert other.exit_code == 0 and "导购" not in other.output
