from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.coupons.domain import AttributionRule
from lianmeng.kit.types import Fen, Points, Whole


class AllianceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["tesla-life-sz"])
    name: str = Field(min_length=1, max_length=120, examples=["特斯拉生活联盟 Tesla Life"])
    city: str = Field(default="", max_length=60, examples=["深圳"])
    description: str = Field(default="", max_length=2000)


class AllianceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points_per_yuan_value: Points | None = Field(default=None, ge=1, le=100_000, description="points worth ¥1")
    points_expiry_months: Whole | None = Field(default=None, ge=1, le=120)
    withdrawal_min_fen: Fen | None = Field(default=None, ge=0, le=100_000_000)
    withdrawal_fee_fen: Fen | None = Field(default=None, ge=0, le=100_000_000)
    attribution_rule: AttributionRule | None = Field(
        default=None, description="Who is credited with a referral: first_touch, last_touch or registration")
    attribution_window_days: Whole | None = Field(default=None, ge=1, le=365)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    city: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=2000)


class AllianceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    city: str
    description: str
    points_per_yuan_value: int
    points_expiry_months: int
    withdrawal_min_fen: int
    withdrawal_fee_fen: int
    attribution_rule: AttributionRule
    attribution_window_days: int
    created_at: datetime
    updated_at: datetime
