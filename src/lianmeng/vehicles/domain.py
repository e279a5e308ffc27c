"""Pure rules for vehicles: Chinese plate numbers and VINs (ISO 3779) normalised and validated. No I/O.

* A plate (车牌): a province's one-character abbreviation, the issuing office's letter, then 5 alphanumerics (a
  petrol car, 粤B12345) or 6 (a new-energy car, 粤BD12345). Typed with spaces, dots or a middle dot (粤B·12345),
  in lower case or full width, it reads the same.
* A VIN (车架号): 17 characters, never I, O or Q, the 9th a check digit (ISO 3779: the transliterated characters
  weighted, summed modulo 11, 10 written X). Chinese VINs carry the check digit too (GB 16735), so a mistyped VIN
  is refused rather than stored.
"""

from __future__ import annotations

import re
import unicodedata

#: The provinces' (and autonomous regions', municipalities') one-character abbreviations, as plates print them.
PROVINCES = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
_PLATE = re.compile(r"^(.)([A-Z])([A-Z0-9]{5,6})$")
_SEPARATORS = re.compile(r"[\s.·•・\-]")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")

#: ISO 3779 transliteration of letters (digits stand for themselves) and the weight of each position.
_VALUES = {**{str(d): d for d in range(10)},
           **dict(zip("ABCDEFGH", range(1, 9), strict=True)), **dict(zip("JKLMN", range(1, 6), strict=True)),
           "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MAX_INPUT = 32


def _clean(raw: str) -> str:
    """Full-width letters and digits as ASCII, upper case, without spaces, dots, middle dots or hyphens."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def normalize_plate(raw: str) -> str | None:
    """'粤b 12345', '粤B·12345', '粤ｂ１２３４５' → '粤B12345'; '粤BD12345' (new energy) stays; None if not a plate."""
    if len(raw) > MAX_INPUT:
        return None
    plate = _clean(raw)
    found = _PLATE.match(plate)
    if found is None or found.group(1) not in PROVINCES:
        return None
    return plate


def vin_check_digit(vin: str) -> str:
    """The check digit a 17-character VIN should carry at position 9 ('0'–'9' or 'X')."""
    total = sum(_VALUES[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(raw: str) -> str | None:
    """A VIN in upper case without spaces, or None: not 17 characters, an I, O or Q, or a wrong check digit."""
    if len(raw) > MAX_INPUT:
        return None
    vin = _clean(raw)
    if not _VIN.match(vin) or vin[8] != vin_check_digit(vin):
        return None
    return vin
