"""Every status an API operation can answer, documented in OpenAPI with the one error body
`{"error": {"code", "message", "details"}}`.

Most statuses follow from what the operation is, so they are derived once here instead of written per route:

* 400 a body that is not JSON, or an `Idempotency-Key` that is not a valid key;
* 401 when it needs a caller (it depends on `get_principal`);
* 403 when the caller's role may not do it, 404 when a row it names is outside the caller's scope or absent;
* 409 for writes (an Idempotency-Key still in flight, a state that does not allow the change, a duplicate);
* 413 for a body over `LIANMENG_MAX_BODY_BYTES`, 422 for input that breaks the schema or a business rule;
* 503 + Retry-After on every API operation (the server sheds load rather than queueing it).

A route adds what cannot be derived with `responses=may_answer(429)` (throttled logins, codes and claims)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from starlette.routing import compile_path


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable, e.g. not_found, validation_error", examples=["not_found"])
    message: str = Field(description="In the caller's language (Accept-Language: zh-CN default, en)")
    details: Any = Field(default=None, description="Validation problems by field, or null")


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorDetail


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}

MEANINGS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Malformed request: the body is not JSON, or the Idempotency-Key is not valid", {}),
    401: ("Not authenticated: no, an expired or a revoked bearer token or API key", WWW_AUTHENTICATE),
    403: ("The caller's role may not do this", {}),
    404: ("Not found, or outside the caller's scope", {}),
    409: ("Conflict: the same Idempotency-Key is still being processed, or the current state does not allow it", {}),
    410: ("Gone: the invitation or link has expired", {}),
    413: ("The body is larger than LIANMENG_MAX_BODY_BYTES", {}),
    422: ("Invalid input: the schema (strict JSON types) or a business rule refused it; nothing was written", {}),
    429: ("Too many attempts: wait Retry-After seconds", RETRY_AFTER),
    503: ("The server is at its concurrency limit or its database is unavailable: retry after Retry-After seconds",
          RETRY_AFTER),
}


def may_answer(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's statuses that cannot be derived from it (e.g. 429 on a throttled login)."""
    return {status: {"model": ErrorBody, "description": MEANINGS[status][0]} for status in statuses}


WRITES = {"post", "put", "patch", "delete"}


def derived_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses that follow from what the operation takes and whether it needs a caller."""
    parameters = operation.get("parameters", [])
    where = {p["in"] for p in parameters}
    secured = bool(operation.get("security"))
    idempotent = any(p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in parameters)
    statuses = {503}
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if where:
        statuses.add(422)
    if "path" in where:
        statuses.add(404)
    if secured:
        statuses |= {401, 403, 404}
    if idempotent or (secured and method in WRITES):
        statuses |= {400, 409, 422}
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    description, headers = MEANINGS[status]
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _schema(app: FastAPI, prefix: str) -> dict[str, Any]:
    schema = FastAPI.openapi(app)  # FastAPI's own document, then the error answers on top
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            declared = {int(status) for status in responses if status.isdigit() and int(status) >= 400}
            for status in sorted(derived_statuses(method, operation) | declared):
                responses[str(status)] = _error_response(status)
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body, which we never send
        if f"#/components/schemas/{unused}" not in json.dumps(schema):
            components.pop(unused, None)
    return schema


def install(app: FastAPI, prefix: str = "/api/") -> None:
    """Serve the OpenAPI document with the error responses of every API operation (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        return app.openapi_schema or _schema(app, prefix)

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the API offers on `path`, for the `Allow` header of a 405 (Starlette names only the methods
    of the first route whose path matches, e.g. `GET` for `/agreements`, which also takes `POST`). The most
    specific path wins: `/orders/batch` is not `/orders/{order_id}`."""
    patterns: list[tuple[re.Pattern[str], int, list[str]]] | None = getattr(app.state, "allowed_methods", None)
    if patterns is None:
        patterns = [(compile_path(template)[0], template.count("{"), [m.upper() for m in operations])
                    for template, operations in app.openapi().get("paths", {}).items()]
        app.state.allowed_methods = patterns
    matching = [(params, methods) for pattern, params, methods in patterns if pattern.match(path)]
    fewest = min((params for params, _ in matching), default=0)
    return sorted({method for params, methods in matching if params == fewest for method in methods})
