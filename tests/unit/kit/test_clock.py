"""UTC stored, Asia/Shanghai shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lianmeng.kit.clock import format_local, now, today_in_shanghai


def test_today_in_shanghai_crosses_the_date_line() -> None:
    assert today_in_shanghai(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == date(2026, 1, 2)
    assert today_in_shanghai(datetime(2026, 1, 1, 15, 59, tzinfo=UTC)) == date(2026, 1, 1)
    assert today_in_shanghai(datetime(2026, 1, 1, 16, 0, tzinfo=UTC)) == date(2026, 1, 2)


def test_year_end_in_shanghai() -> None:
    assert today_in_shanghai(datetime(2025, 12, 31, 16, 0, tzinfo=UTC)) == date(2026, 1, 1)


def test_now_is_aware_utc() -> None:
    assert now().utcoffset() is not None
    assert now().utcoffset() == UTC.utcoffset(None)


def test_format_local() -> None:
    assert format_local(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == "2026-01-02 00:30"
    assert format_local(datetime(2026, 6, 1, 2, 5, tzinfo=UTC)) == "2026-06-01 10:05"
    assert format_local(None) == ""
