"""Group commit for sync endpoints: concurrent requests of one server process share one transaction.

Endpoints run in worker threads, so a leader/follower queue needs no event loop: every request puts its item in a
thread-safe queue. A request that finds no leader running becomes the leader: it waits up to `window` seconds for
others to join (no wait at all when the process saw at most one such request in flight over the last second, so a
lone till never pays for the window), takes up to `max_batch` items, runs them through ITS OWN `run` (on its own
session and connection) and hands each follower its outcome. While a batch runs, newcomers queue; when it ends,
the leader promotes the oldest waiting request to lead the next batch, so batches follow each other back to back.

An outcome is a value or an exception; `submit` returns the value or raises the exception in the submitter's own
thread (so the error handler answers in that caller's language). An exception escaping `run` fails only that
batch's items; a BaseException in the leader still wakes every follower. `run` must return one outcome per item,
in order, and must not answer anything before its commit (the caller sends its response after `submit` returns).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - an item
O = TypeVar("O")  # noqa: E741 - its outcome


@dataclass(eq=False)
class _Slot(Generic[I, O]):
    item: I
    run: Callable[[Sequence[I]], Sequence[O | BaseException]]
    wake: threading.Event = field(default_factory=threading.Event)
    leading: bool = False
    done: bool = False
    outcome: O | BaseException | None = None


@dataclass
class Stats:
    """Counters for the bench and the tests: batches run, items through them, the largest batch."""

    batches: int = 0
    items: int = 0
    largest: int = 0
    waited: int = 0  # batches whose leader waited for the window


class GroupCommitter(Generic[I, O]):
    def __init__(self, window: float, max_batch: int = 128, max_leaders: int = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_batch < 1 or max_leaders < 1 or window < 0:
            raise ValueError("max_batch and max_leaders must be ≥ 1, window ≥ 0")
        self.window = window
        self.max_batch = max_batch
        self.max_leaders = max_leaders
        self.stats = Stats()
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: deque[_Slot[I, O]] = deque()
        self._leaders = 0
        self._in_flight = 0
        self._epoch = 0  # whole seconds of the clock: the in-flight peak is kept for this one and the last one
        self._peak_now = 0
        self._peak_before = 0

    def submit(self, item: I, run: Callable[[Sequence[I]], Sequence[O | BaseException]]) -> O:
        """Run `item` in a batch (led by this thread or another) and return its outcome, or raise its error."""
        slot: _Slot[I, O] = _Slot(item, run)
        with self._cond:
            self._in_flight += 1
            self._note_peak()
            self._pending.append(slot)
            self._cond.notify_all()
            lead = self._leaders < self.max_leaders
            if lead:
                self._leaders += 1
                slot.leading = True
        try:
            while True:
                if lead:
                    self._lead(slot)
                slot.wake.wait()
                with self._cond:
                    if slot.done:
                        break
                    slot.wake.clear()  # promoted to lead the next batch
                    lead = True
        finally:
            with self._cond:
                self._in_flight -= 1
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome  # type: ignore[return-value]

    def expected(self) -> int:
        """How many requests a leader waits for: the most that were in flight at once lately (1 = idle)."""
        with self._cond:
            self._note_peak()
            return max(self._peak_now, self._peak_before)

    def _note_peak(self) -> None:
        epoch = int(self._clock())
        if epoch != self._epoch:
            self._peak_before = self._peak_now if epoch == self._epoch + 1 else 0
            self._peak_now, self._epoch = 0, epoch
        self._peak_now = max(self._peak_now, self._in_flight)

    def _lead(self, slot: _Slot[I, O]) -> None:
        batch: list[_Slot[I, O]] = []
        try:
            with self._cond:
                self._note_peak()
                wanted = min(max(self._peak_now, self._peak_before), self.max_batch)
                deadline = self._clock() + self.window
                waited = False
                while len(self._pending) < wanted and self.window > 0:
                    left = deadline - self._clock()
                    if left <= 0:
                        break
                    waited = True
                    self._cond.wait(left)
                while self._pending and len(batch) < self.max_batch:
                    batch.append(self._pending.popleft())
            if batch:
                self._run(slot.run, batch, waited)
        finally:
            with self._cond:
                slot.leading = False
                self._leaders -= 1
                for waiting in self._pending:
                    if self._leaders >= self.max_leaders:
                        break
                    if not waiting.leading:
                        waiting.leading = True
                        self._leaders += 1
                        waiting.wake.set()

    def _run(self, run: Callable[[Sequence[I]], Sequence[O | BaseException]], batch: list[_Slot[I, O]],
             waited: bool) -> None:
        outcomes: Sequence[O | BaseException]
        try:
            outcomes = run([s.item for s in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"group commit: {len(outcomes)} outcomes for {len(batch)} items")
        except BaseException as failed:  # handed to every member; re-raised if fatal
            outcomes = [failed] * len(batch)
            if not isinstance(failed, Exception):
                self._finish(batch, outcomes, waited)
                raise
        self._finish(batch, outcomes, waited)

    def _finish(self, batch: list[_Slot[I, O]], outcomes: Sequence[O | BaseException], waited: bool) -> None:
        with self._cond:
            self.stats.batches += 1
            self.stats.items += len(batch)
            self.stats.largest = max(self.stats.largest, len(batch))
            self.stats.waited += waited
            for member, outcome in zip(batch, outcomes, strict=True):
                member.outcome, member.done = outcome, True
                member.wake.set()
