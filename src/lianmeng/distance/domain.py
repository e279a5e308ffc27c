"""Pure rules of distance decay (seed 000 §2 standard 5)."""

from __future__ import annotations

import math
from dataclasses import dataclass

# seed 000: a partner 3 km away converted 45%, one 15 km away 12% ("every +5 km halves conversion")
PRIOR_POINTS: tuple[tuple[float, float], ...] = ((3.0, 0.45), (15.0, 0.12))
# 5 km in 15 minutes and 10 km in 30: the seed's pairs imply 20 km/h door to door in a Chinese city
URBAN_SPEED_KMH = 20.0


@dataclass(frozen=True)
class ConversionEstimate:
    """Expected conversion (arrival → first order) at a distance, with a band, and where it came from."""

    km: float
    rate: float
    low: float
    high: float
    source: str  # "prior" (seed 000) | "fitted" (this alliance's referrals)


def travel_minutes(km: float) -> float:
    return km / URBAN_SPEED_KMH * 60


def prior_conversion(km: float) -> ConversionEstimate:
    """The exponential through the seed's two points: rate = a·exp(-b·km)."""
    (d1, p1), (d2, p2) = PRIOR_POINTS
    b = math.log(p1 / p2) / (d2 - d1)
    a = p1 * math.exp(b * d1)
    rate = min(1.0, a * math.exp(-b * km))
    return ConversionEstimate(km=km, rate=rate, low=rate, high=rate, source="prior")
