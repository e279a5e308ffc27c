from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianmeng.kit import clock
from lianmeng.kit.types import Flag, Id, Whole
from lianmeng.members.domain import Gender, valid_birth_year
from lianmeng.profiles.domain import ProfileField
from lianmeng.tags.domain import CODE_PATTERN
from lianmeng.vehicles.schemas import check_plate


class ProfileUpdate(BaseModel):
    """What a staff member fills in on a member's profile; absent fields stay as they are. Answering both consent
    questions (true or false) records that they were asked."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=60, examples=["李娜"])
    gender: Gender | None = None
    birth_year: Whole | None = Field(default=None, examples=[1988])
    consent_marketing: Flag | None = None
    consent_data_sharing: Flag | None = None
    origin_store_id: Id | None = Field(default=None, description="One of the origin merchant's stores")
    tag: str | None = Field(default=None, pattern=CODE_PATTERN, description="Add this tag (staff tag)",
                            examples=["child_seat"])
    plate: str | None = Field(default=None, max_length=32, examples=["粤B12345"],
                              description="Record this plate as the member's vehicle (vehicles); already there: kept")

    _plate = field_validator("plate")(check_plate)

    @field_validator("birth_year")
    @classmethod
    def _birth(cls, year: int | None) -> int | None:
        if year is not None and not valid_birth_year(year, clock.today_in_shanghai().year):
            raise ValueError("birth year must be between 1900 and this year")
        return year


class MemberCompleteness(BaseModel):
    member_id: int
    card_no: str
    phone_masked: str = Field(description="Never the clear number: 138****5678")
    name: str | None
    score: int = Field(ge=0, le=100)
    missing: list[ProfileField] = Field(description="Fields still to fill in, heaviest first")
    origin_store_id: int | None
    responsible_staff_id: int | None


class ProfileSaved(BaseModel):
    member_id: int
    score_before: int
    score: int
    changed: list[ProfileField] = Field(description="Empty when the save changed nothing (nothing is recorded)")
    missing: list[ProfileField]


class StaffRow(BaseModel):
    staff_id: int
    name: str
    members: int
    average: int = Field(description="Average completeness (0–100) of the members the staff member is responsible for")
    improved_this_week: int = Field(description="Distinct members whose profile it changed since Monday 00:00")
    best_half_hour: int = Field(description="Most records it saved within any 30 minutes this week")


class MerchantRow(BaseModel):
    merchant_id: int
    name: str
    members: int
    average: int
    improved_this_week: int


class LeaderboardOut(BaseModel):
    week_start: datetime
    average: int = Field(description="The caller's merchant's average (or the alliance's, for the operator)")
    members: int
    unassigned_members: int = Field(description="Members no staff member is responsible for (merchant view)")
    staff: list[StaffRow] = Field(description="Merchant view only; empty for the operator")
    merchants: list[MerchantRow] = Field(description="Operator view only: per-merchant averages, no member")
