"""`POST /api/v1/orders` group-committed: concurrent single orders of one server process share one transaction
through the set-based `service.record_orders` (docs/benchmarks.md, "Group commit").

Each request keeps its own outcome: a refused order (unknown member, wrong store, duplicate external id…) gets its
own AppError, raised in its own thread, so the error handler answers it in its caller's language; its batch-mates
are recorded. Orders of several callers share the transaction (`record_orders` once per caller). Their
Idempotency-Keys are claimed and their responses stored in that same transaction (kit/idempotency_batch.py).
Nothing is answered before the commit. If the batch's transaction fails as a whole (a deadlock, a serialization
failure, any unexpected error), each request is tried again alone, in a transaction of its own, so one bad
order never fails the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from lianmeng.config import get_settings
from lianmeng.db import transaction
from lianmeng.kit import idempotency, idempotency_batch
from lianmeng.kit.errors import AppError, Conflict
from lianmeng.kit.group_commit import GroupCommitter
from lianmeng.kit.idempotency import StoredResponse
from lianmeng.kit.idempotency_batch import Keyed, SameAs
from lianmeng.orders import repository, service
from lianmeng.orders.schemas import OrderCreate, OrderOut
from lianmeng.tenancy import Principal, policy
from lianmeng.web.deps import Writer
from lianmeng.web.responses import FastJSONResponse

log = logging.getLogger(__name__)

CREATED = 201


@dataclass(frozen=True)
class OrderRequest:
    principal: Principal
    data: OrderCreate
    keyed: Keyed | None


@dataclass(frozen=True)
class Answer:
    """What the endpoint sends: status, JSON body, and whether it replays an Idempotency-Key's stored response."""

    status_code: int
    body: Any
    replayed: bool = False


Outcome = Answer | BaseException

_committers: dict[str, GroupCommitter[OrderRequest, Answer]] = {}
_committers_lock = threading.Lock()


def committer(database_url: str) -> GroupCommitter[OrderRequest, Answer] | None:
    """This process's group committer for orders on `database_url`; None when group commit is off."""
    settings = get_settings()
    if settings.group_commit_ms <= 0:
        return None
    with _committers_lock:
        found = _committers.get(database_url)
        if found is None:
            found = _committers[database_url] = GroupCommitter(
                window=settings.group_commit_ms / 1000, max_batch=settings.group_commit_max_batch)
        return found


REPORT_EVERY_S = 15.0
_reported = {"at": time.monotonic(), "batches": 0, "items": 0}


def record(session: Session, committer: GroupCommitter[OrderRequest, Answer], request: OrderRequest) -> Answer:
    """Record one order in a shared transaction; if this thread leads, the batch runs on `session`."""
    try:
        return committer.submit(request, lambda batch: record_batch(session, batch))
    finally:
        _report(committer)


def _report(committer: GroupCommitter[OrderRequest, Answer]) -> None:
    """Every 15 s at most, while orders flow: how many orders went through how many transactions lately."""
    now = time.monotonic()
    with _committers_lock:
        if now - _reported["at"] < REPORT_EVERY_S:
            return
        stats = committer.stats
        batches, items = stats.batches - _reported["batches"], stats.items - _reported["items"]
        _reported.update(at=now, batches=stats.batches, items=stats.items)
    if batches:
        log.info("group commit: %d orders in %d transactions (%.1f per transaction, largest %d)", items, batches,
                 items / batches, stats.largest)


def record_batch(session: Session, batch: Sequence[OrderRequest]) -> list[Outcome]:
    """One transaction for the whole batch; if it fails as a whole, one transaction per request."""
    try:
        with transaction(session):
            outcomes = _record(session, batch)
        return outcomes
    except Exception as failed:
        if len(batch) == 1:
            return [failed]
        log.warning("group commit of %d orders failed (%s); recording them one by one", len(batch),
                    type(failed).__name__)
    alone: list[Outcome] = []
    for request in batch:
        try:
            with transaction(session):
                own = _record(session, [request])
            alone += own
        except Exception as failed:
            alone.append(failed)
    return alone


def _record(session: Session, batch: Sequence[OrderRequest]) -> list[Outcome]:
    claims = idempotency_batch.claim_many(session, [r.keyed for r in batch])
    outcomes: list[Outcome | None] = [None] * len(batch)
    by_actor: dict[Principal, list[int]] = {}
    for i, claim in enumerate(claims):
        if isinstance(claim, StoredResponse):
            outcomes[i] = Answer(claim.status_code, claim.body, replayed=True)
        elif isinstance(claim, AppError):
            outcomes[i] = claim
        elif not isinstance(claim, SameAs):
            by_actor.setdefault(batch[i].principal, []).append(i)
    order_of: dict[int, int] = {}
    for actor, indexes in list(by_actor.items()):
        try:
            policy.require_staff_login(actor)  # what record_orders checks first, refused here for this caller alone
        except AppError as refused:
            for i in indexes:
                outcomes[i] = refused
            del by_actor[actor]
    for actor, indexes in by_actor.items():
        # An AppError raised here (not carried in a Recorded) refuses the whole call: it propagates, the batch
        # rolls back and each request is tried alone, where it becomes that request's own answer.
        recorded = service.record_orders(session, actor, [batch[i].data for i in indexes])
        for i, done in zip(indexes, recorded, strict=True):
            if done.error is not None:
                outcomes[i] = done.error
            else:
                assert done.order_id is not None
                order_of[i] = done.order_id
    orders = repository.orders_by_ids(session, sorted(set(order_of.values())))
    for i, order_id in order_of.items():
        outcomes[i] = Answer(CREATED, jsonable_encoder(OrderOut.model_validate(orders[order_id])))
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


def respond(writer: Writer, committer: GroupCommitter[OrderRequest, Answer], body: OrderCreate) -> JSONResponse:
    """The endpoint's answer, byte for byte what the one-transaction path (`Writer.run`) sends."""
    request = writer.request
    keyed = None if writer.key is None else Keyed(
        writer.principal.idempotency_scope, writer.key,
        idempotency.fingerprint(request.method, request.url.path, body.model_dump(mode="json")))
    answer = record(writer.session, committer, OrderRequest(writer.principal, body, keyed))
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return FastJSONResponse(answer.body, status_code=answer.status_code, headers=headers)
