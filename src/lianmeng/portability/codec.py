"""How each column's values are written to the export file and read back, by the column's type (see domain.py
for the file's shape): timestamps ISO 8601 in UTC, dates ISO, bytes base64, decimals as strings, JSON as JSON."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, DateTime, LargeBinary, Numeric, Time, Uuid
from sqlalchemy.types import TypeDecorator, TypeEngine

Encoder = Callable[[Any], Any]


def _kind(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


def _datetime_out(value: datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo else value).isoformat()


def _datetime_in(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _aware_in(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _same(value: Any) -> Any:
    return value


def encoder(column: Column[Any]) -> Encoder:
    """How `column`'s values are written (None stays None)."""
    kind = _kind(column.type)
    if isinstance(kind, DateTime):
        return _datetime_out
    if isinstance(kind, (Date, Time)):
        return lambda value: value.isoformat()
    if isinstance(kind, LargeBinary):
        return lambda value: base64.b64encode(value).decode()
    if isinstance(kind, Numeric) and kind.asdecimal:
        return str
    if isinstance(kind, Uuid):
        return str
    return _same


def decoder(column: Column[Any]) -> Encoder:
    """How `column`'s written values read back as what the database gave."""
    kind = _kind(column.type)
    if isinstance(kind, DateTime):
        return _aware_in if kind.timezone else _datetime_in
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal
    if isinstance(kind, Uuid):
        return uuid.UUID
    return _same


def encode_row(encoders: list[Encoder], row: tuple[Any, ...] | Any) -> list[Any]:
    return [None if value is None else encode(value) for encode, value in zip(encoders, row, strict=True)]


def decode_row(names: list[str], decoders: list[Encoder], values: list[Any]) -> dict[str, Any]:
    return {name: None if value is None else decode(value)
            for name, decode, value in zip(names, decoders, values, strict=True)}
