from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class PointsRule(Timestamps, Base):
    """A merchant's earning rule (one per merchant; absent = the default 1 point per ¥1)."""

    __tablename__ = "points_rules"
    __table_args__ = (UniqueConstraint("merchant_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    points_per_yuan: Mapped[int] = mapped_column(Integer, default=1)
    min_order_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    max_points_per_order: Mapped[int | None] = mapped_column(BigInteger)
    tier_multipliers_pct: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PointsGrant(Base):
    """A lot of points with one issuer and one expiry. `remaining` only falls by guarded updates."""

    __tablename__ = "points_grants"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_within_points"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    issuer_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PointsDraw(Base):
    """The link from a spend (or a reversal, an expiry) to the grant it drew from: what makes refunds,
    expiry and issuer/redeemer settlement exact. Negative points = restored to the grant."""

    __tablename__ = "points_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    grant_id: Mapped[int] = mapped_column(ForeignKey("points_grants.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    reason: Mapped[str] = mapped_column(String(20))  # spend | restore | clawback | expiry
    points: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
