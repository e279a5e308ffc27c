"""Delivery of one-time codes. Pluggable: set LIANMENG_OTP_SENDER to 'package.module:factory'.

The default writes to the outbox table, for a gateway worker to deliver; the log says only that a message to a
masked phone was queued, never its text. A code stays in the outbox body only until the message is delivered
(`mark_delivered`) or its code has expired (`redact_stale`); then the body is redacted."""

from __future__ import annotations

import importlib
import logging
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from lianmeng.auth.domain import redact_code
from lianmeng.auth.models import OutboxMessage
from lianmeng.config import get_settings
from lianmeng.kit import clock, crypto
from lianmeng.notifications.models import MemberMessage
from lianmeng.targeting.models import OfferRecipient

log = logging.getLogger("lianmeng.sender")
REDACTED = "【联盟】验证码短信(内容已清除)"


class Sender(Protocol):
    def send(self, session: Session, phone: str, body: str) -> None: ...


class OutboxSender:
    def send(self, session: Session, phone: str, body: str) -> None:
        message = OutboxMessage(
            channel="sms", recipient_enc=crypto.encrypt(phone), recipient_masked=crypto.mask_phone(phone),
            body=body, created_at=clock.now(),
        )
        session.add(message)
        session.flush()
        log.info("SMS %s to %s queued in the outbox", message.id, crypto.mask_phone(phone))


def get_sender() -> Sender:
    spec = get_settings().otp_sender
    if spec == "outbox":
        return OutboxSender()
    module_name, _, factory = spec.partition(":")
    sender: Sender = getattr(importlib.import_module(module_name), factory)()
    return sender


def _codes_only() -> ColumnElement[bool]:
    """The outbox also carries targeted offers (targeting/senders.py) and members' messages (notifications): they
    hold no code and are never redacted."""
    return ~exists().where(OfferRecipient.message_id == OutboxMessage.id) & \
        ~exists().where(MemberMessage.message_id == OutboxMessage.id)


def mark_delivered(session: Session, message: OutboxMessage) -> None:
    """The gateway has the message: note when, and keep no code in the outbox any longer."""
    now = clock.now()
    message.sent_at = message.sent_at or now
    if message.redacted_at is None:
        message.body = redact_code(message.body)
        message.redacted_at = now
    session.flush()


def redact_stale(session: Session, created_before: datetime) -> None:
    """Undelivered messages whose code has expired keep no code either."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.redacted_at.is_(None), OutboxMessage.created_at < created_before, _codes_only())
        .values(body=REDACTED, redacted_at=clock.now())
    )


def undelivered_for(session: Session, phone: str) -> OutboxMessage | None:
    """The newest message for this phone still waiting for delivery (development: `lianmeng otp peek`)."""
    masked = crypto.mask_phone(phone)
    candidates = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient_masked == masked, OutboxMessage.sent_at.is_(None),
               OutboxMessage.redacted_at.is_(None), _codes_only())
        .order_by(OutboxMessage.id.desc())
    )
    return next((m for m in candidates if crypto.decrypt(m.recipient_enc) == phone), None)


def redact_undelivered(session: Session, phone: str) -> None:
    """The phone's waiting messages hold codes that a newer one voids: they keep no code."""
    while (message := undelivered_for(session, phone)) is not None:
        message.body = REDACTED
        message.redacted_at = clock.now()
        session.flush()
