from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Fen, Id
from lianmeng.withdrawals.domain import Decision, WithdrawalStatus


class WithdrawalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payee_type: Literal["staff", "merchant"]
    payee_id: Id
    amount_fen: Fen = Field(gt=0, le=10_000_000_000)


class WithdrawalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str = Field(default="", max_length=200)
    payout_reference: str = Field(default="", max_length=100, description="Bank or wallet transfer id (pay)")


class WithdrawalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    payee_type: str
    payee_id: int
    merchant_id: int
    amount_fen: int
    fee_fen: int
    status: WithdrawalStatus
    reason: str
    payout_reference: str
    requested_by: str
    decided_by: str
    created_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None
