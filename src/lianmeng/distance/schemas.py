from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lianmeng.distance.domain import DecayScope, DecaySource


class CurvePoint(BaseModel):
    km: float
    travel_minutes: float = Field(description="km at the documented urban speed (urban_speed_kmh), door to door")
    rate_bp: int = Field(description="Expected conversion (arrival → first order), basis points")
    low_bp: int = Field(description="95% band, lower end (equal to rate_bp for the prior)")
    high_bp: int = Field(description="95% band, upper end (equal to rate_bp for the prior)")


class ObservedBinOut(BaseModel):
    km_from: float = Field(description="Included")
    km_to: float = Field(description="Excluded")
    arrivals: int | None = Field(description="null: fewer than k_min arrivals in all, nothing shown")
    conversions: int | None
    rate_bp: int | None = Field(description="conversions × 10 000 / arrivals, rounded half up")


class DecayOut(BaseModel):
    """Conversion against the distance between the referring and the receiving store (docs/distance-decay.md)."""

    alliance_id: int
    scope: DecayScope = Field(description="alliance: every referral of the alliance; own: those the caller's merchant "
                                     "referred or received")
    source: DecaySource = Field(description="fitted: this data's GLM; prior: the seed's 45% at 3 km, 12% at 15 km, "
                                       "used until there is enough data")
    model: str = Field(description="rate = a·exp(−b·km): binomial GLM, log link, grouped by distance (statsmodels)")
    a: float = Field(description="Conversion at 0 km (fraction)")
    b_per_km: float = Field(description="Decay per km: ln(rate) falls by b for every km")
    halving_km: float | None = Field(description="ln 2 / b: conversion halves every this many km; null: it does "
                                                 "not fall with distance")
    halving_km_low: float | None = Field(description="95% interval of halving_km (fitted only; null: open end)")
    halving_km_high: float | None
    fit_failed: bool = Field(description="Enough data, but the GLM did not converge: the prior is shown")
    enough: bool = Field(description="The data meet the minimum (min_arrivals over min_bands bands)")
    arrivals: int | None = Field(description="Arrivals counted (null below k_min)")
    conversions: int | None
    bands_with_k: int = Field(description="Bands of band_km km holding at least k_min arrivals")
    min_arrivals: int
    min_bands: int
    band_km: float
    k_min: int
    urban_speed_kmh: float
    arrived_before: datetime = Field(description="Arrivals after this are left out: their first order may come")
    bins: list[ObservedBinOut] = Field(description="Observed rates per band, merged until each holds k_min")
    curve: list[CurvePoint] = Field(description="The curve used (fitted or prior) over the grid, with its band")
    prior: list[CurvePoint] = Field(description="The seed's prior over the same grid, for comparison")
