"""Targeted offers' send rate: `time_send(database_url, recipients)` builds its own data (one alliance, a sender
and a partner with an active agreement, the partner's coupon template, `recipients` consented members of the
sender in one audience), schedules one offer with no holdout, and times the send job until every recipient has a
coupon and an outbox message: assignment (one bulk INSERT of the recipients) and the batches (each its own
transaction: the batch's members, their recent offers, one INSERT of coupons, one of outbox messages, one UPDATE
of the recipients). PostgreSQL; the database is wiped and migrated, so its name must contain 'bench'.

The issue's goal: `send_per_s` ≥ 2,000 at 100,000 recipients (`lianmeng bench targeting` reports it)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.alliances.models import Alliance
from lianmeng.audiences.models import Audience
from lianmeng.auth.models import OutboxMessage
from lianmeng.bench.settle import prepare_database
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.db import new_session, unit_of_work
from lianmeng.kit import crypto
from lianmeng.kit.clock import SHANGHAI
from lianmeng.merchants.models import Merchant
from lianmeng.targeting import sending
from lianmeng.targeting.domain import OfferStatus, RecipientStatus
from lianmeng.targeting.models import OfferRecipient, TargetedOffer

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench_targeting"
DEFAULT_RECIPIENTS = 100_000


def _load(session: Session, recipients: int, at: datetime) -> int:
    """The scene, set-based; returns the offer's id."""
    alliance = Alliance(code="bench-targeting", name="定向推荐基准联盟")
    session.add(alliance)
    session.flush()
    sender = Merchant(alliance_id=alliance.id, name="发送商户", industry="auto_service")
    partner = Merchant(alliance_id=alliance.id, name="伙伴健身房", industry="fitness")
    session.add_all([sender, partner])
    session.flush()
    agreement = Agreement(alliance_id=alliance.id, title="bench", merchant_a_id=sender.id, merchant_b_id=partner.id,
                          valid_from=date(2020, 1, 1), status="active")
    session.add(agreement)
    session.flush()
    template = CouponTemplate(alliance_id=alliance.id, owner_merchant_id=partner.id, name="体验课", kind="free_item",
                              item_value_fen=19_900, agreement_id=agreement.id, valid_days=30)
    audience = Audience(alliance_id=alliance.id, merchant_id=sender.id, name="bench")
    session.add_all([template, audience])
    session.flush()
    session.execute(text(
        "INSERT INTO members (alliance_id, card_no, qr_version, phone_enc, phone_hash, phone_masked, gender, status,"
        " consent_marketing, consent_data_sharing, offers_refused, origin_merchant_id, created_at, updated_at)"
        " SELECT :alliance, 'B' || lpad(g::text, 12, '0'), 1, :enc, 'h' || g, '139****' || lpad((g % 10000)::text,"
        " 4, '0'), 'undisclosed', 'active', true, false, false, :sender, :at, :at"
        " FROM generate_series(1, :n) AS g"),
        {"alliance": alliance.id, "enc": crypto.encrypt("13900000000"), "sender": sender.id, "at": at,
         "n": recipients})
    session.execute(text("ANALYZE members"))
    offer = TargetedOffer(alliance_id=alliance.id, merchant_id=sender.id, partner_merchant_id=partner.id,
                          template_id=template.id, agreement_id=agreement.id, audience_id=audience.id, name="bench",
                          message="合作伙伴健身房送您一次免费体验课", channel="sms", scheduled_at=at, holdout_bp=0,
                          random_arm=False, seed="bench", attribution_days=30, status=OfferStatus.SCHEDULED.value)
    session.add(offer)
    session.flush()
    return offer.id


def time_send(database_url: str = DEFAULT_URL, recipients: int = DEFAULT_RECIPIENTS,
              batch: int = sending.DEFAULT_BATCH, *, prepare: bool = True) -> dict[str, Any]:
    """Build (in a wiped database unless `prepare` is False), send, verify; returns {"send_per_s", "sent",
    "assign_s", "send_s", "batches"}."""
    if prepare:
        prepare_database(database_url)
    at = datetime.combine(date.today(), datetime.min.time(), tzinfo=SHANGHAI).replace(hour=12).astimezone(UTC)
    with unit_of_work(database_url) as session:
        offer_id = _load(session, recipients, at)
    started = time.perf_counter()
    with unit_of_work(database_url) as session:
        assigned = sending.send_due(session, at, batch).assigned
    assigned_at = time.perf_counter()
    sent = batches = 0
    while True:
        with unit_of_work(database_url) as session:
            step = sending.send_due(session, at, batch)
        if not step.did_something:
            break
        sent += step.sent
        batches += step.sent > 0  # the last step marks the offer finished
    done = time.perf_counter()
    session = new_session(database_url)
    try:
        counted = {
            "recipients_sent": session.scalar(select(func.count()).select_from(OfferRecipient).where(
                OfferRecipient.offer_id == offer_id, OfferRecipient.status == RecipientStatus.SENT.value)),
            "coupons": session.scalar(select(func.count()).select_from(Coupon)),
            "outbox": session.scalar(select(func.count()).select_from(OutboxMessage)),
            "status": session.scalar(select(TargetedOffer.status).where(TargetedOffer.id == offer_id)),
        }
    finally:
        session.close()
    if not (assigned == sent == recipients == counted["recipients_sent"] == counted["coupons"] == counted["outbox"]
            and counted["status"] == OfferStatus.FINISHED.value):
        raise RuntimeError(f"bench targeting: the send is incomplete: {assigned=} {sent=} {counted}")
    send_s = done - assigned_at
    return {"send_per_s": round(sent / (done - started), 1), "sent": sent,
            "send_only_per_s": round(sent / send_s, 1) if send_s else None,
            "assign_s": round(assigned_at - started, 3), "send_s": round(send_s, 3), "batches": batches}
