"""Where a request comes from, for the audit trail: the client's address and its user agent, bound for the length
of the request by an ASGI middleware (`BindRequestOrigin`), read by `audit.service.record` through a contextvar.

Services therefore never take the address as a parameter: a use case run from the CLI or a job simply has no
origin (None), and the trail says so. The address is the one uvicorn reports, i.e. after its trusted-proxy
handling (`--forwarded-allow-ips`), the same one the login throttle counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from lianmeng.audit.domain import short_user_agent


@dataclass(frozen=True)
class Origin:
    address: str | None
    user_agent: str


NOWHERE = Origin(None, "")
_current: ContextVar[Origin] = ContextVar("lianmeng_audit_origin", default=NOWHERE)


def current() -> Origin:
    """The request's origin; NOWHERE outside a request (the CLI, a job)."""
    return _current.get()


@contextmanager
def bound(origin: Origin) -> Iterator[None]:
    token = _current.set(origin)
    try:
        yield
    finally:
        _current.reset(token)


class BindRequestOrigin:
    """ASGI middleware: binds the client's address and user agent for the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        agent = next((value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"user-agent"),
                     "")
        with bound(Origin(client[0] if client else None, short_user_agent(agent))):
            await self.app(scope, receive, send)
