"""Formatting integer fen as yuan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.kit.money import format_yuan


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (195000, "¥1,950.00"),
        (0, "¥0.00"),
        (5, "¥0.05"),
        (99, "¥0.99"),
        (100, "¥1.00"),
        (12345, "¥123.45"),
        (-195000, "-¥1,950.00"),
        (-5, "-¥0.05"),
        (123456789012345, "¥1,234,567,890,123.45"),
    ],
)
def test_format_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@pytest.mark.parametrize("bad", [1.5, 100.0, True, False, "100", None])
def test_rejects_anything_but_int(bad: object) -> None:
    with pytest.raises(TypeError):
        format_yuan(bad)  # type: ignore[arg-type]


def parse_yuan(text: str) -> int:
    negative = text.startswith("-")
    digits = text.lstrip("-").removeprefix("¥").replace(",", "")
    yuan, cents = digits.split(".")
    assert len(cents) == 2
    value = int(yuan) * 100 + int(cents)
    return -value if negative else value


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_formatting_round_trips(fen: int) -> None:
    text = format_yuan(fen)
    assert parse_yuan(text) == fen
    assert text.startswith("-¥" if fen < 0 else "¥")
