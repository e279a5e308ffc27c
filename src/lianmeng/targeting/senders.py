"""How a targeted offer's message leaves the building: one sender per channel (sms, wechat, push), pluggable.

Set LIANMENG_OFFER_SENDERS to a JSON object mapping a channel to 'package.module:factory'; the factory returns a
`Sender`. A channel without one uses `OutboxSender`, which writes the messages to the outbox table (for a gateway
worker to deliver) and logs only the masked phone. A sender gets a whole batch and answers per message, so a
gateway with a batch API sends a batch in one call; a message it could not send is retried later (domain.py)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from lianmeng.auth.models import OutboxMessage
from lianmeng.config import get_settings
from lianmeng.kit import clock

log = logging.getLogger("lianmeng.targeting.sender")


@dataclass(frozen=True)
class OfferMessage:
    """One message: the member's phone as stored (encrypted, and masked for display), never in clear."""

    recipient_id: int
    channel: str
    phone_enc: str
    phone_masked: str
    body: str


@dataclass(frozen=True)
class Delivery:
    """A sender's answer for one message: queued (message_id of the outbox row, if any), delivered already (a
    gateway that confirms at once), or failed with an error to log."""

    recipient_id: int
    message_id: int | None = None
    delivered: bool = False
    error: str | None = None


class Sender(Protocol):
    def send(self, session: Session, messages: Sequence[OfferMessage]) -> list[Delivery]: ...


class OutboxSender:
    """The default: one bulk INSERT into the outbox per batch, in the batch's own transaction."""

    def send(self, session: Session, messages: Sequence[OfferMessage]) -> list[Delivery]:
        if not messages:
            return []
        now = clock.now()
        ids = session.scalars(
            insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
            [{"channel": m.channel, "recipient_enc": m.phone_enc, "recipient_masked": m.phone_masked,
              "body": m.body, "created_at": now} for m in messages],
        ).all()
        for message, message_id in zip(messages, ids, strict=True):
            log.info("offer message %s (%s) to %s queued in the outbox", message_id, message.channel,
                     message.phone_masked)
        return [Delivery(m.recipient_id, message_id) for m, message_id in zip(messages, ids, strict=True)]


def get_sender(channel: str) -> Sender:
    spec = get_settings().offer_senders.get(channel, "outbox")
    if spec == "outbox":
        return OutboxSender()
    module_name, _, factory = spec.partition(":")
    sender: Sender = getattr(importlib.import_module(module_name), factory)()
    return sender
