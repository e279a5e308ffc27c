"""Request and response bodies of featured placement."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Day, Fen, Flag, Id, Whole
from lianmeng.placements.domain import BookingStatus, PlacementSurface


class SlotCreate(BaseModel):
    """A slot the operator sells: where, the price per day, how many merchants at once, the longest booking."""

    model_config = ConfigDict(extra="forbid")

    surface: PlacementSurface
    title: str = Field(default="", max_length=60, examples=["会员页置顶推广"])
    price_per_day_fen: Fen = Field(examples=[5_000])
    capacity: Whole = Field(examples=[3])
    max_days: Whole = Field(examples=[30])
    active: Flag = True


class SlotUpdate(BaseModel):
    """Change a slot's terms (bookings already made keep the price they paid) or stop offering it."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=60)
    price_per_day_fen: Fen | None = None
    capacity: Whole | None = None
    max_days: Whole | None = None
    active: Flag | None = None


class SlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    surface: PlacementSurface
    title: str
    price_per_day_fen: int
    capacity: int
    max_days: int
    active: bool


class BookingCreate(BaseModel):
    """Book `days` days of a slot from `first_day` (Asia/Shanghai dates). A merchant's admin books for its own
    merchant; the operator names the merchant."""

    model_config = ConfigDict(extra="forbid")

    slot_id: Id
    merchant_id: Id | None = Field(default=None, description="The operator: the merchant booked for")
    first_day: Day = Field(examples=["2026-12-20"])
    days: Whole = Field(examples=[7])


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    slot_id: int
    merchant_id: int
    first_day: date
    last_day: date
    days: int
    price_per_day_fen: int
    amount_fen: int
    status: BookingStatus
    created_at: datetime
    cancelled_at: datetime | None


class CalendarDay(BaseModel):
    day: date
    booked: int = Field(description="Merchants featured that day")
    free: int = Field(description="Seats left")
    mine: bool = Field(description="The caller's merchant is featured that day")


class Calendar(BaseModel):
    """A slot's occupancy day by day: counts only, never whose seats (other merchants' purchases stay theirs)."""

    slot_id: int
    capacity: int
    days: list[CalendarDay]


class RevenueMonth(BaseModel):
    month: str = Field(examples=["2026-12"])
    bookings: int
    amount_fen: int


class Revenue(BaseModel):
    """What the operator has charged for placements, by the month of booking (Asia/Shanghai), cancellations
    excluded (they were reversed)."""

    months: list[RevenueMonth]
    total_fen: int
