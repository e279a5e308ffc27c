from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class Rebate(Base):
    """One commission owed to one payee for one order: frozen until `releases_at`, then available.
    Refunds reverse it in proportion (`reversed_fen`); after release they become a clawback."""

    __tablename__ = "rebates"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("reversed_fen >= 0 AND reversed_fen <= amount_fen", name="reversed_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # None: a member's distribution reward (distribution_rewards), paid under an offer's terms, not an agreement
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    payer_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    payee_type: Mapped[str] = mapped_column(String(12))  # merchant | staff | operator | member (a sharer)
    payee_id: Mapped[int] = mapped_column(Integer)  # 0 for the operator
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reversed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), index=True)  # frozen | available
    releases_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
