"""What the audience doors take and return: rules and counts, never a member."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.audiences.domain import AudienceRules


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["高价值会员"])
    rules: AudienceRules = Field(default_factory=AudienceRules)


class AudienceUpdate(BaseModel):
    """A new name, new rules, or both (the members are selected afresh each time anyway)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    rules: AudienceRules | None = None


class AudienceCount(BaseModel):
    """The live count of rules now: the audience and, of it, who consented to what; `refused`: members matching
    the rules who refused personalised offers (left out of `total` when the rules exclude them)."""

    total: int
    marketing: int = Field(description="Of the total: consented to marketing (an offer can reach them)")
    data_sharing: int = Field(description="Of the total: consented to data sharing (a segment report counts them)")
    refused: int
    counted_at: datetime


class AudienceOut(BaseModel):
    id: int
    merchant_id: int
    merchant_name: str
    name: str
    rules: AudienceRules | None = Field(description="The rules (null for the operator: it sees counts only)")
    summary_zh: str | None = Field(description="The rules in words (null for the operator)")
    summary_en: str | None
    last_count: int
    last_counted_at: datetime | None
    archived: bool
    created_at: datetime


class AudienceList(BaseModel):
    items: list[AudienceOut]
    total: int
