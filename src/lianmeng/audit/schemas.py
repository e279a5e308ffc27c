from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    """One event as the API shows it: `occurred_at` in UTC (ISO 8601); before/after already masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    merchant_id: int | None
    occurred_at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    actor_role: str
    action: str
    object_type: str
    object_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]
    client_address: str | None
    user_agent: str
