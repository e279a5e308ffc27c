"""The revenue API's shapes. Bounds are the domain's (revenue/domain.py check_terms): out of them → 422 with the
words of the field that is wrong."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Fen, Id
from lianmeng.revenue.domain import CommissionBase, FeeKind


class FeeSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    joining_fee_fen: Fen = Field(0, description="Charged once when a merchant's fees start (0: none)")
    annual_fee_fen: Fen = Field(0, description="Per calendar year (0: none); the first partial year pro-rated")
    free_months: Fen = Field(0, description="The first N months after a merchant joins are free")
    fees_start_on: date | None = Field(None, description="Nothing falls due before this day (default: today)")
    min_merchants: Fen = Field(0, description="Fees start once the alliance has this many merchants (0: at once)")
    prorate_first_year: bool = True
    commission_bp: Fen = Field(0, description="Platform commission in basis points (0..3000: at most 30%)")
    commission_base: CommissionBase = CommissionBase.REFERRED


class FeeSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    alliance_id: int
    joining_fee_fen: int
    annual_fee_fen: int
    free_months: int
    fees_start_on: date
    min_merchants: int
    prorate_first_year: bool
    commission_bp: int
    commission_base: str
    updated_by: str
    updated_at: datetime


class WaiverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: Id
    kind: FeeKind
    starts_on: date
    ends_on: date | None = Field(None, description="Last day covered; none: for good")
    reason: str = Field(min_length=2, max_length=200)


class WaiverOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    kind: str
    starts_on: date
    ends_on: date | None
    reason: str
    created_by: str
    created_at: datetime


class ChargeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    kind: str
    period: str
    month: str
    due_on: date
    base_fen: int
    rate_bp: int
    amount_fen: int
    status: str
    waiver_id: int | None
    posting_id: int | None
    created_at: datetime


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="A closed month, e.g. 2026-11")


class RunOut(BaseModel):
    month: str
    charged: int
    waived: int
    charged_fen: int


class SourceOut(BaseModel):
    cause: str
    label: str
    amount_fen: int


class MonthOut(BaseModel):
    month: str
    sources: list[SourceOut]
    total_fen: int


class RevenueOut(BaseModel):
    months: list[MonthOut]
    totals: list[SourceOut]
    total_fen: int
