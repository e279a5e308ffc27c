from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianmeng.kit.types import Fen, Points, Whole


class PointsRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points_per_yuan: Points = Field(default=1, ge=0, le=1000)
    min_order_fen: Fen = Field(default=0, ge=0, le=10_000_000_000)
    max_points_per_order: Points | None = Field(default=None, ge=0, le=10_000_000_000)
    tier_multipliers_pct: dict[str, Whole] = Field(default_factory=dict, examples=[{"gold": 150, "black": 200}])

    @field_validator("tier_multipliers_pct")
    @classmethod
    def _multipliers(cls, value: dict[str, int]) -> dict[str, int]:
        if len(value) > 20 or any(not 0 <= pct <= 1000 or not 0 < len(tier) <= 40 for tier, pct in value.items()):
            raise ValueError("up to 20 tiers, each 0–1000 %")
        return value


class PointsRuleOut(PointsRuleIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    merchant_id: int


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    issuer_merchant_id: int
    order_id: int | None
    points: int
    remaining: int
    granted_at: datetime
    expires_at: datetime
