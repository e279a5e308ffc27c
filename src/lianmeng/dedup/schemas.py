"""Requests and answers of duplicate candidates."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.dedup.domain import CandidateState, DedupKind
from lianmeng.kit.types import Flag, Id, Number
from lianmeng.kit.vocab import LabelledEnum, pairs


class DedupVerdict(LabelledEnum):
    """A reviewer's decision on a candidate."""

    NOT_DUPLICATE = "not_duplicate", "不是重复", "Not a duplicate"
    MERGE = "merge", "合并", "Merge"


VERDICT_LABELS: dict[DedupVerdict, tuple[str, str]] = pairs(DedupVerdict)


class RecordOut(BaseModel):
    """One side of a pair. Members: the masked phone only; places: name, address, credit code, coordinates."""

    id: int
    name: str | None = None
    card_no: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    origin_store_id: int | None = None
    phone_masked: str | None = None
    plates: list[str] = Field(default_factory=list, description="Members: the plates recorded, masked (粤B***45)")
    status: str | None = None
    address: str | None = None
    credit_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class CandidateOut(BaseModel):
    id: int
    alliance_id: int
    kind: DedupKind
    left_id: int
    right_id: int
    score: float = Field(description="Match probability 0–1 (members: splink; places: share of agreeing weight)")
    agree: list[str]
    disagree: list[str]
    status: CandidateState
    decided_at: datetime | None
    survivor_id: int | None
    reason: str


class CandidateDetail(CandidateOut):
    records: list[RecordOut]


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    total: int


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: DedupVerdict
    survivor_id: Id | None = Field(default=None, description="merge: the member kept (one of the pair)")
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _survivor_for_merge(self) -> Self:
        if self.verdict is DedupVerdict.MERGE and self.survivor_id is None:
            raise ValueError("survivor_id is required to merge")
        return self


class ThresholdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    review: Number = Field(gt=0, le=1)
    auto: Number = Field(gt=0, le=1)
    auto_merge: Flag = False


class ThresholdsOut(BaseModel):
    alliance_id: int
    review: float
    auto: float
    auto_merge: bool


class RunOut(BaseModel):
    alliance_id: int
    members: int
    member_pairs: int
    place_pairs: int
    auto_merged: int
    seconds: float
