from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime
from lianmeng.verification.models import VerificationFields


class Candidate(VerificationFields, Timestamps, Base):
    """A merchant someone is considering as a partner: one already in the alliance (`merchant_id` set) or a prospect
    outside it. Kept by a merchant admin (`owner_merchant_id`) or by the operator (NULL owner)."""

    __tablename__ = "partner_candidates"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 0 AND rating <= 5)", name="rating_range"),
        CheckConstraint("satisfaction_pct IS NULL OR (satisfaction_pct BETWEEN 0 AND 100)", name="satisfaction_pct"),
        CheckConstraint("complaints IS NULL OR complaints >= 0", name="complaints_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    owner_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    industry: Mapped[str] = mapped_column(String(30), index=True)
    brand_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    years_in_business: Mapped[int | None] = mapped_column(Integer)
    store_count: Mapped[int | None] = mapped_column(Integer)
    store_count_trend: Mapped[str] = mapped_column(String(12), default="unknown")  # growing|stable|shrinking|unknown
    rating: Mapped[float | None] = mapped_column(Float)
    rating_source: Mapped[str] = mapped_column(String(20), default="")  # dianping|meituan|other
    rating_date: Mapped[date | None] = mapped_column(Date)
    satisfaction_pct: Mapped[int | None] = mapped_column(Integer)
    complaints: Mapped[int | None] = mapped_column(Integer)  # public complaints in the last 12 months
    major_negative_news: Mapped[bool] = mapped_column(default=False)
    negative_news_note: Mapped[str] = mapped_column(String(500), default="")
    has_member_system: Mapped[bool | None] = mapped_column()
    shares_deidentified_data: Mapped[bool | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="watching", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("partner_candidates.id"), index=True)  # merging


class CandidateStore(Base):
    __tablename__ = "partner_candidate_stores"
    __table_args__ = (
        CheckConstraint("latitude >= -90 AND latitude <= 90", name="latitude_range"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("partner_candidates.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class MysteryVisit(Base):
    """A mystery-shopper visit (seed 000 D6–D10: visit before you sign): who went, when, what they found."""

    __tablename__ = "partner_mystery_visits"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("partner_candidates.id"), index=True)
    visitor: Mapped[str] = mapped_column(String(60))
    visited_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text, default="")
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SincerityAnswer(Base):
    """The answer to one of the seed's two sincerity tests, as asked by someone on a day. Append-only: the latest
    answer to a question counts."""

    __tablename__ = "partner_sincerity_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("partner_candidates.id"), index=True)
    question: Mapped[str] = mapped_column(String(20))  # joint_fund | referred_service
    answer: Mapped[str] = mapped_column(String(20))  # yes|after_results|no ; vip_or_better|normal
    asked_by: Mapped[str] = mapped_column(String(60))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))


class ScoringWeights(Timestamps, Base):
    """The alliance's weights of the five standards (sum 100). No row: the documented defaults."""

    __tablename__ = "partner_scoring_weights"
    __table_args__ = (
        UniqueConstraint("alliance_id"),
        CheckConstraint("overlap + brand_fit + service + sincerity + distance = 100", name="weights_sum_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    overlap: Mapped[int] = mapped_column(Integer)
    brand_fit: Mapped[int] = mapped_column(Integer)
    service: Mapped[int] = mapped_column(Integer)
    sincerity: Mapped[int] = mapped_column(Integer)
    distance: Mapped[int] = mapped_column(Integer)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
