from __future__ import annotations

from fastapi.testclient import TestClient

from lianmeng import __version__


def test_health_reports_version_and_database(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == __version__
    assert body["database"]["reachable"] is True
    assert body["status"] == "ok"


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/members" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_world_builds(world) -> None:  # type: ignore[no-untyped-def]
    assert len(world.a.merchants) == 3
