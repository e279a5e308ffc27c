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


def test_a_location_needs_both_coordinates() -> None:
    from lianmeng.kit.geo import parse_location

    assert parse_location("22.54", " 114.05 ") == (22.54, 114.05)
    for lat, lng in (("", "114"), ("22", ""), ("north", "114"), ("91", "114"), ("22", "181")):
        assert parse_location(lat, lng) is None


def test_nearest_first_with_ties_and_without_an_origin() -> None:
    from lianmeng.kit.geo import nearest_first

    places = [("far", 22.70, 113.90), ("b-here", 22.54, 114.05), ("a-here", 22.54, 114.05), ("near", 22.545, 114.06)]
    measured = nearest_first((22.54, 114.05), places, lambda p: (p[1], p[2]), lambda p: p[0])
    assert [p[0] for p, _ in measured] == ["a-here", "b-here", "near", "far"]
    assert measured[0][1] == 0.0 and measured[2][1] is not None and 1_000 < measured[2][1] < 1_300
    assert [(p[0], d) for p, d in nearest_first(None, places, lambda p: (p[1], p[2]), lambda p: p[0])] == [
        ("a-here", None), ("b-here", None), ("far", None), ("near", None)]
