"""Shared steps of the recruiting tests: share a join link, apply as a stranger does (one-time code from the SMS
outbox), decide."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.claiming import last_sms_code
from tests.conftest import World


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def join_link(world: World, actor: str, **body: Any) -> Any:
    return ok(world.client.post("/api/v1/join-links", headers=world.a.actors[actor].headers, json=body))


def apply(client: TestClient, token: str, phone: str, kind: str = "promoter", **body: Any) -> Any:
    """Both steps; returns the application's response. The code-send throttles start afresh (the applicant came
    back later): tests/integration/auth/test_throttles.py covers them."""
    client.app.state.throttle.storage.reset()  # type: ignore[attr-defined]
    sent = client.post(f"/api/v1/join/{token}/code", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    details = {"applicant_name": "李敏", **body}
    if kind == "promoter":
        details.setdefault("occupation", "shopping_guide")
    else:
        details.setdefault("business_name", "悦享瑜伽馆")
        details.setdefault("industry", "fitness")
    return client.post(f"/api/v1/join/{token}/applications",
                       json={"kind": kind, "phone": phone, "code": last_sms_code(), **details})


def decide(world: World, actor: str, application_id: int, decision: str = "approve", reason: str = "",
           side: str = "a") -> Any:
    headers = (world.a if side == "a" else world.b).actors[actor].headers
    return world.client.post(f"/api/v1/recruits/{application_id}/decisions", headers=headers,
                             json={"decision": decision, "reason": reason})
