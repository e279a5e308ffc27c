"""Distances on the map: great-circle (haversine) distances between stores and a visitor, in words."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote

T = TypeVar("T")

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (haversine; within ~0.5% of the ellipsoid)."""
    for lat, lng in ((lat1, lng1), (lat2, lng2)):
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError(f"not a coordinate: {lat}, {lng}")
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = math.radians(lat2 - lat1)
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def format_distance(metres: float, lang: str) -> str:
    """850 → '850 米' / '850 m'; 12_345 → '12.3 公里' / '12.3 km' (tens of metres are noise on a phone)."""
    if metres < 995:  # rounds to under 1000 m
        rounded = int(round(metres / 10) * 10)
        return f"{rounded} m" if lang == "en" else f"{rounded} 米"
    return f"{metres / 1000:.1f} km" if lang == "en" else f"{metres / 1000:.1f} 公里"


def parse_coordinate(text: str, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (limit 180) from a query string; None when it is not one."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def parse_location(lat: str, lng: str) -> tuple[float, float] | None:
    """A (latitude, longitude) from two query-string values; None unless both are coordinates."""
    here = (parse_coordinate(lat, 90), parse_coordinate(lng, 180)) if lat and lng else (None, None)
    return (here[0], here[1]) if here[0] is not None and here[1] is not None else None


def nearest_first(origin: tuple[float, float] | None, places: Iterable[T], where: Callable[[T], tuple[float, float]],
                  tie: Callable[[T], Any]) -> list[tuple[T, float | None]]:
    """Each place with its distance in metres from `origin`, nearest first (equal distances by `tie`); without an
    origin no distance, in `tie` order."""
    measured = [(place, distance_m(origin[0], origin[1], *where(place)) if origin else None) for place in places]
    measured.sort(key=lambda pd: (pd[1] if pd[1] is not None else 0.0, tie(pd[0])))
    return measured


# China's extent as a box (WGS-84): Zengmu Ansha (3.8° N) to the Heilongjiang at Mohe (53.6° N), the Pamirs (73.5° E)
# to the Ussuri confluence (135.1° E). A box, not the border: it keeps out swapped latitude/longitude, a sign lost,
# (0, 0) and other continents, which is what a typed-in coordinate gets wrong.
CHINA_LATITUDE = (3.8, 53.6)
CHINA_LONGITUDE = (73.5, 135.1)


def in_china(lat: float, lng: float) -> bool:
    return (math.isfinite(lat) and math.isfinite(lng) and CHINA_LATITUDE[0] <= lat <= CHINA_LATITUDE[1]
            and CHINA_LONGITUDE[0] <= lng <= CHINA_LONGITUDE[1])


def _coordinate_text(value: float) -> str:
    """A coordinate as a map app reads it: up to 6 decimals (about 0.1 m), no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def map_uri(lat: float, lng: float, label: str) -> str:
    """A `geo:` URI (RFC 5870, with the Android `q=lat,lng(label)` query) that opens the place in the phone's map
    app, pinned and named; no web map, no third-party link."""
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError(f"not a coordinate: {lat}, {lng}")
    where = f"{_coordinate_text(lat)},{_coordinate_text(lng)}"
    name = quote(" ".join(label.split()), safe="")  # parentheses too: the label cannot end the pin early
    return f"geo:{where}?q={where}({name})"
