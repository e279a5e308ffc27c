"""Claiming a shared coupon link as a customer does: ask for the one-time code, read it from the SMS outbox (the
development sender), claim with the phone and the code."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lianmeng.auth.models import OutboxMessage
from lianmeng.db import new_session
from tests.conftest import DATABASE_URL


def last_sms_code() -> str:
    """The code of the newest SMS in the outbox."""
    with new_session(DATABASE_URL) as s:
        body = s.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    found = re.search(r"验证码为 (\d{6})", body or "")
    assert found, body
    return found.group(1)


def claim_by_phone(client: TestClient, token: str, phone: str, **body: Any) -> Any:
    """Both steps; returns the claim's response. The code-send throttles (one code a minute per phone, ten per
    address) start afresh, as if the customer came back later: these tests are about claiming, and
    tests/integration/auth/test_throttles.py covers the throttles."""
    client.app.state.throttle.storage.reset()  # type: ignore[attr-defined]
    sent = client.post(f"/api/v1/claim/{token}/code", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    return client.post(f"/api/v1/claim/{token}", json={"phone": phone, "code": last_sms_code(), **body})
