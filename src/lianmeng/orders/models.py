from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime, same_as_created_at


class Order(Base):
    """A consumption at a store. Never edited after it is recorded, except its refunded running total."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("merchant_id", "external_id", "alliance_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("cash_fen >= 0 AND stored_value_fen >= 0 AND points_used >= 0 AND points_value_fen >= 0",
                        name="parts_nonnegative"),
        CheckConstraint("cash_fen + stored_value_fen + points_value_fen = amount_fen", name="parts_add_up"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refund_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_value_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    points_used: Mapped[int] = mapped_column(BigInteger, default=0)
    points_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    referrer_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    referrer_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # when the sale happened (a till's offline backlog is recorded later): settlement and reports go by it
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, default=same_as_created_at)


class Refund(Base):
    """A full or partial refund; it reverses (never edits) what the order posted, in proportion."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("order_id", "external_id", "alliance_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points_restored: Mapped[int] = mapped_column(BigInteger, default=0)
    points_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TopUp(Base):
    """Stored value (储值) bought at a merchant."""

    __tablename__ = "top_ups"
    __table_args__ = (
        UniqueConstraint("merchant_id", "external_id", "alliance_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
