from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class ProfileEdit(Base):
    """One save of a member's profile by a merchant's staff that changed something: who, when, which fields
    (comma-separated `domain.ProfileField` codes) and the score before and after. Append-only: the leaderboard's
    "records improved this week" and "most records in half an hour" are counted from it."""

    __tablename__ = "profile_edits"
    __table_args__ = (Index("ix_profile_edits_merchant_at", "merchant_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    fields: Mapped[str] = mapped_column(String(120))
    score_before: Mapped[int] = mapped_column(Integer)
    score_after: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
