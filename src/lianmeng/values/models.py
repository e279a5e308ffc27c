from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class MemberValue(Base):
    """A member's current value at one merchant (merchant_id set) or across the alliance (merchant_id NULL), over
    the alliance's window. Rewritten by the value job for members whose orders changed or aged out of the window;
    rows are replaced, never edited by hand. Stars (1–9) are set on the alliance-wide row only."""

    __tablename__ = "member_values"
    __table_args__ = (
        Index("ix_member_values_scope", "alliance_id", "merchant_id", "member_id"),
        Index("ix_member_values_member", "member_id", "merchant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys on the two derived tables (migration 0019a drops them): the refresh writes millions of rows
    # set-based from ids it read from orders, and PostgreSQL's per-row foreign-key triggers cost more than the
    # write itself (docs/value-model.md). Rows are only ever written by `values.repository`.
    alliance_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    merchant_id: Mapped[int | None] = mapped_column(Integer)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recency_days: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer, default=0)
    monetary_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    merchants_visited: Mapped[int] = mapped_column(Integer, default=0)  # alliance-wide row: breadth in the window
    r_score: Mapped[int] = mapped_column(Integer, default=1)
    f_score: Mapped[int] = mapped_column(Integer, default=1)
    m_score: Mapped[int] = mapped_column(Integer, default=1)
    rfm_class: Mapped[str] = mapped_column(String(24), default="")
    stars: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberValueChange(Base):
    """History: one row each time a member's class or stars changed (the member detail shows it)."""

    __tablename__ = "member_value_history"
    __table_args__ = (Index("ix_member_value_history_member", "member_id", "merchant_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign keys: see MemberValue
    member_id: Mapped[int] = mapped_column(Integer)
    merchant_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    rfm_class: Mapped[str] = mapped_column(String(24), default="")
    stars: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer, default=0)
    monetary_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    recency_days: Mapped[int | None] = mapped_column(Integer)


class ValueModelSettings(Base):
    """Per alliance: the window (default 365 days) and where the last run got to (the incremental watermark)."""

    __tablename__ = "value_model_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), unique=True)
    window_days: Mapped[int] = mapped_column(Integer, default=365)
    last_order_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_refund_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_members: Mapped[int] = mapped_column(Integer, default=0)
    run_window_days: Mapped[int | None] = mapped_column(Integer)  # the window the last run used; changed → full
