"""Use cases of the audit trail: `record` (the one hook every audited service calls, inside the caller's unit of
work, so a refused or rolled-back action leaves no row) and the scoped reads behind the page, the API and the
export.

Hooking here, and not in a door, means the API, the console pages and the CLI are audited alike. A service
calls, after its change is made and before it returns:

    audit.record(session, actor, AuditAction.AGREEMENT_ACCEPT, agreement.id, alliance_id=agreement.alliance_id,
                 before={"status": "proposed"}, after={"status": "accepted"})
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lianmeng.audit import context, repository
from lianmeng.audit.domain import (
    ACTOR_API_KEY,
    ACTOR_NAME_LENGTH,
    ACTOR_SYSTEM,
    ACTOR_USER,
    AuditAction,
    ObjectType,
    changed,
    masked,
)
from lianmeng.audit.errors import Problem
from lianmeng.audit.models import AuditEvent
from lianmeng.auth.domain import Role
from lianmeng.kit import clock
from lianmeng.kit.errors import Invalid
from lianmeng.kit.exports import Column, Sheet
from lianmeng.kit.vocab import label_of
from lianmeng.tenancy import Principal, policy

log = logging.getLogger(__name__)


def _actor_kind(actor: Principal) -> str:
    return actor.kind if actor.kind in (ACTOR_USER, ACTOR_API_KEY) else ACTOR_SYSTEM


def record(
    session: Session, actor: Principal, action: AuditAction, object_id: int | None, *, alliance_id: int | None = None,
    before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None, only_changes: bool = False,
) -> AuditEvent | None:
    """Append one event in the caller's transaction (flushed with it, committed or rolled back with it).

    The event belongs to `alliance_id` (the object's), else the actor's. An action with neither (a platform
    admin's own login: platform admins belong to no alliance) is only logged, never kept: the table is per
    alliance (the shard rule). `only_changes` keeps only the fields whose value differs between before and after.
    """
    alliance = alliance_id if alliance_id is not None else actor.alliance_id
    if alliance is None:
        log.info("audit: %s by %s:%s has no alliance; not kept", action.value, actor.kind, actor.id)
        return None
    old, new = changed(before or {}, after or {}) if only_changes else (dict(before or {}), dict(after or {}))
    if only_changes and not old and not new:
        return None  # nothing changed: nothing to record
    origin = context.current()
    row = AuditEvent(
        alliance_id=alliance, merchant_id=actor.merchant_id if actor.is_merchant_side else None,
        occurred_at=clock.now(), actor_kind=_actor_kind(actor), actor_id=actor.id if actor.kind != "system" else None,
        actor_name=(actor.label or actor.kind)[:ACTOR_NAME_LENGTH], actor_role=actor.role.value,
        action=action.value, object_type=action.object_type, object_id=object_id, before=masked(old),
        after=masked(new), client_address=origin.address, user_agent=origin.user_agent,
    )
    session.add(row)
    session.flush()
    return row


def record_failed_login(session: Session, username: str, user_id: int, alliance_id: int | None,
                        merchant_id: int | None, role: str, reason: str) -> AuditEvent | None:
    """A refused password login of a known login (its alliance's trail). Written in the unit of work that keeps
    the failed-attempt count (`UnitOfWork.keeping_refusal`). An unknown username has no alliance: it is counted by
    the login throttle only, and logged."""
    if alliance_id is None:
        log.info("audit: failed login for a name without an alliance; not kept")
        return None
    origin = context.current()
    row = AuditEvent(
        alliance_id=alliance_id, merchant_id=merchant_id, occurred_at=clock.now(),
        actor_kind=ACTOR_USER, actor_id=user_id,
        actor_name=username[:ACTOR_NAME_LENGTH], actor_role=role, action=AuditAction.LOGIN_FAILED.value,
        object_type=AuditAction.LOGIN_FAILED.object_type, object_id=user_id, before={},
        after=masked({"reason": reason}), client_address=origin.address, user_agent=origin.user_agent,
    )
    session.add(row)
    session.flush()
    return row


# --- reads ------------------------------------------------------------------------------------------------------


EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(9000, 12, 31)


def _day_start(day: date) -> datetime:
    """The start of a Beijing calendar day, as a UTC moment (the filters speak in the reader's days)."""
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def events(p: Principal, filters: repository.Filters) -> Select[Any]:
    """The events `p` may read (tenancy/policy.audit_events), filtered, newest first."""
    return repository.events(policy.audit_events(p), filters)


def filters_of(*, alliance_id: int | None = None, actor: str | None = None, action: str | None = None,
               object_type: str | None = None, object_id: int | None = None, date_from: date | None = None,
               date_to: date | None = None) -> repository.Filters:
    """The reader's filters; dates are Beijing calendar days, both included (422 when the range is backwards)."""
    if date_from and date_to and date_to < date_from:
        raise Invalid(Problem.AUDIT_DATE_RANGE, details={"date_to": "before date_from"})
    # days outside any trail are clamped, so that a year 1 or 9999 never overflows the UTC conversion
    date_from = min(max(date_from, EARLIEST_DAY), LATEST_DAY) if date_from else None
    date_to = min(max(date_to, EARLIEST_DAY), LATEST_DAY) if date_to else None
    return repository.Filters(
        alliance_id=alliance_id, actor=(actor or "").strip() or None, action=action or None,
        object_type=object_type or None, object_id=object_id,
        since=_day_start(date_from) if date_from else None,
        until=_day_start(date_to + timedelta(days=1)) if date_to else None,
    )


EXPORT_LIMIT = 50_000
COLUMNS = (
    Column("occurred_at", "时间(北京时间)", "Time (Beijing)"),
    Column("actor", "操作人", "Actor"),
    Column("role", "角色", "Role"),
    Column("action", "操作", "Action"),
    Column("object", "对象", "Object"),
    Column("before", "修改前", "Before"),
    Column("after", "修改后", "After"),
    Column("client_address", "来源地址", "From address"),
    Column("user_agent", "客户端", "User agent"),
)


def sheet(session: Session, p: Principal, filters: repository.Filters, lang: str) -> Sheet:
    """The filtered events as a sheet (kit/exports.py), newest first; 422 past EXPORT_LIMIT rows (narrow it)."""
    stmt = events(p, filters)
    if repository.count(session, stmt) > EXPORT_LIMIT:
        raise Invalid(Problem.AUDIT_EXPORT_TOO_LARGE, limit=EXPORT_LIMIT)
    rows = [
        {"occurred_at": clock.format_local(e.occurred_at), "actor": f"{e.actor_name} ({e.actor_kind}:{e.actor_id})",
         "role": label_of(Role, e.actor_role, lang), "action": label_of(AuditAction, e.action, lang),
         "object": f"{label_of(ObjectType, e.object_type, lang)} #{e.object_id or ''}",
         "before": repository.as_text(e.before), "after": repository.as_text(e.after),
         "client_address": e.client_address or "", "user_agent": e.user_agent}
        for e in repository.first(session, stmt, EXPORT_LIMIT)
    ]
    since = clock.format_local(filters.since)[:10] if filters.since else "…"
    until = clock.format_local(filters.until - timedelta(days=1))[:10] if filters.until else "…"
    return Sheet("审计日志 Audit trail", f"{since} – {until}", COLUMNS, rows)
