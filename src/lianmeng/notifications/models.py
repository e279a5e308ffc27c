from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class Notification(Base):
    """One line in a console login's notification centre, created in the transaction of its cause. `params` holds
    names and amounts (never a customer's phone, hash or member id); the text is made in the reader's language."""

    __tablename__ = "platform_notifications"
    __table_args__ = (Index("ix_platform_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int | None] = mapped_column(ForeignKey("alliances.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("platform_users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationOptOut(Base):
    """A console login turned a kind off."""

    __tablename__ = "platform_notification_opt_outs"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("platform_users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberMessage(Base):
    """A message to a member, queued through the outbox senders. `batch` makes it once: one message per member,
    kind and batch (a coupon's id, an expiry date, a rebate's id). `message_id`: its outbox row, when the sender
    is the outbox."""

    __tablename__ = "member_messages"
    __table_args__ = (UniqueConstraint("member_id", "kind", "batch", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    batch: Mapped[str] = mapped_column(String(80))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("platform_outbox_messages.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberMessageOptOut(Base):
    """A member turned a message kind off."""

    __tablename__ = "member_message_opt_outs"
    __table_args__ = (UniqueConstraint("member_id", "kind", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
