"""Queries of notifications: every read is scoped to the caller's own login (or member), so a person only ever
sees their own; another's id answers 404 exactly like a missing one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lianmeng.notifications.models import MemberMessage, MemberMessageOptOut, Notification, NotificationOptOut
from lianmeng.tenancy.scoped import get_scoped

MAX_LISTED = 200


def staff_opt_outs(session: Session, user_ids: Iterable[int]) -> list[tuple[int, str]]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    rows = session.execute(select(NotificationOptOut.user_id, NotificationOptOut.kind)
                           .where(NotificationOptOut.user_id.in_(ids)))
    return [(user_id, kind) for user_id, kind in rows]


def turned_off_by_user(session: Session, user_id: int) -> set[str]:
    return {kind for _, kind in staff_opt_outs(session, [user_id])}


def set_user_opt_outs(session: Session, user_id: int, kinds: set[str], at: datetime) -> None:
    current = turned_off_by_user(session, user_id)
    if current - kinds:
        session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id,
                                                         NotificationOptOut.kind.in_(sorted(current - kinds))))
    for kind in sorted(kinds - current):
        session.add(NotificationOptOut(user_id=user_id, kind=kind, created_at=at))
    session.flush()


def turned_off_by_member(session: Session, alliance_id: int, member_id: int) -> set[str]:
    return set(session.scalars(select(MemberMessageOptOut.kind).where(MemberMessageOptOut.alliance_id == alliance_id,
                                                                      MemberMessageOptOut.member_id == member_id)))


def set_member_opt_outs(session: Session, alliance_id: int, member_id: int, kinds: set[str], at: datetime) -> None:
    current = turned_off_by_member(session, alliance_id, member_id)
    if current - kinds:
        session.execute(delete(MemberMessageOptOut).where(MemberMessageOptOut.member_id == member_id,
                                                          MemberMessageOptOut.kind.in_(sorted(current - kinds))))
    for kind in sorted(kinds - current):
        session.add(MemberMessageOptOut(alliance_id=alliance_id, member_id=member_id, kind=kind, created_at=at))
    session.flush()


def list_for_user(session: Session, user_id: int, *, unread_only: bool = False,
                  limit: int = MAX_LISTED) -> list[Notification]:
    """The login's notifications, unread first, newest first within each."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.read_at.is_not(None), Notification.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def unread_count(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


def get_own(session: Session, user_id: int, notification_id: int, *, lock: bool = False) -> Notification:
    """404 for another login's notification, the same as for a missing one."""
    return get_scoped(session, Notification, notification_id, Notification.user_id == user_id, "notification",
                      lock=lock)


def mark_all_read(session: Session, user_id: int, at: datetime) -> int:
    result = session.execute(update(Notification).where(Notification.user_id == user_id,
                                                        Notification.read_at.is_(None)).values(read_at=at))
    return int(getattr(result, "rowcount", 0) or 0)


def batches_sent(session: Session, kind: str, member_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(member id, batch) of the messages of this kind already made for these members."""
    ids = sorted(set(member_ids))
    if not ids:
        return set()
    rows = session.execute(select(MemberMessage.member_id, MemberMessage.batch).where(
        MemberMessage.kind == kind, MemberMessage.member_id.in_(ids)))
    return {(m, b) for m, b in rows}


def messages_of(session: Session, member_id: int) -> list[MemberMessage]:
    return list(session.scalars(select(MemberMessage).where(MemberMessage.member_id == member_id)
                                .order_by(MemberMessage.id)))
