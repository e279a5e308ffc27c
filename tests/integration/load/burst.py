"""Fire many requests at once over real HTTP, as a burst of tills would, and retry 503s the way a till does:
after the Retry-After the server asked for. Every attempt is timed; anything but a clean answer is a problem.

Each till speaks HTTP/1.1 over its own short connection (`Connection: close`, one per attempt) through asyncio
streams. httpx costs the test process several milliseconds of CPU per request; with 256 tills on a 2-core machine
that lagged the client's event loop by seconds, so the timings measured the test, and a till back from its
Retry-After sleep found its keep-alive connection already closed by the server."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

SLOWEST_ANSWER_S = 10.0
MAX_ATTEMPTS = 60
GIVE_UP_S = 90.0


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


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


def _code(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


async def request(base_url: str, call: Call) -> Answer:
    """One HTTP/1.1 exchange on a new connection, read to the end (the server closes it)."""
    url = urlsplit(base_url)
    payload = b"" if call.json is None else json.dumps(call.json).encode()
    head = [f"{call.method} {call.path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close",
            f"Content-Length: {len(payload)}", "Accept: application/json"]
    if call.json is not None:
        head.append("Content-Type: application/json")
    head += [f"{name}: {value}" for name, value in call.headers.items()]
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    header_block, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = header_block.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body.decode(errors="replace")
    return Answer(int(status_line.split()[1]), headers, parsed)


async def _one(base_url: str, call: Call, burst: Burst, start: asyncio.Event) -> None:
    await start.wait()
    for attempt in range(MAX_ATTEMPTS):
        began = time.monotonic()
        try:
            answer = await asyncio.wait_for(request(base_url, call), GIVE_UP_S)
        except (OSError, TimeoutError, IndexError, ValueError) as error:
            burst.problems.append(f"{call.method} {call.path}: {error!r} after {time.monotonic() - began:.1f} s, "
                                  f"attempt {attempt + 1}")
            burst.finals.append((0, None))
            return
        took = time.monotonic() - began
        burst.attempts += 1
        burst.latencies.append(took)
        if took > SLOWEST_ANSWER_S:
            burst.problems.append(f"{call.method} {call.path}: {answer.status} took {took:.1f} s")
        retry_after = answer.headers.get("retry-after")
        if answer.status == 503 and retry_after is not None:
            burst.shed += 1
            if _code(answer.body) != "server_busy":
                burst.problems.append(f"503 without the error body: {answer.body!r:.200}")
            await asyncio.sleep(float(retry_after))
            continue
        if answer.status >= 500:
            burst.problems.append(f"{call.method} {call.path}: {answer.status} {answer.body!r:.200}")
        burst.finals.append((answer.status, _code(answer.body)))
        return
    burst.problems.append(f"{call.method} {call.path}: still shed after {MAX_ATTEMPTS} attempts")
    burst.finals.append((503, None))


async def _fire(base_url: str, calls: list[Call]) -> Burst:
    burst = Burst()
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one(base_url, call, burst, start)) for call in calls]
    await asyncio.sleep(0.05)
    began = time.monotonic()
    start.set()
    await asyncio.gather(*tasks)
    burst.wall_s = time.monotonic() - began
    return burst


def fire(base_url: str, calls: list[Call]) -> Burst:
    """All `calls` at once; returns when every call has its final answer."""
    burst = asyncio.run(_fire(base_url, calls))
    print(f"\n{calls[0].method} {calls[0].path}: {burst.summary()}")
    return burst
