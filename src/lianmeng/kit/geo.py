"""Distances on the map: great-circle (haversine) distances between stores and a visitor, in words."""

from __future__ import annotations

import math
from urllib.parse import quote

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
