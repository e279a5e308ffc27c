"""`lianmeng tags list` and `lianmeng tags apply`: the taxonomy with its counts, and the rule job on demand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.kit import clock
from tests.conftest import World
from tests.integration.tags.helpers import add_order

runner = CliRunner()


def test_tags_apply_then_list(world: World, session: Session, db_url: str) -> None:
    a = world.a
    m1 = a.merchants[0]
    add_order(session, a.alliance_id, m1, a.members[m1], clock.now() - timedelta(days=3), "儿童安全座椅安装")
    session.commit()
    args = ["--alliance-id", str(a.alliance_id), "--database-url", db_url]
    applied = runner.invoke(app, ["tags", "apply", *args], env={"COLUMNS": "200"})
    assert applied.exit_code == 0, applied.output
    assert "3 added, 0 removed" in applied.output  # parenting, child seat, car owner
    again = runner.invoke(app, ["tags", "apply", *args], env={"COLUMNS": "200"})
    assert "0 added, 0 removed" in again.output
    listed = runner.invoke(app, ["tags", "list", *args], env={"COLUMNS": "240"})
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if "child_seat" in line)
    assert row.split("│")[-2].strip() == "1"
