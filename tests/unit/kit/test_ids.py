"""Alliance card numbers: prefix, length, Luhn check digit."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lianmeng.kit.ids import (
    CARD_LENGTH,
    CARD_PREFIX,
    format_card_number,
    is_valid_card_number,
    luhn_check_digit,
    new_card_number,
)

BODIES = st.integers(min_value=0, max_value=10**11 - 1)


def card_from(body: int) -> str:
    return new_card_number(lambda _n: body)


@pytest.mark.parametrize(
    ("payload", "check"),
    [("7992739871", "3"), ("4111111111111111"[:-1], "1"), ("0", "0"), ("1", "8"), ("886000000000000", "2")],
)
def test_luhn_check_digit_known_vectors(payload: str, check: str) -> None:
    assert luhn_check_digit(payload) == check


def test_new_card_number_shape() -> None:
    card = new_card_number()
    assert len(card) == CARD_LENGTH == 16
    assert card.startswith(CARD_PREFIX) and CARD_PREFIX == "8860"
    assert card.isdigit()
    assert is_valid_card_number(card)


def test_new_card_number_pads_a_small_body_and_asks_for_eleven_digits() -> None:
    asked: list[int] = []

    def pick(n: int) -> int:
        asked.append(n)
        return 7

    assert new_card_number(pick) == "886000000000007" + luhn_check_digit("886000000000007")
    assert asked == [10**11]


def test_new_card_number_is_deterministic_with_a_seeded_source() -> None:
    first = new_card_number(random.Random(42).randrange)
    second = new_card_number(random.Random(42).randrange)
    assert first == second
    assert is_valid_card_number(first)


@given(BODIES)
def test_every_generated_card_is_valid(body: int) -> None:
    card = card_from(body)
    assert len(card) == 16 and card.startswith("8860")
    assert is_valid_card_number(card)


@given(BODIES, st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_detected(body: int, position: int, delta: int) -> None:
    card = card_from(body)
    changed = str((int(card[position]) + delta) % 10)
    typo = card[:position] + changed + card[position + 1 :]
    assert not is_valid_card_number(typo)


@given(BODIES, st.integers(min_value=0, max_value=14))
def test_adjacent_transposition_of_different_digits_is_detected(body: int, position: int) -> None:
    card = card_from(body)
    a, b = card[position], card[position + 1]
    assume(a != b)
    assume({a, b} != {"0", "9"})  # Luhn's one blind spot, see below
    swapped = card[:position] + b + a + card[position + 2 :]
    assert not is_valid_card_number(swapped)


def test_luhn_cannot_see_a_09_90_transposition() -> None:
    """A documented property of Luhn, not a bug: 09 <-> 90 keeps the checksum."""
    card = "8860090000000000"
    card = card[:-1] + luhn_check_digit(card[:-1])
    swapped = "8860900000000000"[:-1] + card[-1]
    assert is_valid_card_number(card) and is_valid_card_number(swapped)


@pytest.mark.parametrize(
    "bad",
    ["", "886012345678901", "88601234567890123", "8860-1234-5678-9012", "886012345678901a", " 886012345678901"],
)
def test_malformed_card_numbers_are_invalid(bad: str) -> None:
    assert not is_valid_card_number(bad)


def test_superscript_digits_are_invalid_not_a_crash() -> None:
    assert is_valid_card_number("886012345678901²".replace("1", "²")) is False


def test_format_card_number_groups_of_four() -> None:
    assert format_card_number("8860123456789012") == "8860 1234 5678 9012"
    assert format_card_number("") == ""
