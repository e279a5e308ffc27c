"""What a till is told when the server is full (issue 11 item 1): 503 + Retry-After, documented in OpenAPI with
the 409 of an Idempotency-Key in progress; and a pool timeout (a misconfigured pool) is never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from lianmeng.web import deps
from tests.conftest import World


def test_openapi_documents_503_everywhere_and_409_on_writes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    orders = paths["/api/v1/orders"]
    assert {"409", "503"} <= set(orders["post"]["responses"])
    assert "Retry-After" in orders["post"]["responses"]["503"]["headers"]
    assert "503" in orders["get"]["responses"] and "409" not in orders["get"]["responses"]
    assert "409" in paths["/api/v1/coupons/redeem"]["post"]["responses"]


def test_a_pool_timeout_is_answered_503_with_retry_after(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def exhausted(url: str | None = None) -> Iterator[Session]:
        raise PoolTimeout("QueuePool limit of size 1 overflow 0 reached")
        yield  # pragma: no cover

    monkeypatch.setattr(deps, "pinned_session", exhausted)
    r = world.client.get("/api/v1/members", headers={**world.a.actors["staff1"].headers, "Accept-Language": "en"})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.json()["error"]["code"] == "server_busy"
