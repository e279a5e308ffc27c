"""Time: UTC in storage, Asia/Shanghai when shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today_in_shanghai(at: datetime | None = None) -> date:
    return (at or now()).astimezone(SHANGHAI).date()


def shanghai(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI)


def format_local(at: datetime | None) -> str:
    return "" if at is None else shanghai(at).strftime("%Y-%m-%d %H:%M")


def require_aware(at: datetime, name: str) -> None:
    """Pure rules take times as arguments; a naive one would silently mean local time somewhere."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
