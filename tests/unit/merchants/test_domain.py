"""Opening hours, brand tags and labels."""

from __future__ import annotations

import pytest

from lianmeng.merchants.domain import (
    INDUSTRY_LABELS,
    STAFF_ROLE_LABELS,
    Industry,
    StaffRole,
    valid_brand_tags,
    valid_opening_hours,
)


@pytest.mark.parametrize(
    "hours",
    ["09:00-21:00", "10:00-14:00,17:00-22:00", "10:00-14:00, 17:00-22:00", "18:00-02:00", "00:00-24:00"],
)
def test_valid_opening_hours(hours: str) -> None:
    assert valid_opening_hours(hours)


@pytest.mark.parametrize(
    "hours",
    [
        "9-21",
        "9:00-21:00",
        "25:00-26:00",
        "09:60-21:00",
        "",
        "09:00",
        "09:00-",
        "09:00-21:00,",
        "09:00~21:00",
        "09:00 - 21:00",
        "全天",
        "09:00-21:00;10:00-12:00",
    ],
)
def test_invalid_opening_hours(hours: str) -> None:
    assert not valid_opening_hours(hours)


@pytest.mark.parametrize("hours", ["09:00-24:30", "24:59-02:00"])
def test_no_minutes_past_24_00(hours: str) -> None:
    assert not valid_opening_hours(hours)


def test_brand_tag_limits() -> None:
    assert valid_brand_tags([])
    assert valid_brand_tags(["高端", "连锁"])
    assert valid_brand_tags(["t"] * 20)
    assert not valid_brand_tags(["t"] * 21)
    assert valid_brand_tags(["字" * 30])
    assert not valid_brand_tags(["字" * 31])
    assert not valid_brand_tags(["ok", ""])


def test_every_industry_has_both_labels() -> None:
    assert set(INDUSTRY_LABELS) == set(Industry)
    assert all(zh and en for zh, en in INDUSTRY_LABELS.values())


def test_every_staff_role_has_both_labels() -> None:
    assert set(STAFF_ROLE_LABELS) == set(StaffRole)
    assert all(zh and en for zh, en in STAFF_ROLE_LABELS.values())
