"""The number types of request bodies. JSON bodies are strict: an amount, a number of points or an id is a JSON
integer, never `true`, `"1_000"`, `"100"` or `1.5` (pydantic would otherwise turn those into 1, 1000, 100 and
refuse only the last). Query and path parameters stay lax (they are strings by nature), and the console pages build
the same schemas from form strings through `lianmeng.web.console.parse`, which validates them non-strictly."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, Strict

MAX_FEN = 10_000_000_000  # ¥100,000,000.00: far above any single consumption, far below BIGINT
MAX_ID = 2**31 - 1  # ids are INTEGER columns (PostgreSQL int4)

Fen = Annotated[int, Strict()]
"""Money in integer fen (分). Bounds depend on the field (`Field(gt=0, le=MAX_FEN)` for an amount)."""

Points = Annotated[int, Strict()]
"""Alliance points, an integer."""

Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
"""A row id: a positive JSON integer that fits the INTEGER id columns."""

Whole = Annotated[int, Strict()]
"""Any other integer of a body: a count, a number of days, a rate in basis points, a year."""

Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A JSON number (a rating, a coordinate): an integer or a fraction, never a string or `true`."""

Flag = Annotated[bool, Strict()]
"""A JSON `true` or `false`, never `"yes"` or `1`."""

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _iso_moment(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise ValueError("a time is written YYYY-MM-DDTHH:MM:SS+08:00")


Day = Annotated[date, BeforeValidator(_iso_day)]
"""A calendar date as `YYYY-MM-DD` (pydantic alone would read `0` or `"0"` as 1970-01-01)."""

Moment = Annotated[datetime, BeforeValidator(_iso_moment)]
"""A date and time in ISO 8601 (pydantic alone would read a number as seconds since 1970)."""
