"""Alliance card numbers: 16 digits, a fixed prefix, random body, Luhn check digit."""

from __future__ import annotations

import secrets
from collections.abc import Callable

CARD_PREFIX = "8860"
CARD_LENGTH = 16


def luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_card_number(card_no: str) -> bool:
    if len(card_no) != CARD_LENGTH or not (card_no.isascii() and card_no.isdigit()):
        return False
    return luhn_check_digit(card_no[:-1]) == card_no[-1]


def new_card_number(randbelow: Callable[[int], int] | None = None) -> str:
    """A fresh card number; the body is random so numbers cannot be enumerated in order."""
    pick = randbelow or secrets.randbelow
    body_len = CARD_LENGTH - len(CARD_PREFIX) - 1
    body = str(pick(10**body_len)).zfill(body_len)
    partial = CARD_PREFIX + body
    return partial + luhn_check_digit(partial)


def format_card_number(card_no: str) -> str:
    return " ".join(card_no[i : i + 4] for i in range(0, len(card_no), 4))
