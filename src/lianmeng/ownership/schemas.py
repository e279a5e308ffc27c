from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Flag, Id, Whole
from lianmeng.ownership.domain import AssignBasis, OwnershipChange
from lianmeng.values.domain import RfmClass


class AssignIn(BaseModel):
    """A bulk assignment: the members the basis selects go round-robin to the chosen staff."""

    model_config = ConfigDict(extra="forbid")

    basis: AssignBasis
    staff_ids: list[Id] = Field(min_length=1, max_length=200)
    store_id: Id | None = Field(default=None, description="origin_store / store_orders: the store")
    rfm_classes: list[RfmClass] = Field(default_factory=list, max_length=8,
                                        description="value_class: the classes at the merchant (values/)")
    only_unowned: Flag = Field(default=True, description="Leave members who have an owner already alone")
    rest_to_pool: Flag = Field(default=False, description="The merchant's other owned members go back to the pool")


class AssignOut(BaseModel):
    assigned: int
    unchanged: int
    to_pool: int
    per_staff: dict[int, int]


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: Id


class HandOverIn(BaseModel):
    """A staff member's members to a successor (or the pool: no successor); `deactivate` when it leaves."""

    model_config = ConfigDict(extra="forbid")

    staff_id: Id
    successor_staff_id: Id | None = None
    deactivate: Flag = False


class HandOverOut(BaseModel):
    staff_id: int
    successor_staff_id: int | None
    moved: int
    deactivated: bool


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    daily_claim_limit: Whole = Field(default=20, description="Claims per staff member per day (Asia/Shanghai)")
    idle_days: Whole = Field(default=90, description="Not served this many days: back to the pool")


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    merchant_id: int
    daily_claim_limit: int
    idle_days: int


class OwnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    member_id: int
    staff_id: int
    since: datetime
    change: OwnershipChange


class PeriodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    member_id: int
    staff_id: int
    started_at: datetime
    start_change: OwnershipChange
    ended_at: datetime | None
    end_change: OwnershipChange | None


class PoolMember(BaseModel):
    """A member in the merchant's pool, as its own staff see it (masked phone only)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    card_no: str
    name: str | None
    phone_masked: str
    origin_store_id: int | None


class ClaimStateOut(BaseModel):
    limit: int
    claimed_today: int
    remaining: int


class StaffLoadOut(BaseModel):
    staff_id: int
    name: str
    active: bool
    owned: int


class OverviewOut(BaseModel):
    merchant_id: int
    pool: int
    daily_claim_limit: int
    idle_days: int
    items: list[StaffLoadOut]
