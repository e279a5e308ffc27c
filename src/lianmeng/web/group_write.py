"""Group-committed writes over HTTP (issue 16; docs/benchmarks.md, "Group commit across HTTP requests").

Concurrent writes of one kind in one server process share ONE transaction: single orders, coupon redemptions and
stored-value top-ups alike (each endpoint names its `GroupedWrite`, and each kind has its own group committer).
Orders run through their set-based `record_orders`; the kinds without a set-based path run one by one, each in a
SAVEPOINT of the shared transaction. Those cost their full statements per request on the leader's one
connection, so their batches are kept small and several of them may run at once (`max_batch`, `leaders`).

Each request keeps its own outcome: a refused write (an AppError: unknown member, coupon already used, wrong
store…) rolls back only itself and its error is raised in its own request thread, so the error handler answers it
in that caller's language; its batch-mates commit. Idempotency-Keys are claimed and their responses stored in the
same transaction (kit/idempotency_batch.py). Nothing is answered before the commit. If the batch's transaction
fails as a whole (a deadlock, a serialization failure, any unexpected error), each request is tried again alone,
in a transaction of its own, so one bad write never fails the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lianmeng.config import get_settings
from lianmeng.db import transaction
from lianmeng.kit import idempotency, idempotency_batch
from lianmeng.kit.errors import AppError, Conflict
from lianmeng.kit.group_commit import GroupCommitter
from lianmeng.kit.idempotency import StoredResponse
from lianmeng.kit.idempotency_batch import Keyed, SameAs
from lianmeng.tenancy import Principal
from lianmeng.web.deps import Writer
from lianmeng.web.responses import FastJSONResponse

log = logging.getLogger(__name__)

D = TypeVar("D", bound=BaseModel)  # a request body


@dataclass(frozen=True)
class Answer:
    """What the endpoint sends: status, JSON body, and whether it replays an Idempotency-Key's stored response."""

    status_code: int
    body: Any
    replayed: bool = False


Outcome = Answer | BaseException


@dataclass(frozen=True)
class Write(Generic[D]):
    """One request's write: who asks, its body, and its Idempotency-Key (None without one)."""

    principal: Principal
    data: D
    keyed: Keyed | None


@dataclass(frozen=True, eq=False)
class GroupedWrite(Generic[D]):
    """A write use case whose concurrent requests can share a transaction.

    `alone` is the use case as the one-request path runs it (returns the response model). `together`, when given,
    runs several requests of this kind at once, set-based, and returns each one's Answer or AppError; it may
    raise to fail the whole batch (which is then retried one request at a time). Without it, the requests run
    one by one through `alone`, each in a SAVEPOINT of the batch's transaction. `max_batch` caps a batch below
    LIANMENG_GROUP_COMMIT_MAX_BATCH; `leaders` is how many batches of this kind may run at once in a process (each
    on its leader's own connection)."""

    status_code: int
    alone: Callable[[Session, Principal, D], Any]
    together: Callable[[Session, Sequence[Write[D]]], list[Answer | AppError]] | None = None
    max_batch: int | None = None
    leaders: int = 1

    def run(self, session: Session, writes: Sequence[Write[D]]) -> list[Answer | AppError]:
        if self.together is not None:
            return self.together(session, writes)
        return [self._in_savepoint(session, write) for write in writes]

    def _in_savepoint(self, session: Session, write: Write[D]) -> Answer | AppError:
        """A refusal rolls back this write alone; any other error fails the batch (the caller retries each alone).
        The body is encoded inside the savepoint, while what it shows is loaded and current."""
        try:
            with session.begin_nested():
                body = jsonable_encoder(self.alone(session, write.principal, write.data))
        except AppError as refused:
            return refused
        return Answer(self.status_code, body)


SAVEPOINT_MAX_BATCH = 16  # a savepoint batch costs each request's own statements, in turn, on one connection
SAVEPOINT_LEADERS = 2  # so a burst is spread over a few batches at once, as the one-request path spreads it


def in_savepoints(status_code: int, alone: Callable[[Session, Principal, D], Any]) -> GroupedWrite[D]:
    """A use case with no set-based path, group-committed one request per savepoint (docs/benchmarks.md)."""
    return GroupedWrite(status_code, alone, max_batch=SAVEPOINT_MAX_BATCH, leaders=SAVEPOINT_LEADERS)


_committers: dict[tuple[str, GroupedWrite[Any]], GroupCommitter[Write[Any], Answer]] = {}
_committers_lock = threading.Lock()


def committer(database_url: str, kind: GroupedWrite[Any]) -> GroupCommitter[Write[Any], Answer] | None:
    """This process's group committer for `kind` on `database_url`; None when group commit is off."""
    settings = get_settings()
    if settings.group_commit_ms <= 0:
        return None
    with _committers_lock:
        found = _committers.get((database_url, kind))
        if found is None:
            found = _committers[(database_url, kind)] = GroupCommitter(
                window=settings.group_commit_ms / 1000, max_leaders=kind.leaders,
                max_batch=min(settings.group_commit_max_batch, kind.max_batch or settings.group_commit_max_batch))
        return found


def respond(writer: Writer, kind: GroupedWrite[D], body: D) -> JSONResponse:
    """The endpoint's answer, byte for byte what the one-transaction path (`Writer.run`) sends; that path itself
    when group commit is off (LIANMENG_GROUP_COMMIT_MS=0)."""
    shared = committer(writer.request.app.state.database_url, kind)
    if shared is None:
        return writer.run(lambda: kind.alone(writer.session, writer.principal, body), body, kind.status_code)
    request = writer.request
    keyed = None if writer.key is None else Keyed(
        writer.principal.idempotency_scope, writer.key,
        idempotency.fingerprint(request.method, request.url.path, body.model_dump(mode="json")))
    answer = submit(writer.session, shared, kind, Write(writer.principal, body, keyed))
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return FastJSONResponse(answer.body, status_code=answer.status_code, headers=headers)


REPORT_EVERY_S = 15.0
_reported = {"at": time.monotonic(), "batches": 0, "items": 0}


def submit(session: Session, shared: GroupCommitter[Write[Any], Answer], kind: GroupedWrite[D], write: Write[D]
           ) -> Answer:
    """Run one write in a shared transaction; if this thread leads, the batch runs on `session`."""
    try:
        return shared.submit(write, lambda batch: run_batch(session, kind, batch))
    finally:
        _report(shared)


def _report(shared: GroupCommitter[Write[Any], Answer]) -> None:
    """Every 15 s at most, while writes flow: how many went through how many transactions lately."""
    now = time.monotonic()
    with _committers_lock:
        if now - _reported["at"] < REPORT_EVERY_S:
            return
        stats = [c.stats for c in _committers.values()]
        total_batches, total_items = sum(s.batches for s in stats), sum(s.items for s in stats)
        batches, items = total_batches - _reported["batches"], total_items - _reported["items"]
        _reported.update(at=now, batches=total_batches, items=total_items)
    if batches:
        log.info("group commit: %d writes in %d transactions (%.1f per transaction, largest %d)", items, batches,
                 items / batches, max(s.largest for s in stats))


def run_batch(session: Session, kind: GroupedWrite[D], batch: Sequence[Write[D]]) -> list[Outcome]:
    """One transaction for the whole batch; if it fails as a whole, one transaction per request."""
    try:
        with transaction(session):
            outcomes = _run(session, kind, batch)
        return outcomes
    except Exception as failed:
        if len(batch) == 1:
            return [failed]
        log.warning("group commit of %d writes failed (%s); running them one by one", len(batch),
                    type(failed).__name__)
    alone: list[Outcome] = []
    for write in batch:
        try:
            with transaction(session):
                own = _run(session, kind, [write])
            alone += own
        except Exception as failed:
            alone.append(failed)
    return alone


def _run(session: Session, kind: GroupedWrite[D], batch: Sequence[Write[D]]) -> list[Outcome]:
    claims = idempotency_batch.claim_many(session, [w.keyed for w in batch])
    outcomes: list[Outcome | None] = [None] * len(batch)
    to_write: list[int] = []
    for i, claim in enumerate(claims):
        if isinstance(claim, StoredResponse):
            outcomes[i] = Answer(claim.status_code, claim.body, replayed=True)
        elif isinstance(claim, AppError):
            outcomes[i] = claim
        elif not isinstance(claim, SameAs):
            to_write.append(i)
    if to_write:
        for i, own in zip(to_write, kind.run(session, [batch[i] for i in to_write]), strict=True):
            outcomes[i] = own
    completed: dict[int, tuple[int, Any]] = {}
    released: list[int] = []
    for i, claim in enumerate(claims):
        if isinstance(claim, int):
            outcome = outcomes[i]
            if isinstance(outcome, Answer):
                completed[claim] = (outcome.status_code, outcome.body)
            else:
                released.append(claim)
    idempotency_batch.complete_many(session, completed)
    idempotency_batch.release_many(session, released)
    for i, claim in enumerate(claims):
        if isinstance(claim, SameAs):  # a retry of an earlier request in this batch
            first = outcomes[claim.index]
            outcomes[i] = Answer(first.status_code, first.body, replayed=True) if isinstance(first, Answer) \
                else Conflict("idempotency_in_progress")
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]
