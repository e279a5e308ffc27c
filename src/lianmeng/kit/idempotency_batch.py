"""Idempotency-Key for a group-committed batch: the keys of every request in the batch are claimed, and their
responses stored, in the batch's ONE business transaction (kit/idempotency.py is the one-request path).

The guarantees of kit/idempotency.py hold, some more strongly:
* Keys are scoped to the caller; the same key with a different request gets 422 (`idempotency_mismatch`).
* The claim (`INSERT … ON CONFLICT DO NOTHING RETURNING`, all keys in one statement, in key order so two batches
  lock keys in the same order), the business write and the stored response commit together. A concurrent request
  with the same key waits on the unique index until this transaction ends, then replays the stored response (or,
  if this one rolled back, claims the key itself): no request ever sees a claim that outlives a failed write.
* A key completed earlier is replayed (its stored status and body, `Idempotent-Replayed: true`); a key held by a
  one-request claim still running gets 409 (`idempotency_in_progress`); such a claim gone stale is taken over.
* A request refused inside the batch releases its key in the same transaction (nothing stays behind), so the
  client can correct it and retry with the same key.
* The same key twice in one batch: the second is a retry of the first and gets its response as a replay (or 409
  if the first was refused, as a concurrent retry of a failed request would).
* Expired records are purged at most once a minute per process (not in every batch: that would make concurrent
  batches queue on the same expired rows).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lianmeng.config import get_settings
from lianmeng.db import in_keys, insert_many
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Invalid
from lianmeng.kit.idempotency import COMPLETED, PROCESSING, IdempotencyRecord, StoredResponse, valid_key

PURGE_EVERY_S = 60.0
_purged = {"at": float("-inf")}
_purge_lock = threading.Lock()


@dataclass(frozen=True)
class Keyed:
    """A request's Idempotency-Key, scoped to its caller, with the fingerprint of the request."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class SameAs:
    """This request repeats the key of an earlier request of the same batch (at `index`)."""

    index: int


Claim = int | StoredResponse | AppError | SameAs | None  # record id to complete | replay | refusal | repeat | no key


def claim_many(session: Session, requests: Sequence[Keyed | None]) -> list[Claim]:
    """Claim every key of the batch in the caller's (write) transaction; one outcome per request, in order."""
    claims: list[Claim] = [None] * len(requests)
    first: dict[tuple[str, str], int] = {}
    for i, keyed in enumerate(requests):
        if keyed is None:
            continue
        if not valid_key(keyed.key):
            claims[i] = AppError("idempotency_key_invalid", status_code=400)
            continue
        earlier = first.get((keyed.scope, keyed.key))
        if earlier is None:
            first[(keyed.scope, keyed.key)] = i
            continue
        same = requests[earlier]
        claims[i] = SameAs(earlier) if same is not None and same.fingerprint == keyed.fingerprint \
            else Invalid("idempotency_mismatch")
    if not first:
        return claims
    now = clock.now()
    _purge_now_and_then(session, now)
    expires = now + timedelta(hours=get_settings().idempotency_hours)
    ordered = sorted(first)
    rows = [{"scope": s, "key": k, "fingerprint": requests[first[(s, k)]].fingerprint,  # type: ignore[union-attr]
             "status": PROCESSING, "locked_at": now, "created_at": now, "expires_at": expires} for s, k in ordered]
    claimed = insert_many(session, IdempotencyRecord, rows, returning=("id", "scope", "key"),
                          skip_conflicts_on=("scope", "key"))
    for record_id, scope, key in claimed:
        claims[first.pop((scope, key))] = int(record_id)
    if first:
        _settle_taken(session, requests, first, claims, now)
    return claims


def _settle_taken(session: Session, requests: Sequence[Keyed | None], taken: Mapping[tuple[str, str], int],
                  claims: list[Claim], now: Any) -> None:
    """Keys another request holds or held: replay, 422, 409, or take over a stale one-request claim."""
    stale = now - timedelta(seconds=get_settings().idempotency_lock_seconds)
    found = {(r.scope, r.key): r for r in session.execute(
        select(IdempotencyRecord.id, IdempotencyRecord.scope, IdempotencyRecord.key, IdempotencyRecord.fingerprint,
               IdempotencyRecord.status, IdempotencyRecord.response_status, IdempotencyRecord.response_body,
               IdempotencyRecord.locked_at)
        .where(in_keys(session, (IdempotencyRecord.scope, IdempotencyRecord.key), taken))
    )}
    for scope_key, i in taken.items():
        existing, keyed = found.get(scope_key), requests[i]
        assert keyed is not None
        if existing is None:  # released by its holder between our insert and this read: let the client retry
            claims[i] = Conflict("idempotency_in_progress")
        elif existing.fingerprint != keyed.fingerprint:
            claims[i] = Invalid("idempotency_mismatch")
        elif existing.status == COMPLETED:
            claims[i] = StoredResponse(existing.response_status or 200, existing.response_body)
        elif existing.locked_at < stale and session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == existing.id, IdempotencyRecord.locked_at == existing.locked_at)
            .values(locked_at=now)
        ).rowcount == 1:  # type: ignore[attr-defined]
            claims[i] = int(existing.id)  # its first attempt died without releasing it
        else:
            claims[i] = Conflict("idempotency_in_progress")


def complete_many(session: Session, responses: Mapping[int, tuple[int, Any]]) -> None:
    """Store each claimed record's response in the batch's transaction (commits with the business write)."""
    if responses:
        session.execute(update(IdempotencyRecord), [
            {"id": record_id, "status": COMPLETED, "response_status": status, "response_body": body}
            for record_id, (status, body) in sorted(responses.items())])


def release_many(session: Session, record_ids: Sequence[int]) -> None:
    """Give back the keys of the batch's refused requests, in the batch's transaction."""
    if record_ids:
        session.execute(delete(IdempotencyRecord).where(
            in_keys(session, (IdempotencyRecord.id,), ((i,) for i in record_ids)),
            IdempotencyRecord.status == PROCESSING))


def _purge_now_and_then(session: Session, now: Any) -> None:
    with _purge_lock:
        if time.monotonic() - _purged["at"] < PURGE_EVERY_S:
            return
        _purged["at"] = time.monotonic()
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < now))
