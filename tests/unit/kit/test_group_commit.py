"""The group committer alone, with a fake executor: window, adaptive no-wait, batch limit, per-item outcome,
exception isolation."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from lianmeng.kit.group_commit import GroupCommitter


class Recorder:
    """A fake executor: doubles each item, refuses negative ones, and records the batches it was given."""

    def __init__(self, delay: float = 0.0, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.delay = delay
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        with self.lock:
            self.batches.append(list(items))
        time.sleep(self.delay)
        if self.fail_on is not None and self.fail_on in items:
            raise RuntimeError("deadlock detected")
        return [ValueError(f"refused {i}") if i < 0 else i * 2 for i in items]


def burst(committer: GroupCommitter[int, int], run: Recorder, items: Sequence[int]
          ) -> dict[int, int | BaseException]:
    results: dict[int, int | BaseException] = {}
    start = threading.Barrier(len(items))

    def one(item: int) -> None:
        start.wait()
        try:
            results[item] = committer.submit(item, run)
        except Exception as error:
            results[item] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    return results


def test_a_lone_request_runs_at_once_without_waiting_for_the_window() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.5)
    run = Recorder()
    started = time.monotonic()
    assert committer.submit(21, run) == 42
    assert time.monotonic() - started < 0.2  # the 0.5 s window was not waited for
    assert run.batches == [[21]]
    assert committer.stats.waited == 0


def test_concurrent_requests_share_batches_and_each_gets_its_own_outcome() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.05)
    run = Recorder(delay=0.02)
    items = list(range(1, 33))
    results = burst(committer, run, items)
    assert results == {i: i * 2 for i in items}
    assert sorted(i for b in run.batches for i in b) == items  # every item exactly once
    assert len(run.batches) < len(items)  # shared transactions
    assert committer.stats.largest > 1


def test_the_window_is_waited_for_once_several_requests_were_in_flight() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.2)
    run = Recorder(delay=0.01)
    burst(committer, run, list(range(1, 9)))  # the peak is now 8
    before = len(run.batches)
    started = time.monotonic()
    assert committer.submit(100, run) == 200  # alone, but 8 were in flight this second: waits for company
    assert time.monotonic() - started >= 0.15
    assert run.batches[before:] == [[100]]


def test_a_batch_never_exceeds_the_limit() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.05, max_batch=4)
    run = Recorder(delay=0.01)
    items = list(range(1, 25))
    assert burst(committer, run, items) == {i: i * 2 for i in items}
    assert max(len(b) for b in run.batches) <= 4
    assert committer.stats.largest <= 4


def test_a_refused_item_does_not_fail_its_batch_mates() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.05)
    run = Recorder(delay=0.01)
    results = burst(committer, run, [1, 2, -3, 4, 5, -6, 7, 8])
    assert {k: v for k, v in results.items() if k > 0} == {i: i * 2 for i in (1, 2, 4, 5, 7, 8)}
    assert all(isinstance(results[k], ValueError) and str(results[k]) == f"refused {k}" for k in (-3, -6))


def test_an_executor_exception_fails_only_its_own_batch_and_the_next_batch_runs() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.0, max_batch=1)
    run = Recorder(fail_on=3)
    results = burst(committer, run, [1, 2, 3, 4])
    assert isinstance(results[3], RuntimeError)
    assert {k: results[k] for k in (1, 2, 4)} == {1: 2, 2: 4, 4: 8}
    assert committer.submit(5, run) == 10  # the committer still works


def test_an_executor_returning_the_wrong_number_of_outcomes_fails_the_batch() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.0)
    with pytest.raises(RuntimeError, match="outcomes"):
        committer.submit(1, lambda items: [])


def test_several_leaders_still_run_every_item_once() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(window=0.01, max_batch=3, max_leaders=2)
    run = Recorder(delay=0.005)
    items = list(range(1, 41))
    assert burst(committer, run, items) == {i: i * 2 for i in items}
    assert sorted(i for b in run.batches for i in b) == items


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        GroupCommitter(window=-1)
    with pytest.raises(ValueError):
        GroupCommitter(window=0.001, max_batch=0)
