from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lianmeng.vehicles.domain import normalize_plate, normalize_vin


def check_plate(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    plate = normalize_plate(raw)
    if plate is None:
        raise ValueError("invalid_plate")
    return plate


def _check_vin(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    vin = normalize_vin(raw)
    if vin is None:
        raise ValueError("invalid_vin")
    return vin


class VehicleCreate(BaseModel):
    """A plate, a VIN, or both; normalised (upper case, no spaces or dots) and checked before anything is stored."""

    model_config = ConfigDict(extra="forbid")

    plate: str | None = Field(default=None, max_length=32, examples=["粤B12345"])
    vin: str | None = Field(default=None, max_length=32, examples=["LSVAU218XN2183294"])

    _plate = field_validator("plate")(check_plate)
    _vin = field_validator("vin")(_check_vin)

    @model_validator(mode="after")
    def _one_of_them(self) -> VehicleCreate:
        if self.plate is None and self.vin is None:
            raise ValueError("vehicle_required")
        return self


class VehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    plate_masked: str | None = Field(description="Never the clear plate: 粤B***45")
    vin_masked: str | None = Field(description="Never the clear VIN: LSV***3294")
    merchant_id: int | None = Field(description="The merchant that recorded it; null: the operator")
    created_at: datetime
