"""What every response carries for the browser's protection (docs/security.md):

* security headers: a Content-Security-Policy the pages satisfy (our own scripts and styles only, no inline
  script, no framing), X-Frame-Options, X-Content-Type-Options and Referrer-Policy;
* `Secure` on every cookie set over HTTPS. The scheme is the request's as uvicorn reports it: behind a TLS proxy
  that is `https` once uvicorn trusts the proxy's X-Forwarded-Proto (FORWARDED_ALLOW_IPS; 127.0.0.1 by default);
* a random per-visitor cookie (`lm_csrf`) on pages, so the CSRF token of a form shown before login differs for
  every visitor (it is bound to that cookie; after login, to the session).
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

VISITOR_COOKIE = "lm_csrf"

# The pages' own script and CSS only. Inline style attributes are allowed (the server-drawn SVG charts and bars
# use them; they cannot run code); inline <script> and <style> elements are not.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc load Swagger UI / ReDoc from cdn.jsdelivr.net and start them with an inline script.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
NO_VISITOR_COOKIE = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json")


def _policy(path: str) -> str:
    return DOCS_POLICY if path.startswith(DOCS_PATHS) else PAGE_POLICY


def _cookie(header: bytes, name: bytes) -> bytes | None:
    for part in header.split(b";"):
        key, _, value = part.strip().partition(b"=")
        if key == name:
            return value
    return None


class SecurityHeaders:
    """Pure ASGI (streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"
        visitor = self._visitor_cookie(scope, path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = _policy(path)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if visitor is not None:
                    headers.append("set-cookie", f"{VISITOR_COOKIE}={visitor}; Path=/; HttpOnly; SameSite=Lax")
                if https:
                    self._secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _visitor_cookie(scope: Scope, path: str) -> str | None:
        """A new visitor id when a page is asked for without one; it is added to this request's cookies too, so
        the page rendered now already carries the token the next post will be checked against."""
        if path.startswith(NO_VISITOR_COOKIE):
            return None
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        existing = b"; ".join(value for key, value in headers if key == b"cookie")
        if _cookie(existing, VISITOR_COOKIE.encode()):
            return None
        visitor = secrets.token_urlsafe(24)
        joined = (existing + b"; " if existing else b"") + f"{VISITOR_COOKIE}={visitor}".encode()
        scope["headers"] = [(k, v) for k, v in headers if k != b"cookie"] + [(b"cookie", joined)]
        return visitor

    @staticmethod
    def _secure_cookies(headers: MutableHeaders) -> None:
        cookies = headers.getlist("set-cookie")
        if not cookies:
            return
        del headers["set-cookie"]
        for cookie in cookies:
            secure = any(part.strip().lower() == "secure" for part in cookie.split(";"))
            headers.append("set-cookie", cookie if secure else f"{cookie}; Secure")
