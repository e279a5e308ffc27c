from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class DistributionTerms(Timestamps, Base):
    """What sharing one offer (a coupon template) earns its sharers, paid by the offer's owner merchant."""

    __tablename__ = "distribution_terms"
    __table_args__ = (UniqueConstraint("template_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)  # the offer's owner: the payer
    enabled: Mapped[bool] = mapped_column(default=True)
    reward_kind: Mapped[str] = mapped_column(String(10))  # points | rebate
    amount: Mapped[int | None] = mapped_column(BigInteger)  # points, or fen for a fixed rebate
    rate_bp: Mapped[int | None] = mapped_column(Integer)  # rebate: basis points of the first order
    min_order_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    window_days: Mapped[int] = mapped_column(Integer, default=30)
    cap_per_month: Mapped[int | None] = mapped_column(BigInteger)  # per sharer and calendar month, reward units
    return_window_days: Mapped[int] = mapped_column(Integer, default=7)


class DistributionReward(Base):
    """What one friend's first qualifying order earned their sharer under one offer's terms. A rebate's money lives
    in its `rebates` row (frozen → released by the rebate job, reversed on refund); points are credited when the
    return window has passed (`status` frozen → available, or reversed when refunds took it all)."""

    __tablename__ = "distribution_rewards"
    __table_args__ = (
        UniqueConstraint("friend_member_id", "template_id", "alliance_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("reversed >= 0 AND reversed <= amount", name="reversed_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    terms_id: Mapped[int] = mapped_column(ForeignKey("distribution_terms.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("coupon_claim_links.id"))
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"))
    sharer_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    friend_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payer_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    reward_kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)
    reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    rebate_id: Mapped[int | None] = mapped_column(ForeignKey("rebates.id"))
    status: Mapped[str] = mapped_column(String(12), index=True)  # frozen | available | reversed
    releases_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
