from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime, same_as_created_at


class Account(Base):
    """One balance. Kept balances change only inside a posting, by a guarded UPDATE; derived ones are summed."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("alliance_id", "owner_type", "owner_id", "kind", "scope_id"),
        CheckConstraint("may_go_negative OR balance >= 0", name="balance_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    owner_type: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    scope_id: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(8))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    may_go_negative: Mapped[bool] = mapped_column(default=False)
    derived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Posting(Base):
    """A journal entry: why money or points moved, once per idempotency key, never edited."""

    __tablename__ = "ledger_postings"
    __table_args__ = (UniqueConstraint("alliance_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    cause: Mapped[str] = mapped_column(String(30), index=True)
    cause_id: Mapped[int | None] = mapped_column(Integer, index=True)
    memo: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # when what it records happened (an order's sale time; refunds and the rest: when written): the period it
    # settles in
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, default=same_as_created_at)


class Entry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("ledger_postings.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    unit: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    party_type: Mapped[str | None] = mapped_column(String(12))  # counterparty (ledger.domain.counterparty)
    party_id: Mapped[int | None] = mapped_column(Integer)
    # copies of the posting's cause and occurred_at (postings are never edited): settlement aggregates the entries
    # of a period without joining the postings
    cause: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
