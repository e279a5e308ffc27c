from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class SegmentShare(Base):
    """A de-identified segment report one merchant shared with a partner: the query (audience rules), the
    suppressed aggregates as computed at share time (the partner reads this snapshot, never live data), and the
    audit facts: who shared, to whom, when. Append-only; a share can be withdrawn (withdrawn_at), not edited."""

    __tablename__ = "segment_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    from_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    to_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    title: Mapped[str] = mapped_column(String(120))
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    k: Mapped[int] = mapped_column(Integer, default=10)
    shared_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
