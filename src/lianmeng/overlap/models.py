"""Maintained aggregates of customer overlap inside an alliance.

They are derived data, rebuilt wholesale per alliance by `service.refresh_alliance` (one set-based self-join of
memberships): never edited row by row, so they carry no foreign keys to merchants (a million-row rebuild would
pay two key checks per row for nothing; the rows are replaced together with the snapshot that dates them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class PairOverlap(Base):
    """How many members hold a membership at both merchants of a pair, for the pairs that share at least k (a
    pair below k has no row: nothing ever shows its count, so it is not kept — a suppressed cell cannot leak from
    a table that does not hold it). Exact. One row per unordered pair, `merchant_a_id < merchant_b_id`.

    The primary key is (merchant_a_id, shared, merchant_b_id) — unique because (a, b) is — so that a merchant's
    largest overlaps are two short index ranges read from the top: its pairs as a (the primary key) and as b
    (the second index), each in order of `shared`. Two indexes, not three: the rebuild writes every row."""

    __tablename__ = "overlap_pairs"
    __table_args__ = (
        CheckConstraint("merchant_a_id < merchant_b_id", name="ordered"),
        Index("ix_overlap_pairs_merchant_b_id_shared", "merchant_b_id", "shared"),
    )

    merchant_a_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shared: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    merchant_b_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(Integer)


class MerchantBase(Base):
    """A merchant's own customers (members holding a membership there) when the snapshot was computed — the
    denominator of every share it is shown — and its row of the matrix summed over the shown cells only (partners
    sharing at least k, and their shared customers added up), so a page never scans the row to total it."""

    __tablename__ = "overlap_bases"

    alliance_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)
    partners_shown: Mapped[int] = mapped_column(Integer)
    shown_total: Mapped[int] = mapped_column(Integer)


class OverlapSnapshot(Base):
    """When an alliance's aggregates were last rebuilt, and from how many memberships (memberships are never
    deleted, so an unchanged count means nothing changed and the job can skip the rebuild)."""

    __tablename__ = "overlap_snapshots"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    memberships: Mapped[int] = mapped_column(Integer)
    pairs: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
