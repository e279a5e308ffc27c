from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.kit.types import Fen, Flag, Id
from lianmeng.merchants.domain import Industry
from lianmeng.recruiting.domain import (
    MAX_BOUNTY_FEN,
    ApplicantKind,
    ApplicationStatus,
    LinkAccepts,
    Occupation,
    RecruiterType,
    ReviewDecision,
)


class JoinLinkCreate(BaseModel):
    """A join link for the caller to share. A merchant admin's or staff member's link invites to its own merchant;
    the operator may name the merchant that hosts the promoters it recruits (none: merchants only)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=120, examples=["加入特斯拉生活联盟"])
    accepts: LinkAccepts = LinkAccepts.ANY
    merchant_id: Id | None = Field(default=None, description="Operator only: the merchant that hosts promoters")


class JoinLinkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: Flag


class JoinLinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    token: str
    merchant_id: int | None
    staff_id: int | None
    accepts: LinkAccepts
    title: str
    active: bool
    created_at: datetime
    join_url: str = ""
    qr_url: str = ""


class JoinPage(BaseModel):
    """What a join link tells the public (no personal data)."""

    alliance_name: str
    inviting_merchant_name: str | None
    title: str
    accepts: LinkAccepts
    active: bool


class JoinCodeIn(BaseModel):
    """Step one of applying: send the phone a one-time code."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=32, examples=["13812345678"])


class ApplicationCreate(BaseModel):
    """Apply through a join link, with the phone and the one-time code sent to it. A merchant names its business
    and industry; a promoter says what it does (and for which brand, if any)."""

    model_config = ConfigDict(extra="forbid")

    kind: ApplicantKind
    phone: str = Field(min_length=1, max_length=32, examples=["13812345678"])
    code: str = Field(min_length=4, max_length=8, pattern=r"^\d+$", description="The one-time code sent to the phone")
    applicant_name: str = Field(min_length=1, max_length=60, examples=["李敏"])
    business_name: str = Field(default="", max_length=120, examples=["悦享瑜伽馆"])
    industry: Industry | None = None
    district: str = Field(default="", max_length=60)
    occupation: Occupation | None = None
    employer: str = Field(default="", max_length=120, description="Promoter: the brand it works for, if any")
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _kind_fields(self) -> Self:
        if self.kind is ApplicantKind.MERCHANT and (not self.business_name.strip() or self.industry is None):
            raise ValueError("a merchant applicant gives business_name and industry")
        if self.kind is ApplicantKind.PROMOTER and self.occupation is None:
            raise ValueError("a promoter applicant gives its occupation")
        return self


class ApplicationReceipt(BaseModel):
    """What the applicant sees: the application is in, and the masked phone it was proved with."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ApplicantKind
    status: ApplicationStatus
    phone_masked: str
    created_at: datetime


class ApplicationOut(BaseModel):
    """An application as reviewers see it. The phone only masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    join_link_id: int
    kind: ApplicantKind
    status: ApplicationStatus
    inviting_merchant_id: int | None
    recruiter_type: RecruiterType
    recruiter_id: int
    applicant_name: str
    phone_masked: str
    business_name: str
    industry: str
    district: str
    occupation: str
    employer: str
    note: str
    candidate_id: int | None
    merchant_id: int | None
    staff_id: int | None
    user_id: int | None
    reason: str
    decided_at: datetime | None
    bounty_fen: int
    created_at: datetime


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: ReviewDecision
    reason: str = Field(default="", max_length=500, description="Required to reject")


class DecisionOut(BaseModel):
    """The decided application; on approval, the login made for the applicant and its one-time set-password link
    (shown once: send it to the applicant)."""

    application: ApplicationOut
    username: str | None = None
    set_password_url: str | None = None


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bounty_fen: Fen = Field(ge=0, le=MAX_BOUNTY_FEN, description="Paid per approved recruit; 0: no bounty")


class SettingsOut(BaseModel):
    alliance_id: int
    bounty_fen: int


class LeaderboardRow(BaseModel):
    rank: int
    type: str
    id: int
    name: str
    applications: int
    approved: int
    bounty_fen: int


class Leaderboard(BaseModel):
    by: str
    items: list[LeaderboardRow]
