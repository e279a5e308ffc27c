"""A real local HTTP receiver (http.server in a thread on 127.0.0.1) that answers what a test tells it, can be
down (nothing listening: connection refused) and up again on the same port, and keeps every request it got."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lianmeng.config import get_settings


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default listen backlog (5) refuses some of the job's 16 parallel connects


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    status: int = 200
    got: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.got.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                answer = b"ok" if 200 <= receiver.status < 300 else b"receiver broke"
                self.send_response(receiver.status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.up()
    yield r
    r.down()


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests post to http://127.0.0.1 (docs/webhooks.md: loopback only where allowed)."""
    monkeypatch.setattr(get_settings(), "webhooks_allow_loopback", True)
