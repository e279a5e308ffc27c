"""The link that opens a store in the phone's map app."""

from __future__ import annotations

import math

import pytest

from lianmeng.kit.geo import map_uri


def test_a_geo_uri_pins_the_place_and_names_it() -> None:
    assert map_uri(22.54, 114.05, "福田店") == "geo:22.54,114.05?q=22.54,114.05(%E7%A6%8F%E7%94%B0%E5%BA%97)"
    assert map_uri(-33.8688197, 151.2092944, "Opera") == "geo:-33.86882,151.209294?q=-33.86882,151.209294(Opera)"
    assert map_uri(0.0, 0.0, "x") == "geo:0,0?q=0,0(x)"


def test_the_label_cannot_break_the_uri() -> None:
    uri = map_uri(22.5, 114.0, "A (B) & C\n?#")
    assert uri == "geo:22.5,114?q=22.5,114(A%20%28B%29%20%26%20C%20%3F%23)"
    assert uri.count("(") == 1 and uri.count(")") == 1


@pytest.mark.parametrize("lat,lng", [(91, 0), (0, 181), (math.nan, 0), (0, math.inf)])
def test_not_a_coordinate(lat: float, lng: float) -> None:
    with pytest.raises(ValueError):
        map_uri(lat, lng, "x")
