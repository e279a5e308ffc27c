"""The `lianmeng` command: --help everywhere, db upgrade, users create."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lianmeng import migrate
from lianmeng.auth.models import User
from lianmeng.cli import app
from lianmeng.db import new_session

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["serve"], ["db"], ["db", "upgrade"], ["db", "current"], ["demo"],
                                     ["users"], ["users", "create"]])
def test_help_everywhere(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "lianmeng" in result.output


def test_users_create_and_refusals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    ok = runner.invoke(app, ["users", "create", "root", "--role", "platform_admin", "--password", "s3cret-pass",
                             "--database-url", url])
    assert ok.exit_code == 0, ok.output
    with new_session(url) as session:
        user = session.scalars(select(User).where(User.username == "root")).one()
        assert user.role == "platform_admin" and user.password_hash.startswith("$argon2")
    again = runner.invoke(app, ["users", "create", "root", "--role", "platform_admin", "--password", "s3cret-pass",
                                "--database-url", url])
    assert again.exit_code == 1 and "用户名已被占用" in again.output
    no_alliance = runner.invoke(app, ["users", "create", "op", "--role", "operator_admin", "--password",
                                      "s3cret-pass", "--database-url", url])
    assert no_alliance.exit_code == 1
    bad_role = runner.invoke(app, ["users", "create", "x", "--role", "king", "--password", "s3cret-pass",
                                   "--database-url", url])
    assert bad_role.exit_code != 0
    short = runner.invoke(app, ["users", "create", "y", "--role", "platform_admin", "--password", "short",
                                "--database-url", url])
    assert short.exit_code != 0
