"""Plates and VINs: what is accepted, how it is normalised, the ISO 3779 check digit, and what masking shows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lianmeng.kit import crypto
from lianmeng.vehicles.domain import normalize_plate, normalize_vin, vin_check_digit
from lianmeng.vehicles.schemas import VehicleCreate


@pytest.mark.parametrize(("raw", "plate"), [
    ("粤B12345", "粤B12345"),
    ("粤b 12345", "粤B12345"),
    ("粤B·12345", "粤B12345"),
    ("粤B.12345", "粤B12345"),
    ("粤ｂ１２３４５", "粤B12345"),  # full width, as a Chinese keyboard may type it
    ("粤BD12345", "粤BD12345"),  # new energy: six after the letter
    ("京A 8X88Q", "京A8X88Q"),
    ("沪c-d1234", "沪CD1234"),
])
def test_plates_normalise(raw: str, plate: str) -> None:
    assert normalize_plate(raw) == plate


@pytest.mark.parametrize("raw", [
    "", "粤B1234",  # too short
    "粤B1234567",  # too long
    "B12345", "XB12345",  # no province
    "港B12345",  # not a mainland province's abbreviation
    "粤112345",  # the office is a letter
    "粤B12#45", "粤B12345" * 5,
])
def test_not_plates(raw: str) -> None:
    assert normalize_plate(raw) is None


def test_the_vin_check_digit() -> None:
    # published examples: the ninth character is the check digit, X standing for 10
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit("5GZCZ43D13S812715") == "1"
    assert vin_check_digit("11111111111111111") == "1"
    assert normalize_vin("1M8GDM9AXKP042788") == "1M8GDM9AXKP042788"
    assert normalize_vin(" lsvau218xn2183294 ") == "LSVAU218XN2183294"  # a Chinese (SAIC-VW) style VIN
    assert normalize_vin("LSVAU 218XN 2183294") == "LSVAU218XN2183294"


@pytest.mark.parametrize("raw", [
    "LSVAU2180N2183294",  # check digit wrong (should be X)
    "1M8GDM9A1KP042788",  # one digit off
    "1M8GDM9AXKP04278",  # 16 characters
    "1M8GDM9AXKP0427888",  # 18
    "IM8GDM9AXKP042788",  # I is never used (read as 1)
    "1M8GDM9AXKPO42788",  # O neither
    "1M8GDM9AXKQ042788",  # Q neither
])
def test_not_vins(raw: str) -> None:
    assert normalize_vin(raw) is None


def test_every_single_character_slip_is_caught_at_the_check_digit() -> None:
    """A check digit with weight ≠ 0 catches any one changed character whose value changes (mod 11)."""
    vin = "LSVAU218XN2183294"
    caught = 0
    for position in range(17):
        if position == 8:
            continue
        slipped = vin[:position] + ("7" if vin[position] != "7" else "8") + vin[position + 1:]
        caught += normalize_vin(slipped) is None
    assert caught == 16


def test_masks() -> None:
    assert crypto.mask_plate("粤B12345") == "粤B***45"
    assert crypto.mask_plate("粤BD12345") == "粤B***45"
    assert crypto.mask_vin("LSVAU218XN2183294") == "LSV***3294"
    assert crypto.mask_plate("12") == "**" and crypto.mask_vin("ABC") == "***"


def test_the_request_body() -> None:
    both = VehicleCreate(plate="粤b 12345", vin="lsvau218xn2183294")
    assert (both.plate, both.vin) == ("粤B12345", "LSVAU218XN2183294")
    assert VehicleCreate(plate="粤B12345", vin="").vin is None
    for body, code in (({"plate": "粤B1"}, "invalid_plate"), ({"vin": "LSVAU2180N2183294"}, "invalid_vin"),
                       ({}, "vehicle_required"), ({"plate": " ", "vin": ""}, "vehicle_required")):
        with pytest.raises(ValidationError, match=code):
            VehicleCreate.model_validate(body)
