from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Whole
from lianmeng.referrals.domain import FIGURES, Grouping, LeaderboardBy, LeaderboardPeriod, Metric

# --- funnel ---------------------------------------------------------------------------------------------------


def _about(key: str) -> str:
    return FIGURES[key].description


class FunnelRow(BaseModel):
    """One referral pair (referrer merchant → receiving merchant) in one week, or over the whole period. The funnel
    figures follow the coupons handed out in the period; revenue follows the orders placed in it (referrals.domain)."""

    week: str | None = Field(description="ISO week of the Shanghai date, e.g. 2026-W45 (group=week only)")
    week_start: date | None = Field(description="Monday of that week (group=week only)")
    referrer_merchant_id: int | None = Field(description="推荐商户; null: the operator or no referrer")
    referrer_merchant_name: str | None
    receiving_merchant_id: int | None = Field(
        description="接待商户: where the coupon was first used, or whose coupon it is; null: an alliance-wide "
                    "voucher nobody used yet")
    receiving_merchant_name: str | None
    issued: int = Field(description=_about("issued"))
    claimed: int = Field(description=_about("claimed"))
    arrived: int = Field(description=_about("arrived"))
    converted: int = Field(description=_about("converted"))
    conversion_rate_bp: int | None = Field(description="converted × 10 000 / arrived (basis points)")
    revenue_fen: int = Field(description=_about("revenue_fen"))
    first_order_fen: int = Field(description=_about("first_order_fen"))
    avg_first_order_fen: int | None = Field(description="首单均价: first_order_fen / converted, rounded half up")
    discount_fen: int = Field(description=_about("discount_fen"))
    benefit_cost_fen: int = Field(description=_about("benefit_cost_fen"))
    costed_at_value: int = Field(description=_about("costed_at_value"))
    commission_fen: int = Field(description=_about("commission_fen"))
    staff_incentive_fen: int = Field(description=_about("staff_incentive_fen"))
    acquisition_cost_fen: int = Field(description=_about("acquisition_cost_fen"))
    acquisition_cost_per_conversion_fen: int | None = Field(description="acquisition_cost_fen / converted")
    avg_rating: str | None = Field(description="平均评分 of the arrivals, one decimal, e.g. \"4.5\"")
    ratings: int = Field(description=_about("ratings"))
    complaints: int = Field(description=_about("complaints"))


class FunnelOut(BaseModel):
    date_from: date
    date_to: date
    group: Grouping
    as_of: datetime = Field(description="The figures are exact as of this moment (UTC): the last refresh of the "
                            "referral rollup that served them (a job, every few minutes), or the request's own time "
                            "when they were read from the base tables.")
    items: list[FunnelRow]


# --- flows ----------------------------------------------------------------------------------------------------


class FlowCell(BaseModel):
    """The funnel's arrivals, conversions and revenue for one pair of different merchants (non-empty cells only)."""

    referrer_merchant_id: int
    receiving_merchant_id: int
    arrived: int
    converted: int
    revenue_fen: int


class MerchantBalance(BaseModel):
    merchant_id: int
    name: str
    sent: int = Field(description="送客: arrivals at partners of the coupons this merchant handed out in the period")
    received: int = Field(description="接客: arrivals here of the coupons partners handed out in the period")
    balance: int = Field(description="received − sent: positive = takes more than it gives")
    revenue_in_fen: int = Field(description="联盟带来的营业额 here: " + FIGURES["revenue_fen"].counts)


class FlowsOut(BaseModel):
    date_from: date
    date_to: date
    as_of: datetime = Field(description="The figures are exact as of this moment (UTC): the last refresh of the "
                            "referral rollup that served them (a job, every few minutes), or the request's own time "
                            "when they were read from the base tables.")
    merchants: list[MerchantBalance]
    items: list[FlowCell]


# --- leaderboard ----------------------------------------------------------------------------------------------


class LeaderboardRow(BaseModel):
    rank: int
    id: int
    name: str
    merchant_id: int | None = Field(default=None, description="the staff member's merchant (by=staff)")
    referrals: int = Field(description="推荐: coupons handed out by them in the period")
    arrivals: int = Field(description="到店: of those coupons, used at their receiving merchant by now")
    conversions: int = Field(description="成交: of those arrivals, with an order attached")
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
