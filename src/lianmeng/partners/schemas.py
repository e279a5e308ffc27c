"""Request and response bodies of partner discovery. Requests are strict JSON (`lianmeng.kit.types`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lianmeng.kit.geo import CHINA_LATITUDE, CHINA_LONGITUDE, in_china
from lianmeng.kit.types import Day, Flag, Id, Number, Whole
from lianmeng.merchants.domain import Industry, valid_brand_tags
from lianmeng.partners.domain import (
    MANUAL_STATUSES,
    REPLIES,
    Basis,
    CandidateStatus,
    Gate,
    RatingSource,
    SincerityQuestion,
    SincerityReply,
    Standard,
    TrendKind,
    Verdict,
)
from lianmeng.verification.domain import VerificationStatus
from lianmeng.verification.schemas import VerificationDetails

MAX_STORES = 50


class CandidateStoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["威尔仕健身 车公庙店"])
    address: str = Field(default="", max_length=300)
    latitude: Number = Field(ge=-90, le=90, examples=[22.5372])
    longitude: Number = Field(ge=-180, le=180, examples=[114.0242])

    @model_validator(mode="after")
    def _in_china(self) -> CandidateStoreIn:
        if not in_china(self.latitude, self.longitude):
            raise ValueError(f"coordinates outside China (latitude {CHINA_LATITUDE[0]}–{CHINA_LATITUDE[1]}, "
                             f"longitude {CHINA_LONGITUDE[0]}–{CHINA_LONGITUDE[1]}); latitude first")
        return self


def _check_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    cleaned = [t.strip() for t in tags]
    if not valid_brand_tags(cleaned):
        raise ValueError("at most 20 tags of 1–30 characters")
    return cleaned


def _check_status(status: CandidateStatus | None) -> CandidateStatus | None:
    if status is not None and status not in MANUAL_STATUSES:
        raise ValueError("proposed and partner follow the agreements; set watching, contacted or dropped")
    return status


class CandidateFields(VerificationDetails):
    """What a user types in about a candidate (seed 000 §2, D6–D10). All optional but the name and industry."""

    model_config = ConfigDict(extra="forbid")

    brand_tags: list[str] | None = Field(default=None, examples=[["高端", "科技"]])
    stores: list[CandidateStoreIn] | None = Field(default=None, max_length=MAX_STORES,
                                                  description="Replaces the candidate's store list when given")
    years_in_business: Whole | None = Field(default=None, ge=0, le=200)
    store_count: Whole | None = Field(default=None, ge=0, le=100_000)
    store_count_trend: TrendKind | None = None
    rating: Number | None = Field(default=None, ge=0, le=5, description="Public rating, typed in (0–5)")
    rating_source: RatingSource | None = None
    rating_date: Day | None = None
    satisfaction_pct: Whole | None = Field(default=None, ge=0, le=100)
    complaints: Whole | None = Field(default=None, ge=0, le=1_000_000, description="Public complaints, 12 months")
    major_negative_news: Flag | None = None
    negative_news_note: str | None = Field(default=None, max_length=500)
    has_member_system: Flag | None = None
    shares_deidentified_data: Flag | None = None
    status: CandidateStatus | None = Field(default=None, description="watching, contacted or dropped")
    notes: str | None = Field(default=None, max_length=5000)

    _tags = field_validator("brand_tags")(_check_tags)
    _status = field_validator("status")(_check_status)


class CandidateCreate(CandidateFields):
    name: str = Field(min_length=1, max_length=120, examples=["威尔仕健身 Will's"])
    industry: Industry
    merchant_id: Id | None = Field(default=None, description="An alliance merchant; empty for a prospect")


class CandidateUpdate(CandidateFields):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    industry: Industry | None = None
    merchant_id: Id | None = None


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visitor: str = Field(min_length=1, max_length=60, examples=["张店长"])
    visited_on: Day
    score: Whole = Field(ge=1, le=5)
    findings: str = Field(default="", max_length=5000, examples=["前台热情,器械干净,等候 5 分钟"])


class SincerityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: SincerityQuestion
    answer: SincerityReply
    asked_by: str = Field(min_length=1, max_length=60)
    asked_on: Day | None = Field(default=None, description="Default: today (Asia/Shanghai)")

    @model_validator(mode="after")
    def _answers_the_question(self) -> SincerityIn:
        if self.answer not in REPLIES[self.question]:
            allowed = ", ".join(r.value for r in REPLIES[self.question])
            raise ValueError(f"{self.question.value} is answered with one of: {allowed}")
        return self


class WeightsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap: Whole = Field(ge=0, le=100)
    brand_fit: Whole = Field(ge=0, le=100)
    service: Whole = Field(ge=0, le=100)
    sincerity: Whole = Field(ge=0, le=100)
    distance: Whole = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _sum_100(self) -> WeightsIn:
        total = self.overlap + self.brand_fit + self.service + self.sincerity + self.distance
        if total != 100:
            raise ValueError(f"weights must sum to 100, not {total}")
        return self


class WeightsOut(WeightsIn):
    model_config = ConfigDict(extra="ignore")

    default: bool = Field(description="True while the alliance uses the documented defaults")


class CandidateStoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    address: str
    latitude: float
    longitude: float


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    visitor: str
    visited_on: date
    score: int
    findings: str
    recorded_at: datetime


class SincerityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    question: SincerityQuestion
    answer: SincerityReply
    asked_by: str
    asked_at: datetime


class CandidateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    owner_merchant_id: int | None
    merchant_id: int | None
    kind: str = Field(description="merchant (in the alliance) or prospect")
    name: str
    industry: Industry
    brand_tags: list[str]
    stores: list[CandidateStoreOut]
    years_in_business: int | None
    store_count: int | None
    store_count_trend: TrendKind
    rating: float | None
    rating_source: str
    rating_date: date | None
    satisfaction_pct: int | None
    complaints: int | None
    major_negative_news: bool
    negative_news_note: str
    has_member_system: bool | None
    shares_deidentified_data: bool | None
    status: CandidateStatus = Field(description="proposed / partner follow the agreements with its merchant")
    notes: str
    credit_code: str | None
    legal_person: str | None
    registered_address: str | None
    licence_ref: str | None
    verification_status: VerificationStatus
    visits: list[VisitOut]
    sincerity: list[SincerityOut]
    created_at: datetime
    updated_at: datetime


class ComponentOut(BaseModel):
    key: str
    score: int
    basis: Basis
    weight: int
    zh: str
    en: str


class StandardOut(BaseModel):
    standard: Standard
    score: int = Field(ge=0, le=100)
    weight: int
    basis: Basis = Field(description="prior (先验) until measured figures replace it")
    passed: bool
    threshold_zh: str
    threshold_en: str
    figures: list[ComponentOut]
    zh: str
    en: str


class ScorecardOut(BaseModel):
    candidate_id: int
    standards: list[StandardOut]
    total_score: int = Field(description="The weighted total of the five scores (weights sum to 100)")
    gates: list[Gate]
    verdict: Verdict
    zh: str
    en: str


class RankedCandidate(BaseModel):
    candidate_id: int
    name: str
    industry: Industry
    total_score: int
    verdict: Verdict
    reasons_zh: list[str]
    reasons_en: list[str]


class MissingLink(BaseModel):
    industry: Industry
    yearly_spend_fen: int = Field(description="What a member's household spends there a year (seed 000 §1.2)")
    candidates: int = Field(description="Candidates of that industry on the caller's list")
    zh: str
    en: str


class ServiceWarning(BaseModel):
    merchant_id: int
    name: str
    before: int = Field(description="Observed service score, the 90 days before")
    recent: int = Field(description="Observed service score, the last 90 days")
    zh: str
    en: str


class RecommendationsOut(BaseModel):
    candidates: list[RankedCandidate]
    missing_links: list[MissingLink]
    warnings: list[ServiceWarning]
