from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Whole
from lianmeng.referrals.domain import Grouping, LeaderboardBy, LeaderboardPeriod, Metric

# --- funnel ---------------------------------------------------------------------------------------------------


class FunnelRow(BaseModel):
    """One referral pair (referrer merchant → receiving merchant) in one week, or over the whole period."""

    week: str | None = Field(description="ISO week of the Shanghai date, e.g. 2026-W45 (group=week only)")
    week_start: date | None = Field(description="Monday of that week (group=week only)")
    referrer_merchant_id: int | None = Field(description="推荐商户; null: the operator or no referrer")
    referrer_merchant_name: str | None
    receiving_merchant_id: int | None = Field(description="接待商户; null: operator-wide vouchers not yet used")
    receiving_merchant_name: str | None
    issued: int = Field(description="发券: coupons issued in the period")
    claimed: int = Field(description="领取: of those, claimed by the member")
    arrived: int = Field(description="到店: redemptions in the period")
    converted: int = Field(description="成交: of those arrivals, with an order attached")
    conversion_rate_bp: int | None = Field(description="converted × 10 000 / arrived (basis points)")
    revenue_fen: int = Field(description="营业额: the attached orders' amounts")
    avg_first_order_fen: int | None = Field(description="首单均价: revenue / converted, rounded half up")
    discount_fen: int = Field(description="券面成本: discounts of the arrivals")
    commission_fen: int = Field(description="佣金: net commissions to merchants on the attached orders")
    staff_incentive_fen: int = Field(description="员工激励: net staff incentives on the attached orders")
    acquisition_cost_fen: int = Field(description="获客成本 = discount + commission + staff incentive")
    acquisition_cost_per_conversion_fen: int | None
    avg_rating: str | None = Field(description="平均评分 of the arrivals, one decimal, e.g. \"4.5\"")
    ratings: int = Field(description="number of ratings")
    complaints: int = Field(description="投诉: ratings of 1 or 2")


class FunnelOut(BaseModel):
    date_from: date
    date_to: date
    group: Grouping
    items: list[FunnelRow]


# --- flows ----------------------------------------------------------------------------------------------------


class FlowCell(BaseModel):
    """Arrivals the referrer sent to the receiver in the period (only non-empty cells are listed)."""

    referrer_merchant_id: int
    receiving_merchant_id: int
    arrived: int
    converted: int
    revenue_fen: int


class MerchantBalance(BaseModel):
    merchant_id: int
    name: str
    sent: int = Field(description="送客: arrivals at partners this merchant referred")
    received: int = Field(description="接客: arrivals here referred by partners")
    balance: int = Field(description="received − sent: positive = takes more than it gives")
    revenue_in_fen: int = Field(description="revenue of the converted arrivals received")


class FlowsOut(BaseModel):
    date_from: date
    date_to: date
    merchants: list[MerchantBalance]
    items: list[FlowCell]


# --- leaderboard ----------------------------------------------------------------------------------------------


class LeaderboardRow(BaseModel):
    rank: int
    id: int
    name: str
    merchant_id: int | None = Field(default=None, description="the staff member's merchant (by=staff)")
    referrals: int = Field(description="推荐: coupons issued by them in the period")
    arrivals: int = Field(description="到店: redemptions of their referrals in the period")
    conversions: int = Field(description="成交: of those, with an order attached")
    earnings_fen: int = Field(description="收益: net rebates credited to them in the period")


class LeaderboardOut(BaseModel):
    by: LeaderboardBy
    period: LeaderboardPeriod
    metric: Metric
    period_start: date
    period_end: date
    items: list[LeaderboardRow]


# --- feedback -------------------------------------------------------------------------------------------------


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Whole = Field(ge=1, le=5, description="1–5 stars; 1 or 2 counts as a complaint")
    comment: str = Field(default="", max_length=500)


class FeedbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    redemption_id: int
    member_id: int
    merchant_id: int
    referrer_merchant_id: int | None
    rating: int
    comment: str
    is_complaint: bool
    at: datetime
