from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class _MergeRecord:
    """What every merge records beside its survivor and absorbed ids: who did it, when, what moved, and its undo."""

    actor_kind: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undo_reason: Mapped[str | None] = mapped_column(String(300))


class _MergeEventRecord:
    """An append-only line of a merge's history: a merge or its undo, with the actor and the reason as given."""

    kind: Mapped[str] = mapped_column(String(12))
    actor_kind: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberMerge(_MergeRecord, Base):
    """One merge of a duplicate member into a survivor: who, when, why and exactly what moved (`moved`), so that
    undo can reverse it item by item. Changes only by undo (status, undone_*); its history is in MergeEvent."""

    __tablename__ = "member_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_force")
    reason: Mapped[str] = mapped_column(String(300))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)  # a merchant admin's


class MergeEvent(_MergeEventRecord, Base):
    """Append-only: a merge or its undo, with the actor and the reason as given."""

    __tablename__ = "member_merge_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merge_id: Mapped[int] = mapped_column(ForeignKey("member_merges.id"), index=True)


class PlaceMerge(_MergeRecord, Base):
    """One merge of a duplicate place (a store, a prospect or a merchant) into a survivor: who, when, why, and every
    reassignment it made (`moved`: row ids per table and column, list edits with their before and after), so that
    undo restores exactly those. `merchant_id`: the merchant a merchant admin merged for (its stores, the prospects
    it keeps); None for the operator's."""

    __tablename__ = "place_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)  # PlaceKind
    survivor_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: the table depends on the kind
    absorbed_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_force")
    reason: Mapped[str] = mapped_column(String(300))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)


class PlaceMergeEvent(_MergeEventRecord, Base):
    """Append-only: a place merge or its undo, with the actor and the reason as given."""

    __tablename__ = "place_merge_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merge_id: Mapped[int] = mapped_column(ForeignKey("place_merges.id"), index=True)
