from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lianmeng.kit.clock import SHANGHAI
from lianmeng.kit.types import MAX_FEN, Fen, Id, Points, Whole


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["小保养"])
    quantity: Whole = Field(default=1, ge=1, le=10_000)
    unit_price_fen: Fen = Field(ge=0, le=MAX_FEN)


class Purchase(BaseModel):
    """What a customer bought and how it is paid: the one shape of an order's money and items, checked here for
    every door that records an order (`POST /orders`, `/orders/batch`, `/redemptions/{id}/order`)."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=64, description="The merchant's own order id (idempotent)")
    amount_fen: Fen = Field(gt=0, le=MAX_FEN, description="What the customer spent, in fen")
    points_used: Points = Field(default=0, ge=0, le=MAX_FEN, description="Alliance points spent on this order")
    stored_value_fen: Fen = Field(default=0, ge=0, le=MAX_FEN)
    items: list[OrderItem] = Field(default_factory=list, max_length=200,
                                   description="When given, quantity × unit_price_fen must add up to amount_fen")

    @model_validator(mode="after")
    def _items_add_up(self) -> Self:
        if self.items and sum(i.quantity * i.unit_price_fen for i in self.items) != self.amount_fen:
            raise ValueError("items must add up to amount_fen")
        return self


class OrderCreate(Purchase):
    member_id: Id
    store_id: Id | None = None
    stored_value_merchant_id: Id | None = Field(
        default=None, description="Whose stored value pays (default: this merchant; a partner's needs a joint-card "
        "agreement)"
    )
    referrer_merchant_id: Id | None = Field(default=None, description="Explicit referrer until referrals exist")
    referrer_staff_id: Id | None = None
    merchant_id: Id | None = Field(default=None, description="Operators only; merchants record their own")
    occurred_at: datetime | None = Field(
        default=None, description="When the sale happened, for a till uploading its offline backlog (ISO 8601; "
        "without an offset: Asia/Shanghai). Default: now. Not in the future, not in an already settled period",
        examples=["2026-12-06T19:30:00+08:00"])

    @field_validator("occurred_at")
    @classmethod
    def _aware_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=SHANGHAI)
        return value.astimezone(UTC)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    merchant_id: int
    store_id: int | None
    member_id: int
    external_id: str
    amount_fen: int
    cash_fen: int
    stored_value_fen: int
    stored_value_merchant_id: int | None
    points_used: int
    points_value_fen: int
    points_earned: int
    items: list[dict[str, Any]]
    referrer_merchant_id: int | None
    referrer_staff_id: int | None
    refunded_fen: int
    created_at: datetime
    occurred_at: datetime


MAX_BATCH = 500


class OrderBatch(BaseModel):
    """Orders a till or POS uploads together: recorded in one transaction (group commit); a refused order does
    not stop the others."""

    model_config = ConfigDict(extra="forbid")

    orders: list[OrderCreate] = Field(min_length=1, max_length=MAX_BATCH)


class BatchError(BaseModel):
    code: str
    message: str
    status: int
    details: Any = None


class BatchResult(BaseModel):
    index: int = Field(description="Position of the order in the request")
    outcome: str = Field(description="created | replayed | refused")
    order: OrderOut | None = None
    error: BatchError | None = None


class BatchOut(BaseModel):
    created: int
    replayed: int
    refused: int
    results: list[BatchResult]


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=64)
    amount_fen: Fen = Field(gt=0, le=MAX_FEN)
    reason: str = Field(default="", max_length=200)


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    external_id: str
    amount_fen: int
    cash_fen: int
    stored_value_fen: int
    points_restored: int
    points_reversed: int
    reason: str
    created_at: datetime


class TopUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=64)
    member_id: Id
    amount_fen: Fen = Field(gt=0, le=MAX_FEN)
    merchant_id: Id | None = Field(default=None, description="Operators only")


class TopUpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    member_id: int
    external_id: str
    amount_fen: int
    created_at: datetime
