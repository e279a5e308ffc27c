"""Helpers of the audit tests: the trail as written, read straight from the table."""

from __future__ import annotations

from sqlalchemy import select

from lianmeng.audit.models import AuditEvent
from lianmeng.db import new_session
from tests.conftest import DATABASE_URL


def trail(action: str | None = None) -> list[AuditEvent]:
    """Every event (of `action`), oldest first."""
    session = new_session(DATABASE_URL)
    try:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        return list(session.scalars(stmt))
    finally:
        session.close()


def new_events(before: list[AuditEvent]) -> list[AuditEvent]:
    """The events written since `before` was read."""
    seen = {e.id for e in before}
    return [e for e in trail() if e.id not in seen]
