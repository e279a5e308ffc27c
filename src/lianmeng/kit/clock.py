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
