"""What the value model's API returns. A merchant reads its own rows in full and only the stars of the
alliance-wide row; the alliance-wide money, frequency, breadth and recency are the operator's alone."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lianmeng.kit.types import Whole
from lianmeng.values.domain import MAX_WINDOW_DAYS, MIN_WINDOW_DAYS, RfmClass


class ValueRowOut(BaseModel):
    """A member's figures and scores in one scope (a merchant, or the alliance when merchant_id is null)."""

    merchant_id: int | None
    merchant_name: str = ""
    last_order_at: datetime | None = Field(description="Last order ever in this scope (UTC)")
    recency_days: int | None = Field(description="Whole days from the last order to the last refresh")
    frequency: int = Field(description="Orders in the window")
    monetary_fen: int = Field(description="Orders minus refunds in the window, fen")
    monetary_text: str
    r_score: int
    f_score: int
    m_score: int
    rfm_class: RfmClass | None = Field(description="null until the first refresh has scored the row")
    merchants_visited: int | None = Field(None, description="Alliance-wide row: merchants ordered at in the window")
    stars: int | None = None
    computed_at: datetime


class StarsOut(BaseModel):
    """The alliance-wide level: everyone who can see the member sees the stars."""

    stars: int | None
    stars_text: str


class HistoryOut(BaseModel):
    at: datetime
    merchant_id: int | None = Field(description="null: the alliance-wide level")
    rfm_class: RfmClass | None
    stars: int | None
    frequency: int | None = Field(description="null where the caller may not see the figure")
    monetary_fen: int | None
    recency_days: int | None


class MemberValueOut(BaseModel):
    member_id: int
    window_days: int
    refreshed_at: datetime | None = Field(description="The alliance's last refresh (UTC); null: never")
    level: StarsOut
    merchant: ValueRowOut | None = Field(description="The calling merchant's row (null: no order there)")
    alliance: ValueRowOut | None = Field(description="Alliance-wide figures: the operator only")
    merchants: list[ValueRowOut] = Field(description="Every merchant's row: the operator only")
    history: list[HistoryOut] = Field(description="Changes of class or stars, newest first")


class SettingsOut(BaseModel):
    alliance_id: int
    window_days: int
    last_run_at: datetime | None
    last_run_members: int = Field(description="Members recomputed by the last refresh")


class SettingsIn(BaseModel):
    window_days: Whole = Field(ge=MIN_WINDOW_DAYS, le=MAX_WINDOW_DAYS, description="The window, 30–730 days")


class ClassCount(BaseModel):
    rfm_class: RfmClass
    members: int


class StarCount(BaseModel):
    stars: int
    members: int


class SummaryOut(BaseModel):
    alliance_id: int
    merchant_id: int | None = Field(description="null: alliance-wide (the operator)")
    refreshed_at: datetime | None
    window_days: int
    classes: list[ClassCount] = Field(description="All eight classes, in the usual order, zeros included")
    stars: list[StarCount] = Field(description="Stars 1–9, zeros included")
    unscored: int = Field(description="Rows not scored yet (the refresh is under way or never ran)")
