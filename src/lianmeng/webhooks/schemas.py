"""What the webhooks API takes and answers. A secret appears only in the answer that made it (create, rotate)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.webhooks.domain import DeliveryState, EventType


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500, examples=["https://crm.example.com/lianmeng/webhooks"])
    event_types: list[EventType] = Field(examples=[["order.recorded", "coupon.redeemed"]])
    description: str = Field(default="", max_length=200)
    alliance_id: int | None = Field(default=None, description="Platform admins only: the alliance it serves.")


class EndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=500)
    event_types: list[EventType] | None = None
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: int
    alliance_id: int
    merchant_id: int | None
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None
    previous_secret_until: datetime | None = Field(
        description="After a rotation: until then the old secret signs too (a second v1 signature).")


class EndpointWithSecret(EndpointOut):
    secret: str | None = Field(description="whsec_…: shown this once; verify signatures with it (Standard "
                               "Webhooks). null when an Idempotency-Key replays the answer: it is never stored.")


class EndpointList(BaseModel):
    items: list[EndpointOut]
    total: int


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str
    manual: bool


class DeliveryOut(BaseModel):
    id: int
    event_id: int
    event_type: str
    message_id: str
    state: DeliveryState
    state_label: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    delivered_at: datetime | None
    created_at: datetime
    log: list[AttemptOut]


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    total: int
