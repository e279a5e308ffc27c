"""`lianmeng serve` refuses the public development secret outside development (issue 11 item 9), and `lianmeng otp
peek` shows a waiting code in development only. Real subprocesses: what an operator would run."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import httpx
import pytest

from lianmeng import migrate
from tests.serving import LIANMENG, clean_env, free_port, serving


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(LIANMENG_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", **extra)


def test_serve_refuses_the_development_secret_in_production(tmp_path: Path) -> None:
    for env in (_env(tmp_path), _env(tmp_path, LIANMENG_ENV="production"),
                _env(tmp_path, LIANMENG_SECRET_KEY="lianmeng-dev-secret-change-me-in-production")):
        done = subprocess.run([LIANMENG, "serve", "--port", str(free_port())], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "LIANMENG_SECRET_KEY" in done.stderr and "LIANMENG_ENV=development" in done.stderr


@pytest.mark.parametrize("extra", [{"LIANMENG_ENV": "development"},
                                   {"LIANMENG_SECRET_KEY": secrets.token_urlsafe(48)}], ids=["development", "secret"])
def test_serve_starts_in_development_or_with_a_real_secret(tmp_path: Path, extra: dict[str, str]) -> None:
    env = _env(tmp_path, **extra)
    migrate.upgrade(env["LIANMENG_DATABASE_URL"])
    with serving(env, tmp_path / "serve.log", cwd=tmp_path) as server:
        assert httpx.get(f"{server.base_url}/api/v1/health", timeout=5).json()["database"]["reachable"] is True


def test_otp_peek_shows_a_waiting_code_in_development_only(tmp_path: Path) -> None:
    from sqlalchemy import select

    from lianmeng.auth.models import OutboxMessage
    from lianmeng.auth.sender import OutboxSender
    from lianmeng.config import get_settings
    from lianmeng.db import new_session, unit_of_work

    env = _env(tmp_path, LIANMENG_SECRET_KEY=get_settings().secret_key)  # the secret the outbox row is sealed with
    url = env["LIANMENG_DATABASE_URL"]
    migrate.upgrade(url)
    with unit_of_work(url) as session:
        OutboxSender().send(session, "13912345678", "【联盟】您的登录验证码为 424242,5 分钟内有效。")
    refused = subprocess.run([LIANMENG, "otp", "peek", "13912345678"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "424242" not in refused.stdout
    dev = {**env, "LIANMENG_ENV": "development"}
    shown = subprocess.run([LIANMENG, "otp", "peek", "139 1234 5678"], env=dev, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "424242" in shown.stdout and "139****5678" in shown.stdout
    with new_session(url) as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.sent_at is not None and "424242" not in message.body  # delivered, so redacted
    again = subprocess.run([LIANMENG, "otp", "peek", "13912345678"], env=dev, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "424242" not in again.stdout
