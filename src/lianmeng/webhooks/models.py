"""Webhook endpoints, the outbox of events, deliveries (one per event and endpoint) and their attempts. Every
table carries `alliance_id` (NOT NULL): the alliance is the distribution column (issue 17, shard rule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class WebhookEndpoint(Base):
    """An HTTPS address a merchant admin (or the operator: `merchant_id` None) registered for some event types.
    The signing secret is stored encrypted and shown once; after a rotation the previous one signs too until
    `previous_secret_until`."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True, nullable=False)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_enc: Mapped[str] = mapped_column(String(300))
    previous_secret_enc: Mapped[str | None] = mapped_column(String(300))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookEvent(Base):
    """The outbox: one row per event, written in the transaction of its cause (a rolled-back cause leaves none).
    `parties`: the merchants it concerns; `dispatched_at`: when deliveries were made for the endpoints then
    subscribed (None: not yet)."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_undispatched", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True, nullable=False)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    type: Mapped[str] = mapped_column(String(40))
    parties: Mapped[list[int]] = mapped_column(JSON, default=list)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event to one endpoint: its body frozen at dispatch (a replay sends the same bytes under the same
    webhook-id), its state and when it is next due."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id", "alliance_id"),
                      Index("ix_webhook_deliveries_due", "state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True, nullable=False)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(String)
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # in the current schedule (a replay starts a new one)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a manual replay waits to be sent


class WebhookAttempt(Base):
    """One try of one delivery: the delivery log an endpoint's owner reads. `error`: a timeout, a refused
    connection, or the first bytes of a non-2xx answer's text."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True, nullable=False)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(300), default="")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
