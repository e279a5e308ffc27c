"""The alliance export file: its header and how each column's values are written, losslessly.

One file, JSON Lines (gzip when the file name ends in `.gz`; read back whichever it is):

    {"format": "lianmeng-alliance", "version": 1, "alliance": "tesla", "revision": "0034", ...}   the header
    {"table": "merchants", "columns": ["id", "alliance_id", ...]}                                 a table starts
    [1, 1, "特斯拉", ...]                                                                          its rows
    ...

Values follow the column's type, not Python's guess: timestamps as ISO 8601 in UTC, dates as ISO dates, bytes as
base64, decimals as strings (no float ever touches them), JSON columns as JSON; integers, floats, booleans and text
as themselves. Reading uses the target's column types, so a row reads back equal to what was written.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT = "lianmeng-alliance"
VERSION = 1


@dataclass(frozen=True)
class Header:
    """What the export says of itself: checked before a single row is read."""

    alliance: str
    revision: str | None
    key_fingerprint: str
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "version": self.version, "alliance": self.alliance,
                "revision": self.revision, "key_fingerprint": self.key_fingerprint,
                "created_at": self.created_at, "counts": self.counts}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Header:
        return cls(alliance=str(data["alliance"]), revision=data.get("revision"),
                   key_fingerprint=str(data["key_fingerprint"]), created_at=str(data["created_at"]),
                   counts={str(k): int(v) for k, v in dict(data["counts"]).items()},
                   format=str(data["format"]), version=int(data["version"]))

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def key_fingerprint(derived_key: bytes) -> str:
    """A fingerprint of the key that encrypted the personal data: equal keys give equal fingerprints, and nothing of
    the key can be learnt from it (an HMAC of a fixed text under a key that is itself one-way derived)."""
    return hmac.new(derived_key, b"lianmeng alliance export", hashlib.sha256).hexdigest()[:16]
