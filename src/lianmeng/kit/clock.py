"""Time: UTC in storage, Asia/Shanghai when shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_FIXED: ContextVar[datetime | None] = ContextVar("lianmeng_clock_fixed", default=None)


def now() -> datetime:
    return _FIXED.get() or datetime.now(UTC)


@contextmanager
def fixed_at(at: datetime) -> Iterator[None]:
    """Run code as if it were `at` (the demo writes weeks of history through the real services). Only for the
    current thread/context; never used by the server."""
    require_aware(at, "at")
    token = _FIXED.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _FIXED.reset(token)


def today_in_shanghai(at: datetime | None = None) -> date:
    return (at or now()).astimezone(SHANGHAI).date()


def shanghai(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI)


def format_local(at: datetime | None) -> str:
    return "" if at is None else shanghai(at).strftime("%Y-%m-%d %H:%M")


def format_local_clock(at: datetime, today: date | None = None) -> str:
    """'HH:MM' in Shanghai when `at` falls on today there, else 'YYYY-MM-DD HH:MM': a freshness stamp short on the
    day it is read, and still true when the job behind it has stalled for days."""
    local = shanghai(at)
    return local.strftime("%H:%M") if local.date() == (today or today_in_shanghai()) else format_local(at)


def require_aware(at: datetime, name: str) -> None:
    """Pure rules take times as arguments; a naive one would silently mean local time somewhere."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
