"""Senders are plugged per channel by setting; a sender may refuse single messages, which alone are retried."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from lianmeng.db import unit_of_work
from lianmeng.targeting import senders, sending
from lianmeng.targeting.senders import Delivery, OfferMessage, OutboxSender
from tests.conftest import World
from tests.integration.targeting import helpers
from tests.integration.targeting.helpers import NOON
from tests.integration.targeting.test_sending import create, recipients


class Picky:
    """A gateway that delivers at once, except to every other message."""

    def __init__(self) -> None:
        self.seen: list[OfferMessage] = []

    def send(self, session: Session, messages: Sequence[OfferMessage]) -> list[Delivery]:
        self.seen.extend(messages)
        return [Delivery(m.recipient_id, delivered=True) if i % 2 == 0 else Delivery(m.recipient_id, error="busy")
                for i, m in enumerate(messages)]


def make_picky() -> Picky:
    return Picky()


def test_a_channel_sender_is_plugged_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    plugged = {"wechat": f"{__name__}:make_picky"}
    monkeypatch.setattr(senders, "get_settings", lambda: SimpleNamespace(offer_senders=plugged))
    assert isinstance(senders.get_sender("wechat"), Picky)
    assert isinstance(senders.get_sender("sms"), OutboxSender)


def test_refused_messages_alone_are_retried(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a, members=3)
    offer_id = create(world, st, holdout_bp=0, channel="wechat")
    picky = Picky()
    with unit_of_work(db_url) as s:
        sending.send_due(s, NOON)
    with unit_of_work(db_url) as s:
        step = sending.send_due(s, NOON, senders={"wechat": picky})
    assert (step.sent, step.retrying) == (2, 2)
    rows = recipients(db_url, offer_id)
    assert Counter(r.status for r in rows) == {"sent": 2, "pending": 2}
    assert all(r.delivered_at == NOON and r.message_id is None and r.coupon_id for r in rows if r.status == "sent")
    assert all(r.coupon_id is None and r.token is None and r.attempts == 1 for r in rows if r.status == "pending")
    assert {m.channel for m in picky.seen} == {"wechat"} and all("/o/" in m.body for m in picky.seen)
    assert all(m.phone_masked.count("*") == 4 and not m.phone_enc.isdigit() for m in picky.seen)
