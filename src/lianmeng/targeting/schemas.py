from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianmeng.kit.types import Flag, Id, Moment, Whole
from lianmeng.targeting.domain import (
    DEFAULT_ATTRIBUTION_DAYS,
    DEFAULT_HOLDOUT_BP,
    MAX_ATTRIBUTION_DAYS,
    MAX_HOLDOUT_BP,
    MAX_MESSAGE_CHARS,
    MIN_ATTRIBUTION_DAYS,
    Arm,
    Channel,
    OfferStatus,
    RecipientStatus,
    SkipReason,
)


class OfferCreate(BaseModel):
    """A targeted offer: the caller's own audience, a partner's coupon template of an active agreement, the words
    its members receive, when, and how large a holdout measures the uplift."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["健身房体验课 · 高价值会员"])
    audience_id: Id
    template_id: Id = Field(description="A partner's coupon template of an active agreement with the sender")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS,
                         examples=["尊敬的会员:合作伙伴健身房送您一次免费体验课,点击领取"])
    channel: Channel = Channel.SMS
    scheduled_at: Moment | None = Field(default=None, description="When to send (default: now); quiet hours "
                                                                  "21:00–09:00 Asia/Shanghai are waited out")
    holdout_bp: Whole = Field(default=DEFAULT_HOLDOUT_BP, ge=0, le=MAX_HOLDOUT_BP,
                              description="Share of the audience held out, in basis points (1000 = 10%)")
    random_arm: Flag = Field(default=False, description="Also send to as many random other own members")
    attribution_days: Whole = Field(default=DEFAULT_ATTRIBUTION_DAYS, ge=MIN_ATTRIBUTION_DAYS,
                                    le=MAX_ATTRIBUTION_DAYS)

    @field_validator("scheduled_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("a time needs a timezone, e.g. 2026-12-07T10:00:00+08:00")
        return value


class DeliveryCountOut(BaseModel):
    arm: Arm
    status: RecipientStatus
    skip_reason: SkipReason | None
    count: int


class OfferOut(BaseModel):
    """An offer and how its delivery stands: counts per arm and status, never who received it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    merchant_id: int
    partner_merchant_id: int
    partner_name: str = ""
    template_id: int
    agreement_id: int | None
    audience_id: int
    name: str
    message: str
    channel: Channel
    scheduled_at: datetime
    holdout_bp: int
    random_arm: bool
    attribution_days: int
    status: OfferStatus
    created_at: datetime
    assigned_at: datetime | None
    finished_at: datetime | None
    delivery: list[DeliveryCountOut] = []


class PartnerOfferOut(BaseModel):
    template_id: int
    template_name: str
    partner_merchant_id: int
    partner_name: str
    agreement_id: int
    agreement_title: str
