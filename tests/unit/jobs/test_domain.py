"""The jobs' pure rules: period keys, what a run counted, how it ended, what a failure records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lianmeng.jobs.domain import RunOutcome, counts_of, error_text, manual_tick, outcome_of, tick_of
from lianmeng.kit.errors import Conflict


def test_a_tick_is_its_minute_in_utc_and_a_manual_run_a_period_of_its_own() -> None:
    at = datetime(2026, 12, 7, 10, 5, 59, tzinfo=UTC)
    assert tick_of(at) == "2026-12-07T10:05"
    first, second = manual_tick(at), manual_tick(at)
    assert first.startswith("2026-12-07T10:05/") and first != second and len(first) <= 40


@dataclass(frozen=True)
class Report:
    alliance_id: int
    full: bool
    members: int
    seconds: float


def test_counts_take_whole_numbers_only() -> None:
    assert counts_of(3) == {"count": 3}
    assert counts_of(Report(7, True, 12, 0.5)) == {"members": 12}
    assert counts_of({"sent": 2, "ok": True}) == {"sent": 2}
    assert counts_of(None) == {} and counts_of(object()) == {}


def test_a_run_that_found_nothing_to_do_is_skipped() -> None:
    assert outcome_of({"count": 0}) is RunOutcome.SKIPPED
    assert outcome_of({"count": 1, "other": 0}) is RunOutcome.OK
    assert outcome_of({}) is RunOutcome.OK  # nothing countable: it ran


def test_a_failure_records_the_class_and_code_never_the_message() -> None:
    assert error_text(ValueError("phone 13800138000 is bad")) == "ValueError"
    assert error_text(Conflict("period_settled", period="2026-11")) == "Conflict: period_settled"
