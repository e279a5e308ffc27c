"""Use cases of webhooks, in the caller's unit of work (services never commit):

- `emit` / `emit_many`: the owning services write their events to the outbox in the transaction of the cause;
- endpoints: register, change, disable, rotate the secret (the new one shown once), read the delivery log, replay;
- the delivery job's three steps (delivery.py runs each in its own unit of work, and sends between them):
  `dispatch` (an event becomes one delivery per subscribed endpoint), `claim` (due deliveries, leased),
  `record` (each attempt logged; delivered, scheduled again, or dead-lettered).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.alliances import repository as alliances_repo
from lianmeng.config import get_settings
from lianmeng.kit import clock, crypto
from lianmeng.kit.errors import Conflict, Invalid
from lianmeng.tenancy import Principal, policy
from lianmeng.webhooks import domain, repository
from lianmeng.webhooks.domain import DeliveryState, EventType, NewEvent, Outgoing, Sent
from lianmeng.webhooks.errors import Problem
from lianmeng.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lianmeng.webhooks.schemas import EndpointCreate, EndpointUpdate

SECRET_PURPOSE = "webhook-secret"
MAX_ENDPOINTS = 10  # per merchant (and for the operator of an alliance)


# --- the outbox -------------------------------------------------------------------------------------------------


def emit(session: Session, alliance_id: int, merchant_id: int | None, type: EventType, payload: Mapping[str, Any],
         *, parties: Iterable[int] = (), member_id: int | None = None) -> None:
    """Write one event to the outbox in the caller's transaction: delivered only if the cause commits.
    `merchant_id`: where it happened (None: alliance-level); `parties`: other merchants it concerns."""
    emit_many(session, [NewEvent(alliance_id, merchant_id, type, payload, tuple(parties), member_id)])


def emit_many(session: Session, events: Sequence[NewEvent]) -> None:
    """Several events with one INSERT (the set-based order path records a batch at once)."""
    now = clock.now()
    repository.add_events(session, [{
        "alliance_id": e.alliance_id, "merchant_id": e.merchant_id, "type": e.type.value, "parties": e.party_ids(),
        "member_id": e.member_id, "payload": dict(e.payload), "created_at": now, "dispatched_at": None,
    } for e in events])


# --- endpoints --------------------------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _allow_loopback() -> bool:
    settings = get_settings()
    return settings.is_development or settings.webhooks_allow_loopback


def _check_url(url: str) -> str:
    problem = domain.url_problem(url, _allow_loopback())
    if problem is not None:
        raise Invalid(problem, details={"url": problem.value})
    return url.strip()


def _check_types(types: Sequence[EventType]) -> list[str]:
    if not types:
        raise Invalid(Problem.WEBHOOK_NO_EVENT_TYPES, details={"event_types": Problem.WEBHOOK_NO_EVENT_TYPES.value})
    return sorted({t.value for t in types})


def _owner(session: Session, actor: Principal, requested_alliance: int | None) -> tuple[int, int | None]:
    """(alliance, merchant) an endpoint registered by `actor` belongs to: a merchant's for merchant admins and
    integrations, the operator's (no merchant) for the operator; a platform admin names the alliance."""
    policy.require_webhook_admin(actor)
    if actor.is_merchant_side:
        assert actor.alliance_id is not None
        return actor.alliance_id, actor.merchant_id
    if actor.alliance_id is not None:
        return actor.alliance_id, None
    if requested_alliance is None:
        raise Invalid("validation_error", details={"alliance_id": "required"})
    return alliances_repo.get_alliance(session, actor, requested_alliance).id, None


def create_endpoint(session: Session, actor: Principal, data: EndpointCreate) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret, which is never shown again."""
    alliance_id, merchant_id = _owner(session, actor, data.alliance_id)
    url, types = _check_url(data.url), _check_types(data.event_types)
    if repository.count_endpoints(session, alliance_id, merchant_id) >= MAX_ENDPOINTS:
        raise Conflict(Problem.WEBHOOK_TOO_MANY_ENDPOINTS, limit=MAX_ENDPOINTS)
    secret = new_secret()
    endpoint = WebhookEndpoint(alliance_id=alliance_id, merchant_id=merchant_id, url=url, event_types=types,
                               description=data.description.strip(), secret_enc=crypto.encrypt(secret, SECRET_PURPOSE),
                               enabled=True, created_by=actor.label, created_at=clock.now())
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def list_endpoints(session: Session, actor: Principal) -> list[WebhookEndpoint]:
    policy.require_webhook_admin(actor)
    return repository.list_endpoints(session, actor)


def get_endpoint(session: Session, actor: Principal, endpoint_id: int) -> WebhookEndpoint:
    return repository.get_endpoint(session, actor, endpoint_id)


def update_endpoint(session: Session, actor: Principal, endpoint_id: int, data: EndpointUpdate) -> WebhookEndpoint:
    endpoint = repository.get_endpoint(session, actor, endpoint_id, lock=True)
    policy.require_webhook_admin(actor)
    if data.url is not None:
        endpoint.url = _check_url(data.url)
    if data.event_types is not None:
        endpoint.event_types = _check_types(data.event_types)
    if data.description is not None:
        endpoint.description = data.description.strip()
    if data.enabled is not None and data.enabled != endpoint.enabled:
        endpoint.enabled = data.enabled
        endpoint.disabled_at = None if data.enabled else clock.now()
    session.flush()
    return endpoint


def set_enabled(session: Session, actor: Principal, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Disable (nothing more is sent; pending deliveries wait) or enable again."""
    return update_endpoint(session, actor, endpoint_id, EndpointUpdate(enabled=enabled))


def rotate_secret(session: Session, actor: Principal, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown once. The old one keeps signing beside it for ROTATION_OVERLAP (the spec allows several
    signatures in webhook-signature), so the receiver can switch without losing a message."""
    endpoint = repository.get_endpoint(session, actor, endpoint_id, lock=True)
    policy.require_webhook_admin(actor)
    secret = new_secret()
    endpoint.previous_secret_enc = endpoint.secret_enc
    endpoint.previous_secret_until = clock.now() + domain.ROTATION_OVERLAP
    endpoint.secret_enc = crypto.encrypt(secret, SECRET_PURPOSE)
    session.flush()
    return endpoint, secret


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


def delivery_log(session: Session, actor: Principal, endpoint_id: int, limit: int = 100
                 ) -> tuple[WebhookEndpoint, list[DeliveryView]]:
    """The endpoint's latest deliveries, newest first, each with its attempts."""
    endpoint = repository.get_endpoint(session, actor, endpoint_id)
    deliveries = repository.deliveries_of(session, endpoint, limit)
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    for attempt in repository.attempts_of(session, endpoint.alliance_id, [d.id for d in deliveries]):
        attempts[attempt.delivery_id].append(attempt)
    return endpoint, [DeliveryView(d, attempts[d.id]) for d in deliveries]


def replay(session: Session, actor: Principal, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (delivered, dead or waiting) at the next job run, with the same webhook-id and body
    (receivers deduplicate on the id), on a fresh retry schedule."""
    policy.require_webhook_admin(actor)
    delivery = repository.get_delivery(session, actor, delivery_id, lock=True)
    endpoint = repository.get_endpoint(session, actor, delivery.endpoint_id)
    if not endpoint.enabled:
        raise Conflict(Problem.WEBHOOK_ENDPOINT_DISABLED)
    now = clock.now()
    delivery.state = DeliveryState.PENDING.value
    delivery.attempts = 0
    delivery.first_attempt_at = None
    delivery.next_attempt_at = now
    delivery.replayed_at = now
    session.flush()
    return delivery


# --- the delivery job's steps -----------------------------------------------------------------------------------


def dispatch(session: Session, at: datetime | None = None, limit: int = 1000) -> int:
    """Turn undispatched events into deliveries, one per enabled endpoint that subscribes and may receive it
    (domain.receives; endpoints registered after the event are not sent it). Returns how many events."""
    at = at or clock.now()
    events = repository.undispatched(session, limit)
    if not events:
        return 0
    endpoints = repository.enabled_endpoints(session, [e.alliance_id for e in events])
    rows = []
    for event in events:
        for endpoint in endpoints:
            if endpoint.alliance_id != event.alliance_id or endpoint.created_at > event.created_at or \
                    not domain.receives(endpoint.merchant_id, endpoint.event_types, event.type, event.parties):
                continue
            message_id = f"msg_{event.alliance_id}_{event.id}"
            document = domain.body(message_id, event.type, event.created_at, event.payload, event.member_id,
                                   event.merchant_id, endpoint.merchant_id)
            rows.append({"alliance_id": event.alliance_id, "endpoint_id": endpoint.id, "event_id": event.id,
                         "event_type": event.type, "message_id": message_id,
                         "body": json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                         "state": DeliveryState.PENDING.value, "attempts": 0, "first_attempt_at": None,
                         "next_attempt_at": event.created_at, "last_status": None, "created_at": at,
                         "delivered_at": None, "replayed_at": None})
    repository.add_deliveries(session, rows)
    repository.mark_dispatched(session, [e.id for e in events], at)
    return len(events)


def _secrets(endpoint: WebhookEndpoint, at: datetime) -> tuple[str, ...]:
    current = crypto.decrypt(endpoint.secret_enc, SECRET_PURPOSE)
    if endpoint.previous_secret_enc and endpoint.previous_secret_until and endpoint.previous_secret_until > at:
        return current, crypto.decrypt(endpoint.previous_secret_enc, SECRET_PURPOSE)
    return (current,)


def claim(session: Session, at: datetime | None = None, limit: int = 200) -> list[Outgoing]:
    """Due deliveries, leased to this run for domain.LEASE (a run that dies mid-send leaves them to the next)."""
    at = at or clock.now()
    claimed = []
    for delivery, endpoint in repository.due_deliveries(session, at, limit):
        delivery.next_attempt_at = at + domain.LEASE
        claimed.append(Outgoing(delivery.id, endpoint.url, delivery.message_id, delivery.body, _secrets(endpoint, at)))
    session.flush()
    return claimed


@dataclass
class Tally:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def record(session: Session, results: Sequence[Sent], at: datetime | None = None) -> Tally:
    """Log each attempt and move its delivery on: delivered (2xx), tried again later, or dead-lettered once the
    schedule (domain.next_attempt) gives up."""
    at = at or clock.now()
    by_id = {d.id: d for d in repository.deliveries_by_ids(session, [r.delivery_id for r in results])}
    tally, attempts = Tally(), []
    for sent in results:
        delivery = by_id[sent.delivery_id]
        attempts.append({"alliance_id": delivery.alliance_id, "delivery_id": delivery.id,
                         "endpoint_id": delivery.endpoint_id, "attempted_at": at, "status_code": sent.status_code,
                         "latency_ms": sent.latency_ms, "error": sent.error[:300],
                         "manual": delivery.replayed_at is not None})
        delivery.replayed_at = None
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or at
        delivery.last_status = sent.status_code
        if domain.succeeded(sent.status_code):
            delivery.state, delivery.delivered_at, delivery.next_attempt_at = DeliveryState.DELIVERED.value, at, None
            tally.delivered += 1
            continue
        again = domain.next_attempt(delivery.attempts, delivery.first_attempt_at, at)
        delivery.next_attempt_at = again
        if again is None:
            delivery.state = DeliveryState.DEAD.value
            tally.dead += 1
        else:
            tally.retrying += 1
    repository.add_attempts(session, attempts)
    session.flush()
    return tally
