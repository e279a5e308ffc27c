from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class FeeSettings(Timestamps, Base):
    """What the operator charges the merchants of one alliance (revenue/domain.py FeeTerms)."""

    __tablename__ = "fee_settings"
    __table_args__ = (
        UniqueConstraint("alliance_id"),
        CheckConstraint("joining_fee_fen >= 0 AND annual_fee_fen >= 0", name="fees_nonnegative"),
        CheckConstraint("commission_bp >= 0 AND commission_bp <= 3000", name="commission_bp_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    joining_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    annual_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    free_months: Mapped[int] = mapped_column(Integer, default=0)
    fees_start_on: Mapped[date] = mapped_column(Date)
    min_merchants: Mapped[int] = mapped_column(Integer, default=0)
    prorate_first_year: Mapped[bool] = mapped_column(default=True)
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    commission_base: Mapped[str] = mapped_column(String(12), default="referred")
    updated_by: Mapped[str] = mapped_column(String(80), default="")


class FeeWaiver(Base):
    """A merchant spared one kind of fee for a span of days (or for good), with the operator's reason."""

    __tablename__ = "fee_waivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeeCharge(Base):
    """One fee of one merchant for one period, charged (with its posting) or waived: written once by the fees job,
    never edited. Its unique key is the job's fence against charging twice."""

    __tablename__ = "fee_charges"
    __table_args__ = (UniqueConstraint("alliance_id", "merchant_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(8))  # 'join', '2027' or '2026-11'
    month: Mapped[str] = mapped_column(String(7), index=True)  # the statement month it was charged in
    due_on: Mapped[date] = mapped_column(Date)
    base_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # commission: the month's net GMV
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    waiver_id: Mapped[int | None] = mapped_column(ForeignKey("fee_waivers.id"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_postings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
