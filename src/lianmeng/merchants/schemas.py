from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianmeng.kit.types import Flag, Id, Number, Whole
from lianmeng.merchants.domain import Industry, MerchantStatus, StaffRole, valid_brand_tags, valid_opening_hours
from lianmeng.verification.domain import VerificationStatus
from lianmeng.verification.schemas import VerificationDetails

Tags = list[str]


def _check_tags(tags: Tags | None) -> Tags | None:
    if tags is None:
        return None
    cleaned = [t.strip() for t in tags]
    if not valid_brand_tags(cleaned):
        raise ValueError("at most 20 tags of 1–30 characters")
    return cleaned


def _check_hours(hours: str | None) -> str | None:
    if hours is not None and not valid_opening_hours(hours):
        raise ValueError("use HH:MM-HH:MM, several ranges separated by commas")
    return hours


class MerchantCreate(VerificationDetails):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["乐刻健身 福田店"])
    industry: Industry
    brand_tags: Tags = Field(default_factory=list, examples=[["高端", "科技", "环保"]])
    rating: Number = Field(default=0, ge=0, le=5, allow_inf_nan=False)
    years_in_business: Whole = Field(default=0, ge=0, le=200)
    status: MerchantStatus = MerchantStatus.ACTIVE
    contact_name: str = Field(default="", max_length=60)
    description: str = Field(default="", max_length=500)
    alliance_id: Id | None = Field(default=None, description="Platform admins only; others use their own.")

    _tags = field_validator("brand_tags")(_check_tags)


class MerchantUpdate(VerificationDetails):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    industry: Industry | None = None
    brand_tags: Tags | None = None
    rating: Number | None = Field(default=None, ge=0, le=5, allow_inf_nan=False)
    years_in_business: Whole | None = Field(default=None, ge=0, le=200)
    status: MerchantStatus | None = None
    contact_name: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=500)

    _tags = field_validator("brand_tags")(_check_tags)


class MerchantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    name: str
    industry: Industry
    brand_tags: Tags
    rating: float
    years_in_business: int
    status: MerchantStatus
    contact_name: str
    description: str
    credit_code: str | None
    verification_status: VerificationStatus = Field(description="Findings and reasons: /api/v1/verification/...")
    created_at: datetime
    updated_at: datetime


class StoreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["深圳福田交付中心"])
    address: str = Field(min_length=1, max_length=300, examples=["深圳市福田区深南大道 6008 号"])
    district: str = Field(default="", max_length=60, examples=["福田区"])
    latitude: Number = Field(ge=-90, le=90, allow_inf_nan=False, examples=[22.5405])
    longitude: Number = Field(ge=-180, le=180, allow_inf_nan=False, examples=[114.0543])
    opening_hours: str = Field(default="09:00-21:00", max_length=100, examples=["10:00-22:00"])
    active: Flag = True

    _hours = field_validator("opening_hours")(_check_hours)


class StoreUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    district: str | None = Field(default=None, max_length=60)
    latitude: Number | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: Number | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    opening_hours: str | None = Field(default=None, max_length=100)
    active: Flag | None = None

    _hours = field_validator("opening_hours")(_check_hours)


class StoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    name: str
    address: str
    district: str
    latitude: float
    longitude: float
    opening_hours: str
    active: bool
    created_at: datetime


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, examples=["王芳"])
    role: StaffRole = StaffRole.SHOPPING_GUIDE
    store_id: Id | None = None
    active: Flag = True


class StaffUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=60)
    role: StaffRole | None = None
    store_id: Id | None = None
    active: Flag | None = None


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    store_id: int | None
    name: str
    role: StaffRole
    active: bool
    created_at: datetime
