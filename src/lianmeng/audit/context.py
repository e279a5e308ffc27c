"""Where a request comes from, for the audit trail: the client's address and its user agent, as the request's
caller is bound for the length of the request by the throttle's ASGI middleware (`kit.throttle.BindThrottle`), read
by `audit.service.record`.

Services therefore never take the address as a parameter: a use case run from the CLI or a job simply has no
origin (no address, no user agent), and the trail says so. The address is the one uvicorn reports, i.e. after its
trusted-proxy handling (`--forwarded-allow-ips`), the same one the login throttle counts."""

from __future__ import annotations

from dataclasses import dataclass

from lianmeng.audit.domain import short_user_agent
from lianmeng.kit import throttle


@dataclass(frozen=True)
class Origin:
    address: str | None
    user_agent: str


def current() -> Origin:
    """The request's origin; no address and no user agent outside a request (the CLI, a job)."""
    caller = throttle.current()
    return Origin(caller.address, short_user_agent(caller.user_agent))
