from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class SettlementRun(Base):
    """One settlement of one period in one alliance. It covers the postings with ids in (after, through] dated in
    the period, plus late ones (dated earlier, id above the previous run's `through`)."""

    __tablename__ = "settlement_runs"
    __table_args__ = (UniqueConstraint("alliance_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    cycle: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    after_posting_id: Mapped[int] = mapped_column(BigInteger, default=0)
    through_posting_id: Mapped[int] = mapped_column(BigInteger, default=0)
    statements: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Statement(Base):
    """A merchant's statement (对账单) for a period: its lines are append-only; the status moves by events."""

    __tablename__ = "settlement_statements"
    __table_args__ = (UniqueConstraint("run_id", "merchant_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_runs.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    net_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    merchant_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    operator_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payout_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatementLine(Base):
    """What the merchant owes (negative) or is owed (positive) on one account, with one counterparty, for one cause.
    Late lines carry postings dated in an earlier period; adjustment lines the correcting posting and the line they
    correct."""

    __tablename__ = "settlement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statements.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    kind: Mapped[str] = mapped_column(String(30))
    cause: Mapped[str] = mapped_column(String(30))
    party_type: Mapped[str] = mapped_column(String(12))
    party_id: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_of_run_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the run of the period it is dated in
    earliest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrects_statement_id: Mapped[int | None] = mapped_column(Integer)
    adjusts_line_id: Mapped[int | None] = mapped_column(Integer)
    posting_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    note: Mapped[str] = mapped_column(String(300), default="")


class StatementEvent(Base):
    """Append-only history of a statement: who issued, confirmed, disputed (why, which lines), adjusted, paid."""

    __tablename__ = "settlement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statements.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    side: Mapped[str] = mapped_column(String(10))
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(500), default="")
    line_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
