"""The request gate (issue 11 item 1): a bounded number of requests at once, a short bounded queue, and beyond
it 503 + Retry-After with the usual error body at once, never a stall. Sizing: pool and threads from one number."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from pydantic import ValidationError
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from lianmeng.config import POOL_RESERVE, Settings
from lianmeng.db import _pool_args
from lianmeng.web.capacity import THREAD_RESERVE, LoadShedder, size_thread_limiter


class Held:
    """An app whose /slow requests wait until released, as a long database transaction would."""

    def __init__(self) -> None:
        self.release = anyio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"].endswith("/slow"):
            await self.release.wait()
        await PlainTextResponse("ok")(scope, receive, send)


def run(scenario: Any) -> Any:
    """Run an async scenario on a fresh event loop in its own thread: the browser tests' Playwright keeps an
    asyncio loop running in the main thread of the same pytest process."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, scenario).result()


async def get(client: httpx.AsyncClient, path: str, into: dict[str, Any], name: str, **headers: str) -> None:
    began = time.monotonic()
    response = await client.get(path, headers=headers)
    into[name] = (response, time.monotonic() - began)


def test_beyond_the_queue_the_answer_is_503_at_once_and_the_queue_waits_a_bounded_time() -> None:
    answers: dict[str, Any] = {}

    async def scenario() -> None:
        app = Held()
        gate = LoadShedder(app, limit=1, queue_depth=1, queue_seconds=0.5, retry_after=2)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://till") as client, \
                anyio.create_task_group() as tasks:
            tasks.start_soon(get, client, "/api/v1/slow", answers, "working")
            await anyio.sleep(0.05)
            tasks.start_soon(get, client, "/api/v1/orders", answers, "queued")
            await anyio.sleep(0.05)
            await get(client, "/api/v1/orders", answers, "shed", **{"Accept-Language": "en"})
            await get(client, "/static/app.css", answers, "static")
            await anyio.sleep(0.7)
            app.release.set()

    run(scenario)
    shed, shed_after = answers["shed"]
    assert shed.status_code == 503 and shed_after < 0.3
    assert shed.headers["retry-after"] == "2"
    assert shed.json()["error"]["code"] == "server_busy"
    assert shed.json()["error"]["message"] == "The server is busy and did not process this request; retry in 2 s"
    queued, queued_after = answers["queued"]
    assert queued.status_code == 503 and 0.45 < queued_after < 1.0  # waited its 0.5 s, then shed
    assert "服务器繁忙" in queued.json()["error"]["message"]
    assert answers["static"][0].status_code == 200  # static files need no slot
    assert answers["working"][0].status_code == 200


def test_a_queued_request_is_served_when_a_slot_frees_within_the_wait() -> None:
    answers: dict[str, Any] = {}

    async def scenario() -> None:
        app = Held()
        gate = LoadShedder(app, limit=1, queue_depth=4, queue_seconds=5, retry_after=1)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://till") as client, \
                anyio.create_task_group() as tasks:
            tasks.start_soon(get, client, "/api/v1/slow", answers, "working")
            await anyio.sleep(0.05)
            for i in range(3):
                tasks.start_soon(get, client, "/api/v1/orders", answers, f"queued-{i}")
            await anyio.sleep(0.2)
            assert gate.waiting == 3
            app.release.set()

    run(scenario)
    assert {name: response.status_code for name, (response, _) in answers.items()} == {
        "working": 200, "queued-0": 200, "queued-1": 200, "queued-2": 200}


def test_a_shed_page_is_a_page_with_retry_after() -> None:
    async def scenario() -> httpx.Response:
        app = Held()
        gate = LoadShedder(app, limit=1, queue_depth=0, queue_seconds=1, retry_after=3)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://till") as client, \
                anyio.create_task_group() as tasks:
            tasks.start_soon(client.get, "/console/slow")
            await anyio.sleep(0.05)
            page = await client.get("/login")
            app.release.set()
        return page

    page = run(scenario)
    assert page.status_code == 503 and page.headers["retry-after"] == "3"
    assert "text/html" in page.headers["content-type"] and "服务器繁忙" in page.text


def test_pool_and_threads_are_sized_from_the_request_slots() -> None:
    settings = Settings(max_concurrent_requests=24)
    assert settings.pool_size == 24 + POOL_RESERVE
    assert _pool_args("postgresql+psycopg://u@h/db") == {"pool_size": Settings().pool_size, "max_overflow": 0,
                                                         "pool_timeout": 10}
    assert _pool_args("sqlite:///./var/x.db")["max_overflow"] == 0
    assert _pool_args("sqlite://") == {}

    async def tokens() -> float:
        size_thread_limiter(settings)
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert run(tokens) == 24 + THREAD_RESERVE


def test_a_pool_smaller_than_the_request_slots_is_refused() -> None:
    with pytest.raises(ValidationError, match="must exceed LIANMENG_MAX_CONCURRENT_REQUESTS"):
        Settings(max_concurrent_requests=16, db_pool_size=16)
    assert Settings(max_concurrent_requests=16, db_pool_size=40).pool_size == 40
