"""The send job's bulk writes, with a PostgreSQL fast path (principle 8: behind a dialect check, the same tests on
both databases). On PostgreSQL a batch's varying columns travel as a few ARRAY parameters unnested by the server
(`INSERT … SELECT … FROM unnest(…)`, `= ANY(…)`), so a 1,000-row batch is a short statement with a handful of
parameters instead of thousands; ids are reserved from the table's sequence first, so no RETURNING order is
relied upon. SQLite takes the portable ORM path (one writer, no network)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from lianmeng.auth.models import OutboxMessage
from lianmeng.coupons.models import Coupon
from lianmeng.targeting.models import OfferRecipient


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(session: Session, column: InstrumentedAttribute[Any], values: Collection[Any], *,
          strings: bool = False) -> ColumnElement[bool]:
    """`column IN values`: one array parameter on PostgreSQL, an expanded IN elsewhere."""
    if is_postgres(session):
        array = bindparam(None, list(values), type_=ARRAY(String() if strings else Integer()))
        return column == any_(array)
    return column.in_(list(values))


def _reserve(session: Session, table: str, n: int) -> list[int]:
    return list(session.scalars(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                                     "FROM generate_series(1, :n)"), {"n": n}))


def insert_coupons(session: Session, common: dict[str, Any], member_ids: Sequence[int],
                   codes: Sequence[str]) -> list[int]:
    """One coupon per member (with its code), the other columns the same for all; returns their ids in order."""
    if not member_ids:
        return []
    if not is_postgres(session):
        return list(session.scalars(insert(Coupon).returning(Coupon.id, sort_by_parameter_order=True),
                                    [{**common, "member_id": m, "code": c} for m, c in zip(member_ids, codes,
                                                                                           strict=True)]))
    ids = _reserve(session, "coupons", len(member_ids))
    session.execute(text(
        "INSERT INTO coupons (id, alliance_id, template_id, member_id, code, issued_at, claimed_at, valid_from,"
        " valid_until, uses_left, referrer_merchant_id, target_merchant_id)"
        " SELECT u.id, :alliance_id, :template_id, u.member_id, u.code, :issued_at, NULL, :valid_from,"
        " CAST(:valid_until AS timestamptz), :uses_left, :referrer_merchant_id, :target_merchant_id"
        " FROM unnest(CAST(:ids AS integer[]), CAST(:members AS integer[]), CAST(:codes AS varchar[]))"
        " AS u(id, member_id, code)"),
        {**common, "ids": ids, "members": list(member_ids), "codes": list(codes)})
    return ids


def insert_messages(session: Session, channel: str, created_at: datetime, encrypted: Sequence[str],
                    masked: Sequence[str], bodies: Sequence[str]) -> list[int]:
    """Outbox rows, one per message; returns their ids in order."""
    if not bodies:
        return []
    if not is_postgres(session):
        return list(session.scalars(
            insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
            [{"channel": channel, "recipient_enc": e, "recipient_masked": m, "body": b, "created_at": created_at}
             for e, m, b in zip(encrypted, masked, bodies, strict=True)]))
    ids = _reserve(session, "platform_outbox_messages", len(bodies))
    session.execute(text(
        "INSERT INTO platform_outbox_messages (id, channel, recipient_enc, recipient_masked, body, created_at)"
        " SELECT u.id, :channel, u.enc, u.masked, u.body, :created_at"
        " FROM unnest(CAST(:ids AS integer[]), CAST(:enc AS varchar[]), CAST(:masked AS varchar[]),"
        " CAST(:bodies AS text[])) AS u(id, enc, masked, body)"),
        {"ids": ids, "channel": channel, "created_at": created_at, "enc": list(encrypted), "masked": list(masked),
         "bodies": list(bodies)})
    return ids


def mark_sent(session: Session, rows: list[dict[str, Any]], at: datetime) -> None:
    """The recipients sent to: id, token, coupon_id, message_id, attempts, delivered (bool) each."""
    if not rows:
        return
    if not is_postgres(session):
        session.execute(update(OfferRecipient), [
            {"id": r["id"], "status": "sent", "sent_at": at, "token": r["token"], "coupon_id": r["coupon_id"],
             "message_id": r["message_id"], "attempts": r["attempts"], "next_attempt_at": None,
             "delivered_at": at if r["delivered"] else None} for r in rows])
        return
    session.execute(text(
        "UPDATE offer_recipients AS r SET status = 'sent', sent_at = :at, token = u.token, coupon_id = u.coupon_id,"
        " message_id = u.message_id, attempts = u.attempts, next_attempt_at = NULL,"
        " delivered_at = CASE WHEN u.delivered THEN CAST(:at AS timestamptz) END"
        " FROM unnest(CAST(:ids AS integer[]), CAST(:tokens AS varchar[]), CAST(:coupons AS integer[]),"
        " CAST(:messages AS integer[]), CAST(:attempts AS integer[]), CAST(:delivered AS boolean[]))"
        " AS u(id, token, coupon_id, message_id, attempts, delivered) WHERE r.id = u.id"),
        {"at": at, "ids": [r["id"] for r in rows], "tokens": [r["token"] for r in rows],
         "coupons": [r["coupon_id"] for r in rows], "messages": [r["message_id"] for r in rows],
         "attempts": [r["attempts"] for r in rows], "delivered": [bool(r["delivered"]) for r in rows]})


def codes_taken(session: Session, codes: Collection[str]) -> set[str]:
    return set(session.scalars(select(Coupon.code).where(among(session, Coupon.code, codes, strings=True))))
