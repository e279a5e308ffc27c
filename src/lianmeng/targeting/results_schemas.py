"""What the results API answers: per arm the funnel, per comparison the uplift with its intervals and words.
Aggregates only: no member id, phone or name can appear in these models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ArmOut(BaseModel):
    arm: str = Field(description="treated (sent the offer) | holdout (sent nothing) | random (sent, drawn at random)")
    members: int = Field(description="Everyone assigned to the arm (intention to treat), sent or not")
    sent: int
    delivered: int
    opened: int = Field(description="Visited the offer's claim page")
    claimed: int
    arrived: int = Field(description="Redeemed any coupon or ordered at the partner within the window")
    converted: int = Field(description="Ordered at the partner within the window (not fully refunded)")
    revenue_fen: int = Field(description="Net order amount at the partner within the window, refunds subtracted")
    rate: float | None = Field(description="converted ÷ members (0.35 is 35%); null for an empty arm")
    rate_low: float | None = Field(description="Wilson 95% interval of the rate")
    rate_high: float | None


class ComparisonOut(BaseModel):
    baseline: str = Field(description="The arm the treated arm is compared with: holdout or random")
    treated_rate: float | None
    baseline_rate: float | None
    difference: float | None = Field(description="Absolute uplift: treated rate − baseline rate")
    difference_low: float | None = Field(description="Newcomb 95% interval (statsmodels, compare='diff')")
    difference_high: float | None
    ratio: float | None = Field(description="Relative uplift: treated rate ÷ baseline rate (null if infinite)")
    ratio_infinite: bool
    ratio_text: str = Field(description="e.g. \"4.4×\", \"∞\" or \"—\"")
    ratio_low: float | None = Field(description="Log-adjusted 95% interval (statsmodels, compare='ratio')")
    ratio_high: float | None
    incremental_revenue_fen: int | None
    incremental_revenue_low_fen: int | None = Field(description="Seeded percentile bootstrap 95% interval")
    incremental_revenue_high_fen: int | None
    verdict: str = Field(description="uplift_higher | uplift_lower | uplift_unclear | sample_too_small")
    words_zh: str
    words_en: str


class ResultsOut(BaseModel):
    offer_ids: list[int]
    names: list[str]
    view: str = Field(description="sender (the whole funnel) or partner (aggregates of arms ≥ 10 members)")
    computed_at: datetime | None = Field(description="When the outcomes were last refreshed; null: not yet")
    window_start: datetime | None = Field(description="The first send (or the schedule): the holdout's start")
    window_end: datetime | None = Field(description="The last send + attribution days")
    attribution_days: list[int]
    arms: list[ArmOut]
    comparisons: list[ComparisonOut]
    hidden_arms: int = Field(0, description="Partner view: arms left out because they have < 10 members")
