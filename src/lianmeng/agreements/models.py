from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class Agreement(Timestamps, Base):
    """Terms between a proposing merchant and a counterparty merchant; counterparty NULL = alliance-wide."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("return_window_days >= 0 AND return_window_days <= 365", name="return_window_range"),
        CheckConstraint("merchant_b_id IS NULL OR merchant_a_id IS NULL OR merchant_a_id <> merchant_b_id",
                        name="distinct_parties"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    merchant_a_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    merchant_b_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    commission_terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    benefits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    return_window_days: Mapped[int] = mapped_column(Integer, default=7)
    settlement_cycle: Mapped[str] = mapped_column(String(20), default="monthly")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # whose offer is on the table: "proposer" (merchant A) until merchant B counters, then the counter-offerer's
    offered_by: Mapped[str] = mapped_column(String(20), default="proposer", server_default="proposer")
    notes: Mapped[str] = mapped_column(Text, default="")


class AgreementEvent(Base):
    """Append-only history: every status change and every edit, with who and when."""

    __tablename__ = "agreement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    actor_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
