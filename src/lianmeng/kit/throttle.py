"""Counters that slow guessing down: wrong passwords, one-time codes sent and tried.

Built on `limits` (moving windows). With LIANMENG_REDIS_URL set, every worker and every server shares the counts
in Redis; otherwise they live in the memory of one app (enough for one process, and each test app starts from
zero). Identifiers (a username, a phone, an address) are kept only as keyed hashes, so the counter store never
holds personal data in clear.

The counters of a request are reached through `current()`: a middleware binds the app's throttle and the
caller's address for the length of the request, so the use cases (`auth.service.login`, `request_code`,
`verify_code`) keep their signatures whichever door calls them.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from lianmeng.kit import crypto
from lianmeng.kit.errors import AppError

log = logging.getLogger("lianmeng.throttle")


@dataclass(frozen=True)
class Rule:
    """One limit: at most `limit` events per window for one kind of key (e.g. '5 per minute' per phone)."""

    name: str
    limit: RateLimitItem

    @classmethod
    def of(cls, name: str, text: str) -> Rule:
        return cls(name, parse(text))


class Throttled(AppError):
    """429: too many attempts; `retry_after` seconds until the next one is allowed."""

    status_code = 429

    def __init__(self, code: str, retry_after: int) -> None:
        super().__init__(code, seconds=retry_after)
        self.retry_after = retry_after


class Throttle:
    """A set of moving-window counters in one storage (memory or Redis)."""

    def __init__(self, redis_url: str | None = None, namespace: str = "lianmeng") -> None:
        self.storage: Storage = RedisStorage(redis_url, wrap_exceptions=True) if redis_url else MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.namespace = namespace

    @classmethod
    def isolated(cls, redis_url: str | None = None) -> Throttle:
        """Counters of their own (a random namespace): for tests sharing one Redis."""
        return cls(redis_url, namespace=f"lianmeng-{secrets.token_hex(6)}")

    def _ids(self, rule: Rule, key: str) -> tuple[str, str]:
        return self.namespace, f"{rule.name}:{crypto.lookup_hash(key, purpose='throttle')}"

    def wait(self, checks: Sequence[tuple[Rule, str]]) -> int:
        """Seconds until every check has room for one more event (0: go ahead). If the storage (Redis) cannot be
        reached the answer is 0: logins keep working unthrottled, and the outage is logged as an error."""
        longest = 0.0
        try:
            for rule, key in checks:
                if not self.limiter.test(rule.limit, *self._ids(rule, key)):
                    stats = self.limiter.get_window_stats(rule.limit, *self._ids(rule, key))
                    longest = max(longest, stats.reset_time - time.time(), 1.0)
        except StorageError as error:
            log.error("throttle storage unreachable, not throttling: %s", error)
            return 0
        return math.ceil(longest)

    def hit(self, checks: Sequence[tuple[Rule, str]]) -> None:
        try:
            for rule, key in checks:
                self.limiter.hit(rule.limit, *self._ids(rule, key))
        except StorageError as error:
            log.error("throttle storage unreachable, not counting: %s", error)

    def guard(self, checks: Sequence[tuple[Rule, str]], code: str) -> None:
        """Raise 429 (`code`) if any check is full."""
        seconds = self.wait(checks)
        if seconds:
            raise Throttled(code, seconds)

    def take(self, checks: Sequence[tuple[Rule, str]], code: str) -> None:
        """Count one event against every check, or raise 429 (`code`) without counting if any is full."""
        self.guard(checks, code)
        self.hit(checks)

    def clear(self, checks: Sequence[tuple[Rule, str]]) -> None:
        for rule, key in checks:
            self.limiter.clear(rule.limit, *self._ids(rule, key))


@dataclass(frozen=True)
class Caller:
    """The throttle of the app serving this request, and who is calling: the address (None outside a request) and
    the User-Agent header as sent ("" when none); the audit trail reads both (audit/context.py)."""

    throttle: Throttle
    address: str | None
    user_agent: str = ""


_fallback = Throttle()
_current: ContextVar[Caller | None] = ContextVar("lianmeng_throttle", default=None)


def current() -> Caller:
    """The request's throttle and address; outside a request (the CLI, a script) one process-wide throttle."""
    return _current.get() or Caller(_fallback, None)


@contextmanager
def bound(caller: Caller) -> Iterator[None]:
    token = _current.set(caller)
    try:
        yield
    finally:
        _current.reset(token)


class BindThrottle:
    """ASGI middleware: binds the app's throttle, the client's address (as uvicorn reports it, i.e. after its
    trusted-proxy handling) and its user agent for the request."""

    def __init__(self, app: ASGIApp, throttle: Throttle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        agent = next((value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"user-agent"),
                     "")
        with bound(Caller(self.throttle, client[0] if client else None, agent)):
            await self.app(scope, receive, send)
