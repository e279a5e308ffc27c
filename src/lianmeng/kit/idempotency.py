"""Idempotency-Key for creating requests (IETF httpapi draft, Stripe's practice).

* Keys are scoped to the caller (a user, an API key or a member): two callers never collide.
* The first request claims the key in its own short transaction ("processing"), committed before the business
  transaction begins on the same session and connection, so a concurrent retry sees it and gets 409 instead of
  running the write twice. A request never holds a second connection for the claim.
* The business write and the stored response commit in ONE transaction: after a crash either both exist
  or neither, and a retry replays the stored response byte for byte (with `Idempotent-Replayed: true`).
* The same key with a different request (method, path or body) gets 422.
* A request that fails releases its key so the client can correct it and retry with the same key.
* Records are kept for `LIANMENG_IDEMPOTENCY_HOURS` (default and minimum 24 hours), then purged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from lianmeng.config import get_settings
from lianmeng.db import Base, UTCDateTime, transaction
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Invalid

log = logging.getLogger(__name__)

PROCESSING = "processing"
COMPLETED = "completed"


class IdempotencyRecord(Base):
    __tablename__ = "platform_idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSON, nullable=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def valid_key(key: str) -> bool:
    return 0 < len(key) <= 255 and key.isprintable()


CLAIM_ATTEMPTS = 3


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def claim(session: Session, scope: str, key: str, fp: str) -> int | StoredResponse:
    """Claim `key` for this request in a short transaction of `session`'s own, committed here, before the business
    transaction begins on the same session (and so on the request's one connection).

    Returns the record id to complete later, or the stored response to replay. 409 while another request holds
    the key; 422 when the key was used for a different request."""
    if not valid_key(key):
        raise AppError("idempotency_key_invalid", status_code=400)
    settings = get_settings()
    for _ in range(CLAIM_ATTEMPTS):
        now = clock.now()
        with transaction(session) as claiming:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < now))
            # ON CONFLICT waits for a concurrent claim of the same key to commit or roll back, then skips the row.
            claimed = session.scalar(
                _insert(session)(IdempotencyRecord)
                .values(scope=scope, key=key, fingerprint=fp, status=PROCESSING, locked_at=now, created_at=now,
                        expires_at=now + timedelta(hours=settings.idempotency_hours))
                .on_conflict_do_nothing(index_elements=["scope", "key"])
                .returning(IdempotencyRecord.id)
            )
            if claimed is not None:
                return int(claimed)
            existing = session.execute(
                select(IdempotencyRecord.id, IdempotencyRecord.fingerprint, IdempotencyRecord.status,
                       IdempotencyRecord.response_status, IdempotencyRecord.response_body,
                       IdempotencyRecord.locked_at)
                .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            ).one_or_none()
            if existing is None:
                continue  # the holder failed and released the key between our insert and this read: claim again
            if existing.fingerprint != fp:
                raise Invalid("idempotency_mismatch")
            if existing.status == COMPLETED:
                claiming.discard()
                return StoredResponse(existing.response_status or 200, existing.response_body)
            stale = now - timedelta(seconds=settings.idempotency_lock_seconds)
            if existing.locked_at < stale:
                # The first attempt died without releasing its key: take it over, but only one retry may win.
                taken = session.execute(
                    update(IdempotencyRecord)
                    .where(IdempotencyRecord.id == existing.id, IdempotencyRecord.locked_at == existing.locked_at)
                    .values(locked_at=now)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    return int(existing.id)
            else:
                claiming.discard()
        raise Conflict("idempotency_in_progress")
    raise Conflict("idempotency_in_progress")  # claimed and released by others again and again: let the client retry


def complete(session: Session, record_id: int, status_code: int, body: Any) -> None:
    """Store the response inside the request's own transaction (commits with the business write)."""
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(status=COMPLETED, response_status=status_code, response_body=body)
    )


def release(session: Session, record_id: int) -> None:
    """Give the key back after a failed request (its business transaction rolled back), so a corrected retry
    may use it. If even that fails, the claim goes stale after `idempotency_lock_seconds` and is taken over."""
    try:
        with transaction(session):
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id,
                                                            IdempotencyRecord.status == PROCESSING))
    except SQLAlchemyError:
        log.warning("could not release idempotency record %s; it will go stale", record_id, exc_info=True)


def run_once(
    session: Session,
    scope: str,
    key: str | None,
    fp: str,
    action: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run `action` (which writes through `session`) exactly once per (scope, key); commit.

    Everything runs on `session`, one transaction after another: with a key, the claim commits first (so a
    concurrent retry sees it), then the business write and the stored response commit together.
    Returns (status code, JSON body, replayed?)."""
    if key is None:
        with transaction(session):
            status_code, body = action()
        return status_code, body, False
    claimed = claim(session, scope, key, fp)
    if isinstance(claimed, StoredResponse):
        return claimed.status_code, claimed.body, True
    try:
        with transaction(session):
            status_code, body = action()
            complete(session, claimed, status_code, body)
    except BaseException:
        release(session, claimed)
        raise
    return status_code, body, False
