"""What the segment doors take and return: the query, the audit facts and the suppressed report. Never a member,
a name, a phone, a plate, a VIN or an id of a customer."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.audiences.domain import AudienceRules
from lianmeng.kit.types import Id, Whole
from lianmeng.segments.domain import K_DEFAULT, ShareStatus


class ShareIn(BaseModel):
    """Share a report of a saved audience (`audience_id`) or of rules (`rules`) with a partner merchant."""

    model_config = ConfigDict(extra="forbid")

    to_merchant_id: Id
    title: str = Field(min_length=1, max_length=120, examples=["高价值车主画像"])
    audience_id: Id | None = None
    rules: AudienceRules | None = None
    k: Whole = Field(K_DEFAULT, ge=K_DEFAULT, le=1_000,
                     description=f"Cells under k are suppressed; at least the alliance's {K_DEFAULT}")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.audience_id is None) == (self.rules is None):
            raise ValueError("give either audience_id or rules")
        return self


class CellOut(BaseModel):
    code: str
    zh: str
    en: str
    count: int | None = Field(description="Members in the cell; null: suppressed (under k, or complementary)")


class DimensionOut(BaseModel):
    dimension: str
    name_zh: str
    name_en: str
    cells: list[CellOut]


class ResponseOut(BaseModel):
    handed: int | None = Field(description="Members of the segment the sender handed a coupon to (null under k)")
    claimed_bp: int | None = Field(description="Of those, claimed a coupon (basis points; null under k)")
    redeemed_bp: int | None = Field(description="Of those, used a coupon (basis points; null under k)")


class ReportOut(BaseModel):
    k: int
    window_days: int
    too_few: bool = Field(description="Fewer than k consenting members: nothing else is shown")
    total: int | None
    dimensions: list[DimensionOut]
    response: ResponseOut | None


class ShareOut(BaseModel):
    id: int
    from_merchant_id: int
    from_merchant_name: str
    to_merchant_id: int
    to_merchant_name: str
    title: str
    status: ShareStatus
    k: int
    query_zh: str = Field(description="Which query, in words (the audit's 'which query')")
    query_en: str
    audience_name: str | None
    shared_by: str = Field(description="Who shared it (the login's name)")
    shared_at: datetime
    withdrawn_at: datetime | None
    report: ReportOut | None = Field(description="The snapshot taken at share time; null for the operator (an "
                                                 "audit entry) and for the partner once withdrawn")


class ShareList(BaseModel):
    items: list[ShareOut]
    total: int
