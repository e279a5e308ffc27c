"""Fire many requests at once over real HTTP, as a burst of tills would, and retry 503s the way a till does:
after the Retry-After the server asked for. Every attempt is timed; anything but a clean answer is a problem."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

SLOWEST_ANSWER_S = 10.0
MAX_ATTEMPTS = 60


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None


@dataclass
class Burst:
    """The outcome of a burst: each call's final answer, and what happened on the way."""

    finals: list[tuple[int, str | None]] = field(default_factory=list)  # (status, error code) per call
    attempts: int = 0
    shed: int = 0  # 503 + Retry-After answers (then retried)
    latencies: list[float] = field(default_factory=list)  # every attempt, seconds
    problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def statuses(self) -> Counter[int]:
        return Counter(status for status, _ in self.finals)

    def codes(self) -> Counter[tuple[int, str | None]]:
        return Counter(self.finals)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0

    def summary(self) -> str:
        return (f"{len(self.finals)} calls in {self.wall_s:.1f} s, {self.attempts} attempts, {self.shed} shed (503), "
                f"answer p50 {self.percentile(50) * 1000:.0f} ms p99 {self.percentile(99) * 1000:.0f} ms "
                f"max {max(self.latencies, default=0) * 1000:.0f} ms, final {dict(self.codes())}")


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


async def _one(client: httpx.AsyncClient, call: Call, burst: Burst, start: asyncio.Event) -> None:
    await start.wait()
    for _ in range(MAX_ATTEMPTS):
        began = time.monotonic()
        try:
            response = await client.request(call.method, call.path, headers=call.headers, json=call.json)
        except httpx.HTTPError as error:
            burst.problems.append(f"{call.method} {call.path}: {type(error).__name__} after "
                                  f"{time.monotonic() - began:.1f} s")
            burst.finals.append((0, None))
            return
        took = time.monotonic() - began
        burst.attempts += 1
        burst.latencies.append(took)
        if took > SLOWEST_ANSWER_S:
            burst.problems.append(f"{call.method} {call.path}: {response.status_code} took {took:.1f} s")
        retry_after = response.headers.get("retry-after")
        if response.status_code == 503 and retry_after is not None:
            burst.shed += 1
            if _code(response) is None:
                burst.problems.append(f"503 without the error body: {response.text[:200]}")
            await asyncio.sleep(float(retry_after))
            continue
        if response.status_code >= 500:
            burst.problems.append(f"{call.method} {call.path}: {response.status_code} {response.text[:200]}")
        burst.finals.append((response.status_code, _code(response)))
        return
    burst.problems.append(f"{call.method} {call.path}: still shed after {MAX_ATTEMPTS} attempts")
    burst.finals.append((503, None))


async def _fire(base_url: str, calls: list[Call]) -> Burst:
    burst = Burst()
    limits = httpx.Limits(max_connections=len(calls) + 16, max_keepalive_connections=len(calls) + 16)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(90)) as client:
        start = asyncio.Event()
        tasks = [asyncio.create_task(_one(client, call, burst, start)) for call in calls]
        await asyncio.sleep(0.05)
        began = time.monotonic()
        start.set()
        await asyncio.gather(*tasks)
        burst.wall_s = time.monotonic() - began
    return burst


def fire(base_url: str, calls: list[Call]) -> Burst:
    """All `calls` at once (one connection each); returns when every call has its final answer."""
    burst = asyncio.run(_fire(base_url, calls))
    print(f"\n{calls[0].method} {calls[0].path}: {burst.summary()}")
    return burst
