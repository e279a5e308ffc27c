from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianmeng.kit import clock
from lianmeng.kit.types import Flag, Id, Whole
from lianmeng.members.domain import Gender, MemberStatus, Tier, normalize_phone, valid_birth_year


def _check_phone(raw: str | None) -> str | None:
    if raw is None:
        return None
    phone = normalize_phone(raw)
    if phone is None:
        raise ValueError("invalid_phone")
    return phone


def _check_birth_year(year: int | None) -> int | None:
    if year is not None and not valid_birth_year(year, clock.today_in_shanghai().year):
        raise ValueError("birth year must be between 1900 and this year")
    return year


class MemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=32, examples=["13812345678"])
    name: str | None = Field(default=None, max_length=60, examples=["李先生"])
    birth_year: Whole | None = None
    gender: Gender = Gender.UNDISCLOSED
    consent_marketing: Flag = False
    consent_data_sharing: Flag = False
    origin_merchant_id: Id | None = Field(default=None, description="Operators only; merchants are the origin.")
    origin_store_id: Id | None = None
    origin_staff_id: Id | None = None
    tier: str = Field(default=Tier.STANDARD.value, min_length=1, max_length=40,
                      description="Tier at the enrolling merchant")
    external_id: str | None = Field(default=None, max_length=64)

    _phone = field_validator("phone")(_check_phone)
    _birth = field_validator("birth_year")(_check_birth_year)


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, max_length=60)
    birth_year: Whole | None = None
    gender: Gender | None = None
    consent_marketing: Flag | None = None
    consent_data_sharing: Flag | None = None
    status: MemberStatus | None = None
    origin_store_id: Id | None = Field(default=None, description="The enrolling store, one of the origin merchant's")

    _phone = field_validator("phone")(_check_phone)
    _birth = field_validator("birth_year")(_check_birth_year)


class SelfUpdate(BaseModel):
    """What members may change themselves."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=60)
    birth_year: Whole | None = None
    gender: Gender | None = None
    consent_marketing: Flag | None = None
    consent_data_sharing: Flag | None = None

    _birth = field_validator("birth_year")(_check_birth_year)


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    card_no: str
    phone_masked: str = Field(description="Never the clear number: 138****5678")
    name: str | None
    birth_year: int | None
    gender: Gender
    status: MemberStatus
    consent_marketing: bool
    consent_marketing_at: datetime | None
    consent_data_sharing: bool
    consent_data_sharing_at: datetime | None
    origin_merchant_id: int | None
    origin_store_id: int | None
    origin_staff_id: int | None
    phone_verified_at: datetime | None = Field(description="When the holder proved the phone with a one-time code; "
                                               "null: never (enrolled by staff without a code)")
    created_at: datetime


class CardOut(BaseModel):
    card_no: str
    card_no_display: str
    qr_payload: str | None = Field(description="Signed; shown only to the card holder and the operator")
    qr_version: int


class CardRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_no: str | None = Field(default=None, min_length=16, max_length=16, pattern=r"^\d{16}$")
    qr_payload: str | None = Field(default=None, min_length=1, max_length=200)


class MembershipCreate(CardRef):
    merchant_id: Id | None = Field(default=None, description="Operators only; merchants enrol at themselves")
    tier: str = Field(default=Tier.STANDARD.value, min_length=1, max_length=40)
    external_id: str | None = Field(default=None, max_length=64)


class MembershipUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: str | None = Field(default=None, min_length=1, max_length=40)
    external_id: str | None = Field(default=None, max_length=64)


class MembershipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    merchant_id: int
    tier: str
    external_id: str | None
    joined_at: datetime


class MemberLookup(BaseModel):
    """Find a member by phone in a request body, so the number never lands in a URL or an access log."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=32, examples=["13812345678"])
