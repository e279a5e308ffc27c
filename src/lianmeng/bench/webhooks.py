"""Webhook delivery latency to a local receiver: `run_webhooks_bench(database_url, events)` commits `events`
events, each in its own transaction (as an order would), to the outbox of a fresh alliance whose operator has
one endpoint on a local HTTP receiver (http.server in a thread, answering 204), while a worker thread runs the
delivery job in a loop (again at once after a run that sent something, after POLL_S after an idle one), and
reports:

- end-to-end latency, from each event's commit to its arrival at the receiver, signature verified (p50/p99):
  the outbox wait for the next run, the dispatch, the claim, signing, the POST;
- attempt latency, sign + POST + answer, as the delivery log records it (p50/p99);
- delivered per second from the first commit to the last arrival.

The database: a temporary SQLite file by default; a PostgreSQL URL whose name contains 'bench' is wiped and
migrated (bench.settle.prepare_database)."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select
from standardwebhooks import Webhook

from lianmeng import migrate
from lianmeng.alliances.models import Alliance
from lianmeng.bench.settle import prepare_database
from lianmeng.db import unit_of_work
from lianmeng.kit import clock, crypto
from lianmeng.merchants.models import Merchant
from lianmeng.webhooks import service
from lianmeng.webhooks.delivery import deliver_due
from lianmeng.webhooks.domain import EventType
from lianmeng.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookEvent

DEFAULT_EVENTS = 500
POLL_S = 0.05  # a worker's pause after a run that found nothing to send
GIVE_UP_S = 120.0


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default listen backlog (5) refuses some of the job's 16 parallel connects


class _Receiver:
    """Verifies each request's signature and notes when it arrived (time.time(), per webhook-id)."""

    def __init__(self, secret: str) -> None:
        self.arrived: dict[str, float] = {}
        self.bad = 0
        verifier = Webhook(secret)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                try:
                    verifier.verify(body, dict(self.headers.items()))
                    receiver.arrived[self.headers["webhook-id"]] = time.time()
                except Exception:  # a bad signature is counted, not raised in the server's thread
                    receiver.bad += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def run_webhooks_bench(database_url: str | None = None, events: int = DEFAULT_EVENTS) -> dict[str, Any]:
    if database_url is None:
        database_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='lm-bench-webhooks-')) / 'bench.db'}"
        migrate.upgrade(database_url)
    else:
        prepare_database(database_url)
    secret = service.new_secret()
    receiver = _Receiver(secret)
    try:
        with unit_of_work(database_url) as session:
            alliance = Alliance(code="bench-webhooks", name="推送基准联盟")
            session.add(alliance)
            session.flush()
            merchant = Merchant(alliance_id=alliance.id, name="基准商户", industry="dining")
            session.add(merchant)
            session.add(WebhookEndpoint(alliance_id=alliance.id, merchant_id=None, url=receiver.url,
                                        event_types=[EventType.ORDER_RECORDED.value],
                                        secret_enc=crypto.encrypt(secret, service.SECRET_PURPOSE),
                                        created_at=clock.now()))
            session.flush()
            alliance_id, merchant_id = alliance.id, merchant.id
        committed: dict[int, float] = {}
        done = threading.Event()
        runs: list[int] = []

        def worker() -> None:
            while not done.is_set():
                attempts = deliver_due(database_url).attempts
                runs.append(attempts)
                if not attempts:
                    time.sleep(POLL_S)

        started = time.perf_counter()
        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        for n in range(events):
            with unit_of_work(database_url) as session:
                service.emit(session, alliance_id, merchant_id, EventType.ORDER_RECORDED,
                             {"order_id": n + 1, "amount_fen": 1_000 + n}, member_id=None)
            committed[n] = time.time()
        deadline = time.perf_counter() + GIVE_UP_S
        while len(receiver.arrived) < events and time.perf_counter() < deadline:
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        done.set()
        thread.join()
        with unit_of_work(database_url) as session:
            ids = list(session.scalars(select(WebhookEvent.id).where(WebhookEvent.alliance_id == alliance_id)
                                       .order_by(WebhookEvent.id)))
            attempts = [float(ms) for ms in session.scalars(select(WebhookAttempt.latency_ms))]
    finally:
        receiver.close()
    end_to_end = [(receiver.arrived[f"msg_{alliance_id}_{event_id}"] - committed[i]) * 1000
                  for i, event_id in enumerate(ids) if f"msg_{alliance_id}_{event_id}" in receiver.arrived]
    return {
        "database": database_url.split("://")[0], "events": events, "delivered": len(receiver.arrived),
        "bad_signatures": receiver.bad, "attempts": len(attempts), "job_runs": len(runs), "seconds": round(seconds, 3),
        "delivered_per_s": round(len(receiver.arrived) / seconds, 1) if seconds else None,
        "end_to_end_p50_ms": round(statistics.median(end_to_end), 1) if end_to_end else None,
        "end_to_end_p99_ms": round(_percentile(end_to_end, 99), 1) if end_to_end else None,
        "attempt_p50_ms": round(statistics.median(attempts), 1) if attempts else None,
        "attempt_p99_ms": round(_percentile(attempts, 99), 1) if attempts else None,
    }
