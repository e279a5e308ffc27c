"""Every error as {"error": {"code", "message", "details"}} in the caller's language; never a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianmeng.config import get_settings
from lianmeng.kit.errors import AppError
from lianmeng.kit.i18n import pick_language, translate
from lianmeng.kit.throttle import Throttled
from lianmeng.web import openapi
from lianmeng.web.responses import FastJSONResponse

log = logging.getLogger("lianmeng.web")


def error_response(request: Request, status_code: int, code: str, details: Any = None,
                   headers: Mapping[str, str] | None = None, retry_after: int | None = None,
                   **params: Any) -> JSONResponse:
    lang = pick_language(request.headers.get("accept-language"))
    body = {"error": {"code": code, "message": translate(code, lang, **params), "details": details}}
    sent = dict(headers or {})
    if status_code == 401:
        sent.setdefault("WWW-Authenticate", "Bearer")
    if retry_after is not None:
        sent["Retry-After"] = str(retry_after)
    if status_code == 503:
        sent.setdefault("Retry-After", "1")
    return FastJSONResponse(body, status_code=status_code, headers=sent or None, media_type="application/json")


def busy_response(request: Request, retry_after: int) -> Response:
    """503 + Retry-After: the server is at capacity and did nothing with this request (docs/capacity.md)."""
    headers = {"Retry-After": str(retry_after)}
    if _is_page(request):
        response = page_error(request, 503, "server_busy", seconds=retry_after)
        response.headers.update(headers)
        return response
    return error_response(request, 503, "server_busy", {"retry_after_seconds": retry_after}, headers,
                          seconds=retry_after)


def _validation_details(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    code = "validation_error"
    details = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            code = "malformed_json"
        message = str(err.get("msg", ""))
        for known in ("invalid_phone", "invalid_plate", "invalid_vin", "vehicle_required"):
            if known in message:
                code = known
        details.append({"loc": [str(x) for x in err.get("loc", ())], "msg": message, "type": err.get("type")})
    return code, details


def _is_page(request: Request) -> bool:
    """Console and member pages answer errors as pages; the API (and /docs) as JSON."""
    path = request.url.path
    return not (path.startswith("/api") or path.startswith("/docs") or path.startswith("/openapi"))


def page_error(
    request: Request, status_code: int, code: str, retry_after: int | None = None, **params: Any
) -> Response:
    from lianmeng.web.console import csrf_token, language, templates
    from lianmeng.web.labels import error_params

    lang = language(request)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    params = error_params(code, params, lang)
    path = request.url.path
    home = "/m" if path == "/m" or path.startswith(("/m/", "/c/", "/claim/", "/g/")) else "/console"
    return templates.TemplateResponse(request, "console/error.html", {
        "home": home,
        "status_code": status_code, "message": translate(code, lang, **params), "lang": lang, "principal": None,
        "t": lambda zh, en: en if lang == "en" else zh, "csrf": csrf_token(request), "path": request.url.path,
    }, status_code=status_code, headers=headers)


def install(app: FastAPI) -> None:
    from lianmeng.web.console import LoginRequired, login_redirect

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        retry_after = exc.retry_after if isinstance(exc, Throttled) else None
        if _is_page(request):
            return page_error(request, exc.status_code, exc.code, retry_after, **exc.params)
        return error_response(request, exc.status_code, exc.code, exc.details, retry_after=retry_after, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        allowed = openapi.allowed_methods(app, request.url.path)
        if allowed and request.method not in allowed:  # GET /coupons/issue reached /coupons/{coupon_id}
            return error_response(request, 405, "method_not_allowed", headers={"Allow": ", ".join(allowed)})
        code, details = _validation_details(exc)
        return error_response(request, 400 if code == "malformed_json" else 422, code, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "route_not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status_code, "validation_error"
        )
        if _is_page(request) and exc.status_code == 404:
            return page_error(request, 404, "page_not_found")
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and (allowed := openapi.allowed_methods(app, request.url.path)):
            headers["Allow"] = ", ".join(allowed)  # RFC 9110: every method the resource offers
        return error_response(request, exc.status_code, code, headers=headers, limit=app.state.max_body_bytes)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(request, 409, "conflict")

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return error_response(request, 422, "validation_error")

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return error_response(request, 422, "validation_error")

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, exc: PoolTimeout) -> Response:
        log.error("no database connection free for %s %s: the pool is smaller than the request slots",
                  request.method, request.url.path)
        return busy_response(request, get_settings().retry_after_seconds)

    @app.exception_handler(DBAPIError)
    async def _db(request: Request, exc: DBAPIError) -> JSONResponse:
        log.exception("database error on %s %s", request.method, request.url.path)
        return error_response(request, 503, "internal_error")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal_error")


class BodyLimit:
    """Refuses bodies over the limit with 413 before they reach a handler, whether or not the client sent a
    Content-Length (a chunked body is counted as it streams)."""

    def __init__(self, app: ASGIApp, limit: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.larger = dict(larger or {})  # path prefix -> its own limit (file uploads)

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.larger.items() if path.startswith(prefix)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise StarletteHTTPException(413)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        request = Request(scope, receive)
        response = error_response(request, 413, "body_too_large", limit=limit)
        await response(scope, receive, send)
