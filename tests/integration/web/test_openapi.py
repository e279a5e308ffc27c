"""The OpenAPI document names every status an operation can answer, with the one error body, and a method an API
path does not offer answers 405 with `Allow` listing exactly the documented ones (RFC 9110)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
THROTTLED = [("post", "/api/v1/auth/login"), ("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/member/code"),
             ("post", "/api/v1/auth/member/code/verify"), ("post", "/api/v1/claim/{token}")]


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, operations in document["paths"].items()
            for method, operation in operations.items()]


def test_every_error_status_uses_the_one_error_body(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        errors = {status: r for status, r in operation["responses"].items() if int(status) >= 400}
        assert "503" in errors, f"{method} {path}: the server may shed load on any API call"
        assert "Retry-After" in errors["503"]["headers"]
        for status, response in errors.items():
            assert response["content"]["application/json"]["schema"] == ERROR_BODY, f"{method} {path} {status}"
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's 422 body, which we never send
    assert set(schemas["ErrorBody"]["properties"]) == {"error"}
    assert set(schemas["ErrorDetail"]["properties"]) == {"code", "message", "details"}


def test_statuses_follow_from_what_the_operation_takes(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        statuses = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403", "404"} <= statuses, f"{method} {path}"
        if "{" in path:
            assert "404" in statuses, f"{method} {path}"
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= statuses, f"{method} {path}"
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            assert {"409", "422"} <= statuses, f"{method} {path}"
    for method, path in THROTTLED:
        responses = document["paths"][path][method]["responses"]
        assert "Retry-After" in responses["429"]["headers"], f"{method} {path}"
    for path in ("/api/v1/auth/login", "/api/v1/auth/token", "/api/v1/auth/member/code/verify"):
        assert "401" in document["paths"][path]["post"]["responses"], path
    assert "409" in document["paths"]["/api/v1/orders"]["post"]["responses"]
    assert "401" not in document["paths"]["/api/v1/claim/{token}"]["get"]["responses"]  # public
    svg = document["paths"]["/api/v1/claim/{token}/qr.svg"]["get"]["responses"]["200"]["content"]
    assert list(svg) == ["image/svg+xml"]


def test_a_method_the_path_does_not_offer_names_the_ones_it_does(client: TestClient,
                                                                 document: dict[str, Any]) -> None:
    for template, operations in document["paths"].items():
        path = template.replace("{token}", "abc").replace("{", "").replace("}", "")
        path = "/".join("7" if part.endswith("_id") else part for part in path.split("/"))
        offered = sorted(m.upper() for m in operations)
        refused = next(m for m in ("DELETE", "PUT", "PATCH", "POST") if m not in offered)
        response = client.request(refused, path)
        assert response.status_code == 405, f"{refused} {path}: {response.status_code}"
        assert response.headers["Allow"] == ", ".join(offered), f"{refused} {path}"
        assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/v1/orders/batch", "/api/v1/coupons/issue", "/api/v1/coupons/validate",
                                  "/api/v1/coupons/redeem"])
def test_a_get_on_a_post_only_path_is_405_not_a_bad_id(world: World, path: str) -> None:
    """GET /coupons/issue is routed to GET /coupons/{coupon_id} with the id "issue"; it is still a method the
    path does not offer, not an invalid coupon id."""
    response = world.client.get(path, headers=world.a.actors["operator"].headers)
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == "POST"


def test_an_idempotency_key_is_visible_ascii(world: World) -> None:
    staff = world.a.actors["staff1"].headers
    member = world.a.members[world.a.merchants[0]]
    body = {"external_id": "K-1", "member_id": member, "amount_fen": 100}
    for key in ("", "cl\xe9".encode("latin-1"), b"a\tb"):
        response = world.client.post("/api/v1/orders", headers={**staff, "Idempotency-Key": key}, json=body)
        assert response.status_code == 422, (key, response.text)
    accepted = world.client.post("/api/v1/orders", headers={**staff, "Idempotency-Key": "9f1c-till-7 #42"}, json=body)
    assert accepted.status_code == 201, accepted.text
