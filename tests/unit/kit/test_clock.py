"""UTC stored, Asia/Shanghai shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lianmeng.kit.clock import format_local, format_local_clock, now, today_in_shanghai


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


def test_a_freshness_stamp_is_the_time_today_and_the_date_and_time_on_another_day() -> None:
    at = datetime(2026, 1, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 January in Shanghai
    assert format_local_clock(at, today=date(2026, 1, 2)) == "00:30"
    assert format_local_clock(at, today=date(2026, 1, 3)) == "2026-01-02 00:30"
