"""`lianmeng partners scores`: the keeper's list ranked by the same totals as the API, and only that list."""

from __future__ import annotations

from typer.testing import CliRunner

from lianmeng.cli import app
from tests.conftest import World
from tests.integration.partners.test_candidates_api import API, GYM, headers, ok

runner = CliRunner()


def test_scores_rank_one_list_with_the_api_totals(world: World, db_url: str) -> None:
    c = world.client
    good = ok(c.post(f"{API}/candidates", headers=headers(world, "operator"), json={**GYM, "name": "总部好伙伴"}), 201)
    gated = ok(c.post(f"{API}/candidates", headers=headers(world, "operator"),
                      json={**GYM, "name": "总部差评店", "rating": 3.2}), 201)
    ok(c.post(f"{API}/candidates", headers=headers(world, "admin1"), json={**GYM, "name": "商户自己的名单"}), 201)
    totals = {cand["id"]: ok(c.get(f"{API}/candidates/{cand['id']}/scorecard",
                                   headers=headers(world, "operator")))["total_score"] for cand in (good, gated)}

    shown = runner.invoke(app, ["partners", "scores", "--alliance-id", str(world.a.alliance_id),
                                "--database-url", db_url], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    rows = {line.split("│")[1].strip(): line.split("│") for line in shown.output.splitlines()
            if line.count("│") > 8 and line.split("│")[1].strip().isdigit()}
    assert set(rows) == {str(good["id"]), str(gated["id"])}  # the operator's list only
    for id_, total in totals.items():
        assert rows[str(id_)][-3].strip() == str(total)
    assert "不推荐" in rows[str(gated["id"])][-2]
    mine = runner.invoke(app, ["partners", "scores", "--alliance-id", str(world.a.alliance_id), "--merchant-id",
                               str(world.a.merchants[0]), "--database-url", db_url], env={"COLUMNS": "200"})
    assert mine.exit_code == 0 and "商户自己的名单" in mine.output and "总部好伙伴" not in mine.output
    empty = runner.invoke(app, ["partners", "scores", "--alliance-id", str(world.b.alliance_id),
                                "--database-url", db_url])
    assert empty.exit_code == 1
