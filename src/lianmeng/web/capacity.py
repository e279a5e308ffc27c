"""How much one server process takes on at once, and what it answers beyond that (docs/capacity.md).

At most `max_concurrent_requests` requests are worked on at once. Each holds one pooled database connection
(`web.deps.get_session`) and at most one worker thread, so the pool (`max_concurrent_requests + 2` connections)
and anyio's thread limiter are sized from the same number and a checkout never waits. A request beyond the limit
waits in a FIFO queue (at most `request_queue_depth` requests, at most `request_queue_seconds` each); past either
bound it is answered at once with 503 + Retry-After and the usual error body, so a till knows nothing was recorded
and when to retry. Static files need neither a connection nor a slot and pass straight through.

uvicorn's own `--limit-concurrency` counts open connections (a keep-alive till holds one while idle), has no
queue, and answers a bare text 503 without Retry-After, so the gate is this small ASGI middleware on anyio.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from lianmeng.config import Settings

UNGATED_PREFIXES = ("/static/",)
THREAD_RESERVE = 8  # worker threads beyond the request slots: static files (file reads) and the odd sync helper


def size_thread_limiter(settings: Settings) -> None:
    """Give anyio's default thread limiter (sync endpoints and dependencies run there) a thread per request slot."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.max_concurrent_requests + THREAD_RESERVE


class LoadShedder:
    """Admits `limit` requests at once, queues a bounded number briefly, answers the rest 503 + Retry-After."""

    def __init__(self, app: ASGIApp, limit: int, queue_depth: int, queue_seconds: float, retry_after: int) -> None:
        self.app = app
        self.limit = limit
        self.queue_depth = queue_depth
        self.queue_seconds = queue_seconds
        self.retry_after = retry_after
        self.waiting = 0
        self._slots: anyio.Semaphore | None = None

    def slots(self) -> anyio.Semaphore:
        if self._slots is None:  # created inside the event loop that serves the requests
            self._slots = anyio.Semaphore(self.limit)
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNGATED_PREFIXES):
            await self.app(scope, receive, send)
            return
        slots = self.slots()
        if not await self._admit(slots):
            await self._shed(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _admit(self, slots: anyio.Semaphore) -> bool:
        try:
            slots.acquire_nowait()
            return True
        except anyio.WouldBlock:
            pass
        if self.waiting >= self.queue_depth:
            return False
        self.waiting += 1
        admitted = False
        try:
            with anyio.move_on_after(self.queue_seconds):
                await slots.acquire()
                admitted = True
        finally:
            self.waiting -= 1
        return admitted

    async def _shed(self, scope: Scope, receive: Receive, send: Send) -> None:
        from lianmeng.web.errors import busy_response

        await busy_response(Request(scope, receive), self.retry_after)(scope, receive, send)
