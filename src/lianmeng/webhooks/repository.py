"""Every query of the webhooks capability. Endpoints and their delivery logs are read in the caller's scope
(tenancy.policy.webhook_endpoints); the delivery job reads across alliances, as the system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from lianmeng.db import insert_many
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped
from lianmeng.webhooks.domain import DeliveryState
from lianmeng.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent


def _skip_locked(session: Session, stmt: Select[Any]) -> Select[Any]:
    """PostgreSQL: rows another worker holds are skipped, so concurrent runs share the work. SQLite: one writer."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


# --- endpoints (scoped) -----------------------------------------------------------------------------------------


def list_endpoints(session: Session, actor: Principal) -> list[WebhookEndpoint]:
    stmt = select(WebhookEndpoint).where(policy.webhook_endpoints(actor)).order_by(WebhookEndpoint.id)
    return list(session.scalars(stmt))


def get_endpoint(session: Session, actor: Principal, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint:
    return get_scoped(session, WebhookEndpoint, endpoint_id, policy.webhook_endpoints(actor), "webhook_endpoint",
                      lock=lock)


def count_endpoints(session: Session, alliance_id: int, merchant_id: int | None) -> int:
    owner = WebhookEndpoint.merchant_id.is_(None) if merchant_id is None else WebhookEndpoint.merchant_id == merchant_id
    stmt = select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.alliance_id == alliance_id, owner)
    return int(session.scalar(stmt) or 0)


def deliveries_of(session: Session, endpoint: WebhookEndpoint, limit: int) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries (the endpoint was read in the caller's scope)."""
    stmt = (select(WebhookDelivery).where(WebhookDelivery.alliance_id == endpoint.alliance_id,
                                          WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def attempts_of(session: Session, alliance_id: int, delivery_ids: Sequence[int]) -> list[WebhookAttempt]:
    if not delivery_ids:
        return []
    stmt = (select(WebhookAttempt).where(WebhookAttempt.alliance_id == alliance_id,
                                         WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id))
    return list(session.scalars(stmt))


def get_delivery(session: Session, actor: Principal, delivery_id: int, *, lock: bool = False) -> WebhookDelivery:
    """A delivery of an endpoint the caller may see; 404 otherwise."""
    visible = WebhookDelivery.endpoint_id.in_(select(WebhookEndpoint.id).where(policy.webhook_endpoints(actor)))
    return get_scoped(session, WebhookDelivery, delivery_id, visible, "webhook_delivery", lock=lock)


# --- the outbox and the delivery job (system) -------------------------------------------------------------------


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, WebhookEvent, rows)


def undispatched(session: Session, limit: int) -> list[WebhookEvent]:
    stmt = select(WebhookEvent).where(WebhookEvent.dispatched_at.is_(None)).order_by(WebhookEvent.id).limit(limit)
    return list(session.scalars(_skip_locked(session, stmt)))


def mark_dispatched(session: Session, event_ids: Sequence[int], at: datetime) -> None:
    if event_ids:
        session.execute(update(WebhookEvent).where(WebhookEvent.id.in_(event_ids)).values(dispatched_at=at))


def enabled_endpoints(session: Session, alliance_ids: Sequence[int]) -> list[WebhookEndpoint]:
    stmt = (select(WebhookEndpoint).where(WebhookEndpoint.alliance_id.in_(sorted(set(alliance_ids))),
                                          WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id))
    return list(session.scalars(stmt))


def add_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, WebhookDelivery, rows, skip_conflicts_on=("endpoint_id", "event_id", "alliance_id"))


def due_deliveries(session: Session, at: datetime, limit: int) -> list[tuple[WebhookDelivery, WebhookEndpoint]]:
    """Pending deliveries due by `at` of enabled endpoints, locked (PostgreSQL: skipping those another worker
    holds), oldest first."""
    stmt = (select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.state == DeliveryState.PENDING.value, WebhookDelivery.next_attempt_at <= at,
                   WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=WebhookDelivery, skip_locked=True)
    return [(d, e) for d, e in session.execute(stmt)]


def deliveries_by_ids(session: Session, ids: Sequence[int]) -> list[WebhookDelivery]:
    if not ids:
        return []
    stmt = select(WebhookDelivery).where(WebhookDelivery.id.in_(sorted(ids))).order_by(WebhookDelivery.id)
    return list(session.scalars(stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt))


def add_attempts(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, WebhookAttempt, rows)


def events_since(session: Session, alliance_id: int, after_id: int = 0) -> list[WebhookEvent]:
    """The alliance's events after an id (tests and the bench read the outbox through this)."""
    stmt = (select(WebhookEvent).where(WebhookEvent.alliance_id == alliance_id, WebhookEvent.id > after_id)
            .order_by(WebhookEvent.id))
    return list(session.scalars(stmt))


def pending_count(session: Session) -> int:
    stmt = select(func.count()).select_from(WebhookDelivery).where(or_(
        WebhookDelivery.state == DeliveryState.PENDING.value))
    return int(session.scalar(stmt) or 0)
