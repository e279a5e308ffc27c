from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.coupons.models import Coupon
from lianmeng.db import Base, UTCDateTime
from lianmeng.orders.models import Refund


class Feedback(Base):
    """A member's rating of the partner experience after an arrival (seed 000 pitfall 2: don't send customers away
    and forget them). Visible to the receiving and the referring merchant."""

    __tablename__ = "referral_feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
                      UniqueConstraint("redemption_id", "alliance_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("coupon_redemptions.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)  # the merchant rated
    referrer_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    is_complaint: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ReferralDaily(Base):
    """The funnel's raw figures (repository.PairFigures) per alliance, Shanghai day and referrer → receiver pair:
    the rollup the dashboard reads (referrals.rollup). Cohort figures sit on the day the coupon was handed out,
    revenue on the day of the order, exactly as the base queries date them. 0 stands for "none" in the pair (the
    operator as referrer, an unused alliance-wide voucher as receiver), so the key can be the primary key.

    `sealed_issued` / `sealed_claimed`: of `issued` / `claimed`, the unused coupons of a targeted offer, which the
    receiving (target) merchant may not see (tenancy.policy.coupons). Rewritten by the refresh job, never by hand."""

    __tablename__ = "referral_daily"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    referrer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receiver_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    sealed_issued: Mapped[int] = mapped_column(Integer, default=0)
    sealed_claimed: Mapped[int] = mapped_column(Integer, default=0)
    arrived: Mapped[int] = mapped_column(Integer, default=0)
    converted: Mapped[int] = mapped_column(Integer, default=0)
    first_order_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    benefit_cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    costed_at_value: Mapped[int] = mapped_column(Integer, default=0)
    commission_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    staff_incentive_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    revenue_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_orders: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_referral_daily_referrer", ReferralDaily.alliance_id, ReferralDaily.referrer_id, ReferralDaily.day)
Index("ix_referral_daily_receiver", ReferralDaily.alliance_id, ReferralDaily.receiver_id, ReferralDaily.day)


class ReferralRollupState(Base):
    """One alliance's rollup: built (a row exists) and exact as of `as_of`, the start of its last refresh. The next
    refresh recomputes the days touched by events since `as_of` − rollup.LAG."""

    __tablename__ = "referral_rollup_state"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the last full build
    days_refreshed: Mapped[int] = mapped_column(Integer, default=0)  # by the last refresh
    seconds: Mapped[float] = mapped_column(Float, default=0.0)  # the last refresh took


# what the refresh job looks up since its last run (referrals.rollup.touched_days): claims and refunds by time
Index("ix_coupons_claimed_at", Coupon.claimed_at)
Index("ix_refunds_created_at", Refund.created_at)
