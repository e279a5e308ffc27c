"""The audit trail's one table, append-only (docs/audit.md).

The product only ever inserts into it; on PostgreSQL a trigger (created by migration 0037, and by `create_all`
through the listener below) refuses any UPDATE or DELETE, whoever sends it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class AuditEvent(Base):
    """One administrative action: who (the login or API key, with its role; never a member), when (UTC), from where
    (address, user agent), what (action, object) and the changed fields before and after, masked."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_alliance_occurred", "alliance_id", "occurred_at"),
        {"info": {"append_only": True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    merchant_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the acting merchant (its admins read)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(120), default="")


REFUSE_CHANGES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql
"""
REFUSE_CHANGES_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
)


def _refuse_changes(table: Any, connection: Connection, **_: Any) -> None:
    """`create_all` (tests, `lianmeng db create`) gets the same trigger as migration 0037."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(REFUSE_CHANGES_FUNCTION)
        connection.exec_driver_sql(REFUSE_CHANGES_TRIGGER)


event.listen(AuditEvent.__table__, "after_create", _refuse_changes)
