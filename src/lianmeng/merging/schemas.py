from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Id
from lianmeng.merging.domain import MergeEventKind, MergeStatus, PlaceKind


class MemberMergeIn(BaseModel):
    """Merge `absorbed_id` into `survivor_id`: the absorbed member becomes a tombstone whose card serves the
    survivor."""

    model_config = ConfigDict(extra="forbid")

    survivor_id: Id
    absorbed_id: Id
    reason: str = Field(min_length=1, max_length=300, examples=["同一人两次办卡(手机号更换)"])


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300, examples=["误合并:父子两人"])


class MergeEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: MergeEventKind
    actor_label: str
    reason: str
    at: datetime


class MergeOut(BaseModel):
    """What every merge shows, of members or of places: the two parties, who merged them, when and why, what moved,
    its undo, and its history lines."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    survivor_id: int
    absorbed_id: int
    status: MergeStatus
    reason: str
    actor_label: str
    merged_at: datetime
    undone_at: datetime | None
    undo_reason: str | None
    moved: dict[str, Any]
    events: list[MergeEventOut] = []


class MemberMergeOut(MergeOut):
    """A merge and exactly what it moved: ledger balances (kind, scope, amount), points grants, coupons and
    memberships by id, and the origin (归属) when the survivor had none."""


class PlaceMergeIn(BaseModel):
    """Merge `absorbed_id` into `survivor_id` (two stores, two prospects or two merchants): what points at the
    absorbed one moves to the survivor; the absorbed one is closed and points to the survivor."""

    model_config = ConfigDict(extra="forbid")

    survivor_id: Id
    absorbed_id: Id
    reason: str = Field(min_length=1, max_length=300, examples=["同一门店录入两次"])


class PlaceMergeOut(MergeOut):
    """A place merge and exactly what it moved: `moved.rows` (table.column -> row ids), `moved.kept` (rows left on
    the absorbed place because the survivor already had their partner, e.g. a member of both merchants),
    `moved.lists` (coupon templates' accepted lists, before and after), `moved.before` (the absorbed place's
    status)."""

    kind: PlaceKind
