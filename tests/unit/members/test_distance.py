"""Distances on the member's partners page: haversine great-circle metres, and how they read on a phone."""

from __future__ import annotations

import math

import pytest

from lianmeng.kit.geo import distance_m, format_distance, parse_coordinate


def test_the_same_point_is_zero_metres_away() -> None:
    assert distance_m(22.54, 114.05, 22.54, 114.05) == 0.0


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)


def test_a_degree_of_longitude_shrinks_with_the_cosine_of_the_latitude() -> None:
    at_equator = distance_m(0, 0, 0, 1)
    at_shenzhen = distance_m(22.54, 114.0, 22.54, 115.0)
    assert at_shenzhen == pytest.approx(at_equator * math.cos(math.radians(22.54)), rel=1e-3)


def test_known_city_distance_shenzhen_to_guangzhou() -> None:
    # 深圳市民中心 → 广州塔: about 98 km as the crow flies
    assert distance_m(22.5431, 114.0579, 23.1064, 113.3245) == pytest.approx(97_800, rel=0.01)


def test_symmetric_and_across_the_antimeridian() -> None:
    assert distance_m(22.5, 114.0, 31.2, 121.5) == pytest.approx(distance_m(31.2, 121.5, 22.5, 114.0))
    assert distance_m(0, 179.5, 0, -179.5) == pytest.approx(111_195, rel=1e-4)


def test_antipodes_are_half_the_circumference() -> None:
    assert distance_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8)


@pytest.mark.parametrize("point", [(91, 0), (-91, 0), (0, 181), (0, -180.5), (math.nan, 0), (0, math.inf)])
def test_impossible_coordinates_are_refused(point: tuple[float, float]) -> None:
    with pytest.raises(ValueError):
        distance_m(point[0], point[1], 0, 0)


@pytest.mark.parametrize(("metres", "zh", "en"), [
    (0, "0 米", "0 m"), (4, "0 米", "0 m"), (846, "850 米", "850 m"), (994, "990 米", "990 m"),
    (999, "1.0 公里", "1.0 km"), (1000, "1.0 公里", "1.0 km"), (12_345, "12.3 公里", "12.3 km"),
])
def test_distances_read_in_metres_then_kilometres(metres: float, zh: str, en: str) -> None:
    assert format_distance(metres, "zh-CN") == zh
    assert format_distance(metres, "en") == en


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("22.54", 90, 22.54), (" -33.9 ", 90, -33.9), ("114.05", 180, 114.05), ("114.05", 90, None),
    ("", 90, None), ("abc", 90, None), ("nan", 90, None), ("inf", 180, None), ("1e400", 180, None),
])
def test_coordinates_from_the_query_string(text: str, limit: float, expected: float | None) -> None:
    assert parse_coordinate(text, limit) == expected
