from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.campaigns.domain import CampaignStatus
from lianmeng.kit.types import MAX_FEN, Fen, Id, Moment


class CampaignCreate(BaseModel):
    """A joint campaign. The operator creates it for its alliance; a merchant admin creates it as lead merchant."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["特斯拉车主健康生活节"])
    description: str = Field(default="", max_length=1000)
    starts_at: Moment = Field(description="Window start, with a timezone (e.g. +08:00)")
    ends_at: Moment = Field(description="Window end (excluded), after starts_at")

    @model_validator(mode="after")
    def _window(self) -> CampaignCreate:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("dates need a timezone, e.g. 2024-05-18T00:00:00+08:00")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: CampaignStatus


class ParticipantIn(BaseModel):
    """A participating merchant and its cash contribution (fen, > 0)."""

    model_config = ConfigDict(extra="forbid")

    merchant_id: Id
    contribution_fen: Fen = Field(gt=0, le=MAX_FEN, examples=[1_000_000])


class ParticipantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    merchant_id: int
    contribution_fen: int


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    status: CampaignStatus
    lead_merchant_id: int | None
    created_at: datetime
    merchants: list[ParticipantOut] = Field(default_factory=list)


class CostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: str = Field(min_length=1, max_length=200, examples=["场地布置"])
    amount_fen: Fen = Field(gt=0, le=MAX_FEN)
    paid_by_merchant_id: Id | None = Field(default=None, description="A participating merchant; null: the operator")


class CostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    what: str
    amount_fen: int
    paid_by_merchant_id: int | None
    shared: str
    created_at: datetime


class RegistrationIn(BaseModel):
    """Members register themselves (no member_id); staff and the operator register a member by id."""

    model_config = ConfigDict(extra="forbid")

    member_id: Id | None = None


class RegistrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    member_id: int
    registered_at: datetime
    registered_by_merchant_id: int | None
    checked_in_at: datetime | None
    checked_in_merchant_id: int | None


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["健康生活礼包"])
    template_ids: list[Id] = Field(min_length=1, max_length=20,
                                    description="Coupon templates of participating merchants")


class PackageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    name: str
    template_ids: list[int]
    created_at: datetime


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: Id


class ClaimOut(BaseModel):
    package_id: int
    member_id: int
    coupon_ids: list[int]
    coupon_codes: list[str]


class ReportRow(BaseModel):
    merchant_id: int | None = Field(description="null for the totals row")
    merchant_name: str
    contribution_fen: int = Field(description="投入")
    participants: int = Field(
        description="参与: registered members who checked in here or arrived with a package coupon")
    conversions: int = Field(description="成交: redemptions here with an order, by registered members, in the window")
    revenue_fen: int = Field(description="营业额: those orders' amounts, net of refunds")
    commissions_earned_fen: int = Field(description="佣金收入: rebates paid to it on registered members' orders")
    commissions_owed_fen: int = Field(description="佣金支出: rebates it pays on those orders")
    cost_paid_fen: int = Field(description="垫付费用: campaign costs it paid")
    cost_share_fen: int = Field(description="分摊费用: its share of all costs, by contribution")
    cost_balance_fen: int = Field(description="share − paid: positive = it owes the others")
    gain_fen: int = Field(description="revenue + commissions earned")
    roi: str | None = Field(description="ROI = gain / contribution, one decimal rounded half up, e.g. \"14.4\"")


class ReportOut(BaseModel):
    campaign_id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str = Field(description="Asia/Shanghai")
    ends_at_local: str = Field(description="Asia/Shanghai")
    status: CampaignStatus
    registered: int = Field(description="报名人数")
    checked_in: int = Field(description="签到人数")
    costs_fen: int
    merchants: list[ReportRow]
    totals: ReportRow
