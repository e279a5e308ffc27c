from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Fen, Id
from lianmeng.withdrawals.domain import Decision, PayoutMethod, WithdrawalStatus


class WithdrawalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payee_type: Literal["staff", "merchant"]
    payee_id: Id
    amount_fen: Fen = Field(gt=0, le=10_000_000_000)
    payout_account_id: Id | None = Field(
        default=None, description="The payee's payout account to pay it to; omitted: the payee's newest one. "
                                  "A payee without a payout account cannot withdraw (payout_account_required)")


class PayoutAccountCreate(BaseModel):
    """A payout account of the caller (store staff: their own; a merchant admin: the merchant's)."""

    model_config = ConfigDict(extra="forbid")

    method: PayoutMethod
    account: str = Field(min_length=5, max_length=64, examples=["6222021234567890123", "13812345678"],
                         description="Bank card number; Alipay: mobile or e-mail; WeChat Pay: mobile or WeChat ID. "
                                     "Stored encrypted; only the masked form is ever shown")
    holder_name: str = Field(min_length=1, max_length=60, examples=["王芳"])
    bank_name: str = Field(default="", max_length=60, examples=["招商银行"], description="Bank cards: the bank")


class PayoutAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_type: str
    owner_id: int
    merchant_id: int
    method: PayoutMethod
    holder_name: str
    bank_name: str
    account_masked: str
    created_at: datetime
    removed_at: datetime | None


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
    payout_account_id: int | None
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
