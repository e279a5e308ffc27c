"""All queries of the audit trail. Reads are scoped by the caller's policy clause (tenancy/policy.audit_events);
there is no update or delete here, by design: the trail is append-only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from lianmeng.audit.models import AuditEvent


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the trail to; None means any."""

    alliance_id: int | None = None
    actor: str | None = None  # a login name (exact) or "kind:id", e.g. "user:7", "api_key:3"
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC


def _actor_clause(actor: str) -> ColumnElement[bool]:
    kind, _, raw_id = actor.partition(":")
    if raw_id.isdigit() and kind in ("user", "api_key", "system"):
        return (AuditEvent.actor_kind == kind) & (AuditEvent.actor_id == int(raw_id))
    return AuditEvent.actor_name == actor


def events(scope: ColumnElement[bool], filters: Filters) -> Select[Any]:
    stmt = select(AuditEvent).where(scope)
    if filters.alliance_id is not None:
        stmt = stmt.where(AuditEvent.alliance_id == filters.alliance_id)
    if filters.actor:
        stmt = stmt.where(_actor_clause(filters.actor))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < filters.until)
    return stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def count(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def first(session: Session, stmt: Select[Any], limit: int) -> Sequence[AuditEvent]:
    return session.scalars(stmt.limit(limit)).all()


def as_text(values: dict[str, Any]) -> str:
    """A before/after as one line a spreadsheet cell holds: compact JSON, Chinese kept readable."""
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if values else ""
