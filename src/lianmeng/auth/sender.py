"""Delivery of one-time codes. Pluggable: set LIANMENG_OTP_SENDER to 'package.module:factory'.

The default writes to the outbox table (for a gateway worker to deliver) and to the log, masked."""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from sqlalchemy.orm import Session

from lianmeng.auth.models import OutboxMessage
from lianmeng.config import get_settings
from lianmeng.kit import clock, crypto

log = logging.getLogger("lianmeng.sender")


class Sender(Protocol):
    def send(self, session: Session, phone: str, body: str) -> None: ...


class OutboxSender:
    def send(self, session: Session, phone: str, body: str) -> None:
        session.add(
            OutboxMessage(
                channel="sms", recipient_enc=crypto.encrypt(phone), recipient_masked=crypto.mask_phone(phone),
                body=body, created_at=clock.now(),
            )
        )
        log.info("SMS to %s queued in outbox: %s", crypto.mask_phone(phone), body)


def get_sender() -> Sender:
    spec = get_settings().otp_sender
    if spec == "outbox":
        return OutboxSender()
    module_name, _, factory = spec.partition(":")
    sender: Sender = getattr(importlib.import_module(module_name), factory)()
    return sender
