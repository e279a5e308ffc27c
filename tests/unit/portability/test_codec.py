"""The export's values read back as they were written, whatever the type; the key's fingerprint tells keys apart
without showing them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, LargeBinary, Numeric, String

from lianmeng.db import UTCDateTime
from lianmeng.portability import codec
from lianmeng.portability.domain import Header, key_fingerprint

COLUMNS: list[tuple[Column[Any], Any]] = [
    (Column("at", UTCDateTime()), datetime(2027, 1, 31, 23, 50, 1, 123456, tzinfo=timezone(timedelta(hours=8)))),
    (Column("naive", DateTime()), datetime(2027, 1, 31, 23, 50)),
    (Column("day", Date()), date(2027, 2, 1)),
    (Column("blob", LargeBinary()), b"\x00\xff\x1f\x8b"),
    (Column("rate", Numeric(12, 4)), Decimal("0.1000")),
    (Column("ratio", Float()), 0.1 + 0.2),
    (Column("fen", Integer()), 2**53 + 1),
    (Column("ok", Boolean()), False),
    (Column("name", String()), "陈先生 \u2028 \"quoted\""),
    (Column("details", JSON()), {"mirror_of": 3, "lines": [1, 2], "note": "补差", "nothing": None}),
]


def test_every_type_reads_back_equal_through_json() -> None:
    encoders = [codec.encoder(c) for c, _ in COLUMNS]
    decoders = [codec.decoder(c) for c, _ in COLUMNS]
    values = tuple(v for _, v in COLUMNS)
    line = json.dumps(codec.encode_row(encoders, values), ensure_ascii=False)
    back = codec.decode_row([c.name for c, _ in COLUMNS], decoders, json.loads(line))
    assert list(back.values()) == list(values)
    assert back["at"].tzinfo is not None and back["at"] == values[0]
    assert json.loads(line)[0] == "2027-01-31T15:50:01.123456+00:00"  # stored UTC, written UTC
    assert isinstance(back["rate"], Decimal) and json.loads(line)[4] == "0.1000"


def test_none_stays_none() -> None:
    encoders = [codec.encoder(c) for c, _ in COLUMNS]
    assert codec.encode_row(encoders, tuple(None for _ in COLUMNS)) == [None] * len(COLUMNS)


def test_the_fingerprint_tells_keys_apart_and_is_not_the_key() -> None:
    one, other = b"k" * 32, b"l" * 32
    assert key_fingerprint(one) == key_fingerprint(one) != key_fingerprint(other)
    assert one.hex()[:16] != key_fingerprint(one) and len(key_fingerprint(one)) == 16


def test_the_header_reads_back() -> None:
    header = Header(alliance="alpha", revision="0034", key_fingerprint="ab", created_at=datetime.now(UTC).isoformat(),
                    counts={"alliances": 1, "orders": 3})
    assert Header.from_json(json.loads(json.dumps(header.to_json()))) == header
    assert header.total_rows == 4
