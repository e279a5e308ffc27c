from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class JoinLink(Base):
    """A join link / QR someone shares to recruit (招募链接). It remembers the recruiter: who made it (user), for which
    merchant (the inviting merchant, the host of promoters; NULL for an operator's link without a host) and which
    staff member (NULL when an admin or the operator shares it)."""

    __tablename__ = "recruit_join_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    accepts: Mapped[str] = mapped_column(String(12), default="any")
    title: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Application(Base):
    """Someone applying through a join link, phone proved by a one-time code. The phone is kept as members' phones
    are: encrypted, a keyed hash (the alliance's member lookup hash, so the promoter's own card is recognised) and a
    masked copy; never in clear. The recruiter is copied from the link so the leaderboard needs no join."""

    __tablename__ = "recruit_applications"
    __table_args__ = (CheckConstraint("bounty_fen >= 0", name="bounty_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    join_link_id: Mapped[int] = mapped_column(ForeignKey("recruit_join_links.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    inviting_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    recruiter_type: Mapped[str] = mapped_column(String(12))
    recruiter_id: Mapped[int] = mapped_column(Integer)  # staff or merchant id; 0 for the operator
    recruited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    applicant_name: Mapped[str] = mapped_column(String(60))
    phone_enc: Mapped[str] = mapped_column(String(200))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(String(16))
    business_name: Mapped[str] = mapped_column(String(120), default="")
    industry: Mapped[str] = mapped_column(String(30), default="")
    district: Mapped[str] = mapped_column(String(60), default="")
    occupation: Mapped[str] = mapped_column(String(20), default="")
    employer: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("partner_candidates.id"))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))  # the merchant an approval made
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # the promoter an approval made
    user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))  # the login an approval made
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bounty_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RecruitingSettings(Timestamps, Base):
    """The alliance's recruiting terms. No row: no bounty."""

    __tablename__ = "recruit_settings"
    __table_args__ = (UniqueConstraint("alliance_id"), CheckConstraint("bounty_fen >= 0", name="bounty_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    bounty_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
