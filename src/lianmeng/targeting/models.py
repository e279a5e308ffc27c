from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class TargetedOffer(Timestamps, Base):
    """A merchant sends a partner's coupon template (of an active agreement) to one of its audiences, through its
    own channel, at a scheduled time. A random holdout (holdout_bp of the audience, stratified by RFM class) gets
    nothing; an optional random arm of the same size as the treated group is drawn from the merchant's other
    members. Results are recomputed by a job and kept in `results` (with results_at, their freshness)."""

    __tablename__ = "targeted_offers"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)  # the sender
    partner_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id"))
    name: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="sms")
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    holdout_bp: Mapped[int] = mapped_column(Integer, default=1000)
    random_arm: Mapped[bool] = mapped_column(default=False)
    seed: Mapped[str] = mapped_column(String(32))
    attribution_days: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(12), default="scheduled", index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OfferRecipient(Base):
    """One member of an offer, in one arm: treated (sent), holdout (nothing sent) or random (sent, drawn outside
    the audience). Delivery state and the outcomes within the attribution window live here, so the results are
    sums over one table. `token` opens the member's offer page (/o/{token}); visiting it is "opened"."""

    __tablename__ = "offer_recipients"
    __table_args__ = (
        UniqueConstraint("offer_id", "member_id", "alliance_id"),
        Index("ix_offer_recipients_contact", "alliance_id", "member_id", "sent_at"),
        Index("ix_offer_recipients_due", "offer_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("targeted_offers.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    arm: Mapped[str] = mapped_column(String(10))
    stratum: Mapped[str] = mapped_column(String(24), default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | skipped | failed | held
    skip_reason: Mapped[str | None] = mapped_column(String(24))
    token: Mapped[str | None] = mapped_column(String(40), unique=True)
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupons.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("platform_outbox_messages.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revenue_fen: Mapped[int] = mapped_column(BigInteger, default=0)
