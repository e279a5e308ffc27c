"""The delivery job: `deliver_due(database_url)` dispatches the outbox, then sends what is due, signed per the
Standard Webhooks specification with the `standardwebhooks` library, and records every attempt.

Each step runs in a unit of work of its own and no transaction is open while a request is on the wire: claim
(deliveries leased for domain.LEASE) → send (in parallel threads, a short timeout) → record. A worker that dies
between claim and record leaves its deliveries to be claimed again when the lease ends: delivery is at least once,
and receivers deduplicate on webhook-id (the same for every attempt and replay of a message).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from lianmeng.db import unit_of_work
from lianmeng.kit import clock
from lianmeng.webhooks import service
from lianmeng.webhooks.domain import Outgoing, Sent

TIMEOUT = httpx.Timeout(5.0, connect=3.0)  # a receiver slower than this is retried later
USER_AGENT = "Lianmeng-Webhooks/1"
CONCURRENCY = 16


@dataclass(frozen=True)
class DeliveryReport:
    events_dispatched: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def attempts(self) -> int:
        return self.delivered + self.retrying + self.dead


def signed_headers(outgoing: Outgoing, sent_at: datetime) -> dict[str, str]:
    """webhook-id / webhook-timestamp / webhook-signature; one `v1,…` signature per secret, space-separated."""
    signatures = " ".join(Webhook(secret).sign(outgoing.message_id, sent_at, outgoing.body)
                          for secret in outgoing.secrets)
    return {"webhook-id": outgoing.message_id, "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signatures, "content-type": "application/json", "user-agent": USER_AGENT}


def send(client: httpx.Client, outgoing: Outgoing) -> Sent:
    """One attempt. The timestamp is the real time of sending (receivers refuse one more than 5 minutes off),
    whatever moment the job runs `at`."""
    started = time.perf_counter()
    try:
        response = client.post(outgoing.url, content=outgoing.body.encode(),
                               headers=signed_headers(outgoing, datetime.now(UTC)))
    except httpx.TimeoutException:
        return Sent(outgoing.delivery_id, None, _ms(started), "timeout")
    except httpx.HTTPError as failed:
        return Sent(outgoing.delivery_id, None, _ms(started), f"{type(failed).__name__}: {failed}"[:300])
    error = "" if 200 <= response.status_code < 300 else response.text[:200]
    return Sent(outgoing.delivery_id, response.status_code, _ms(started), error)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def send_all(client: httpx.Client, batch: Sequence[Outgoing], concurrency: int = CONCURRENCY) -> list[Sent]:
    if len(batch) <= 1:
        return [send(client, o) for o in batch]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(batch))) as pool:
        return list(pool.map(lambda o: send(client, o), batch))


def deliver_due(database_url: str | None = None, at: datetime | None = None, *, batch: int = 200,
                max_rounds: int = 50, client: httpx.Client | None = None) -> DeliveryReport:
    """Rounds of: dispatch a batch of the outbox, claim what is due by `at` (default now), send, record, until a
    round finds nothing (or after `max_rounds`, so a run under a steady stream of events ends and the next run
    goes on). For the jobs (jobs.service.run_all); tests pass `at` to move the retry schedule on."""
    dispatched = delivered = retrying = dead = 0
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        for _ in range(max_rounds):
            now = at or clock.now()
            with unit_of_work(database_url) as session:
                step = service.dispatch(session, now, limit=batch)
            with unit_of_work(database_url) as session:
                claimed = service.claim(session, now, batch)
            dispatched += step
            if not claimed:
                if step:
                    continue
                break
            results = send_all(http, claimed)
            with unit_of_work(database_url) as session:
                tally = service.record(session, results, now)
            delivered, retrying, dead = delivered + tally.delivered, retrying + tally.retrying, dead + tally.dead
    finally:
        if own:
            http.close()
    return DeliveryReport(dispatched, delivered, retrying, dead)
