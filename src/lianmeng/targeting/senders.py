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

from sqlalchemy.orm import Session

from lianmeng.config import get_settings
from lianmeng.kit import clock
from lianmeng.targeting import bulk

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
        by_channel: dict[str, list[OfferMessage]] = {}
        for message in messages:
            by_channel.setdefault(message.channel, []).append(message)
        out: list[Delivery] = []
        for channel, batch in by_channel.items():
            ids = bulk.insert_messages(session, channel, clock.now(), [m.phone_enc for m in batch],
                                       [m.phone_masked for m in batch], [m.body for m in batch])
            for message, message_id in zip(batch, ids, strict=True):
                log.info("offer message %s (%s) to %s queued in the outbox", message_id, channel,
                         message.phone_masked)
                out.append(Delivery(message.recipient_id, message_id))
        return out


def get_sender(channel: str) -> Sender:
    spec = get_settings().offer_senders.get(channel, "outbox")
    if spec == "outbox":
        return OutboxSender()
    module_name, _, factory = spec.partition(":")
    sender: Sender = getattr(importlib.import_module(module_name), factory)()
    return sender
