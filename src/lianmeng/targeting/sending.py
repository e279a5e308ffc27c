"""The send job, one step at a time. Each call of `send_due` does one unit of work in the caller's transaction
(the job commits after each, jobs/service.py `send_offers`): assign the arms of one due offer, or send one batch
of pending recipients, or mark finished the offers with nothing left pending. It returns what it did; a step
that did nothing means there is nothing to do now.

Idempotent and safe to run concurrently: recipients are unique per (offer, member); a batch takes its rows with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite has one writer at a time), and a row leaves 'pending' in the
transaction that sends it, so no (offer, member) is sent twice. Everything is bulk SQL: one query for the batch's
members, one for their recent offers (the cap), one for their holdings of the template, one INSERT of coupons,
one of outbox messages, one UPDATE of the recipients."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from lianmeng.audiences.models import Audience
from lianmeng.audiences.service import own_members, select_members
from lianmeng.config import get_settings
from lianmeng.coupons import domain as coupons_domain
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.coupons.service import CODE_ALPHABET, CODE_LENGTH
from lianmeng.kit import clock
from lianmeng.members.domain import MemberStatus
from lianmeng.members.models import Member
from lianmeng.targeting import bulk, domain
from lianmeng.targeting.domain import Arm, OfferStatus, RecipientStatus, SkipReason
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.targeting.repository import may_receive
from lianmeng.targeting.senders import Delivery, OfferMessage, Sender, get_sender
from lianmeng.values.models import MemberValue

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class SendStep:
    assigned: int = 0
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    finished: int = 0

    @property
    def did_something(self) -> bool:
        return any((self.assigned, self.sent, self.skipped, self.retrying, self.failed, self.finished))


def send_due(session: Session, at: datetime | None = None, batch: int = DEFAULT_BATCH,
             senders: dict[str, Sender] | None = None, alliance_id: int | None = None) -> SendStep:
    """One step of the send job (see the module), in one alliance or in all. Nothing is done during quiet hours."""
    now = at or clock.now()
    if domain.in_quiet_hours(now):
        return SendStep()
    stmt = (select(TargetedOffer)
            .where(TargetedOffer.status == OfferStatus.SCHEDULED.value, TargetedOffer.assigned_at.is_(None),
                   TargetedOffer.scheduled_at <= now))
    if alliance_id is not None:
        stmt = stmt.where(TargetedOffer.alliance_id == alliance_id)
    offer = session.scalars(stmt.order_by(TargetedOffer.id).limit(1).with_for_update(skip_locked=True)).first()
    if offer is not None:
        return SendStep(assigned=assign(session, offer, now) or 1)
    step = send_batch(session, now, batch, senders or {}, alliance_id)
    if step.did_something:
        return step
    return SendStep(finished=finish_done(session, now, alliance_id))


def alliances_sending(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with offers due to be assigned or being sent (none during quiet hours)."""
    now = at or clock.now()
    if domain.in_quiet_hours(now):
        return []
    stmt = (select(TargetedOffer.alliance_id)
            .where(or_(TargetedOffer.status == OfferStatus.SENDING.value,
                       (TargetedOffer.status == OfferStatus.SCHEDULED.value) & TargetedOffer.assigned_at.is_(None)
                       & (TargetedOffer.scheduled_at <= now)))
            .distinct().order_by(TargetedOffer.alliance_id))
    return [int(a) for a in session.scalars(stmt)]


def assign(session: Session, offer: TargetedOffer, at: datetime) -> int:
    """Assign every member of the audience (and the random arm) once: bulk INSERT of the recipients; the holdout's
    rows are 'held' at once. Returns the number of recipients."""
    audience = session.get(Audience, offer.audience_id)
    assert audience is not None
    in_audience = select_members(session, audience)
    classes = session.execute(
        select(Member.id, MemberValue.rfm_class)
        .outerjoin(MemberValue, (MemberValue.member_id == Member.id) & (MemberValue.merchant_id == offer.merchant_id))
        .where(Member.id.in_(in_audience))).all()
    strata = {member_id: rfm_class or "" for member_id, rfm_class in classes}
    arms = domain.assign_arms(strata.items(), offer.seed, offer.id, offer.holdout_bp)
    if offer.random_arm:
        treated = sum(1 for arm in arms.values() if arm is Arm.TREATED)
        others = session.scalars(select(Member.id).where(
            Member.id.in_(own_members(offer.alliance_id, offer.merchant_id)), Member.id.not_in(in_audience),
            may_receive()))
        for member_id in domain.draw_random_arm(others, treated, offer.seed, offer.id):
            arms[member_id] = Arm.RANDOM
    rows = [{"alliance_id": offer.alliance_id, "offer_id": offer.id, "member_id": member_id, "arm": arm.value,
             "stratum": strata.get(member_id, ""), "attempts": 0, "revenue_fen": 0,
             "status": (RecipientStatus.HELD if arm is Arm.HOLDOUT else RecipientStatus.PENDING).value}
            for member_id, arm in sorted(arms.items())]
    if rows:
        session.execute(insert(OfferRecipient), rows)
    offer.status = OfferStatus.SENDING.value
    offer.assigned_at = at
    session.flush()
    return len(rows)


def finish_done(session: Session, at: datetime, alliance_id: int | None = None) -> int:
    """Offers being sent with no recipient left pending (not even one waiting for a retry) are finished."""
    pending = exists().where(OfferRecipient.offer_id == TargetedOffer.id,
                             OfferRecipient.status == RecipientStatus.PENDING.value)
    stmt = (update(TargetedOffer)
            .where(TargetedOffer.status == OfferStatus.SENDING.value, TargetedOffer.assigned_at.is_not(None),
                   ~pending))
    if alliance_id is not None:
        stmt = stmt.where(TargetedOffer.alliance_id == alliance_id)
    result = session.execute(stmt.values(status=OfferStatus.FINISHED.value, finished_at=at)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Row:
    id: int
    offer_id: int
    member_id: int
    attempts: int
    status: str
    consent: bool
    refused: bool
    phone_enc: str
    phone_masked: str


def send_batch(session: Session, at: datetime, batch: int, senders: dict[str, Sender],
               alliance_id: int | None = None) -> SendStep:
    """Send up to `batch` pending recipients (treated and random arms) of offers being sent, due now."""
    stmt = (select(OfferRecipient.id, OfferRecipient.offer_id, OfferRecipient.member_id, OfferRecipient.attempts,
                   Member.status, Member.consent_marketing, Member.offers_refused, Member.phone_enc,
                   Member.phone_masked)
            .join(Member, Member.id == OfferRecipient.member_id)
            .join(TargetedOffer, TargetedOffer.id == OfferRecipient.offer_id)
            .where(OfferRecipient.status == RecipientStatus.PENDING.value,
                   TargetedOffer.status == OfferStatus.SENDING.value,
                   or_(OfferRecipient.next_attempt_at.is_(None), OfferRecipient.next_attempt_at <= at)))
    if alliance_id is not None:
        stmt = stmt.where(OfferRecipient.alliance_id == alliance_id)
    picked = session.execute(stmt.order_by(OfferRecipient.id).limit(batch)
                             .with_for_update(of=OfferRecipient, skip_locked=True)).all()
    if not picked:
        return SendStep()
    rows = [_Row(*r) for r in picked]
    by_offer: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_offer[row.offer_id].append(row)
    recent = _recent_offers(session, {r.member_id for r in rows}, at)
    totals = SendStep()
    for offer_id, group in sorted(by_offer.items()):
        offer = session.get(TargetedOffer, offer_id)
        assert offer is not None
        sender = senders.get(offer.channel) or get_sender(offer.channel)
        step = _send_group(session, offer, group, recent, at, sender)
        totals = SendStep(sent=totals.sent + step.sent, skipped=totals.skipped + step.skipped,
                          retrying=totals.retrying + step.retrying, failed=totals.failed + step.failed)
    return totals


def _recent_offers(session: Session, member_ids: set[int], at: datetime) -> dict[int, int]:
    """Offers each member received in the cap's window, from any merchant of the alliance."""
    counted = session.execute(
        select(OfferRecipient.member_id, func.count())
        .where(bulk.among(session, OfferRecipient.member_id, member_ids),
               OfferRecipient.status == RecipientStatus.SENT.value,
               OfferRecipient.sent_at >= domain.cap_window_start(at))
        .group_by(OfferRecipient.member_id)).all()
    out: dict[int, int] = defaultdict(int)
    out.update({member_id: int(n) for member_id, n in counted})
    return out


def _send_group(session: Session, offer: TargetedOffer, group: list[_Row], recent: dict[int, int], at: datetime,
                sender: Sender) -> SendStep:
    template = session.scalars(select(CouponTemplate).where(CouponTemplate.id == offer.template_id)
                               .with_for_update().execution_options(populate_existing=True)).one()
    holds = dict(session.execute(
        select(Coupon.member_id, func.count())
        .where(Coupon.template_id == template.id, bulk.among(session, Coupon.member_id, {r.member_id for r in group}))
        .group_by(Coupon.member_id)).all())
    stock = None if template.total_stock is None else template.total_stock - template.issued_count
    skipped: list[dict[str, Any]] = []
    to_send: list[tuple[_Row, str]] = []
    for row in group:
        reason = domain.skip_reason(active=row.status == MemberStatus.ACTIVE.value, consent_marketing=row.consent,
                                    offers_refused=row.refused, recent_offers=recent[row.member_id])
        if reason is None and template.status != "active":
            reason = SkipReason.TEMPLATE_PAUSED
        if reason is None and holds.get(row.member_id, 0) >= template.per_member_limit:
            reason = SkipReason.COUPON_LIMIT
        if reason is None and stock is not None and len(to_send) >= stock:
            reason = SkipReason.STOCK_EXHAUSTED
        if reason is not None:
            skipped.append({"id": row.id, "status": RecipientStatus.SKIPPED.value, "skip_reason": reason.value,
                            "next_attempt_at": None})
            continue
        to_send.append((row, secrets.token_urlsafe(18)))
        recent[row.member_id] += 1
    deliveries = _deliver(session, offer, to_send, sender)
    delivered = [(row, token, d) for (row, token), d in zip(to_send, deliveries, strict=True) if d.error is None]
    coupon_ids = _issue(session, offer, template, [row.member_id for row, _, _ in delivered], at)
    bulk.mark_sent(session, [{"id": row.id, "token": token, "coupon_id": coupon_ids[row.member_id],
                              "message_id": d.message_id, "attempts": row.attempts + 1, "delivered": d.delivered}
                             for row, token, d in delivered], at)
    updates = list(skipped)
    retrying = failed = 0
    for (row, _), d in zip(to_send, deliveries, strict=True):
        if d.error is None:
            continue
        retry_at = domain.next_attempt(row.attempts + 1, at)
        retrying += retry_at is not None
        failed += retry_at is None
        updates.append({"id": row.id, "attempts": row.attempts + 1, "next_attempt_at": retry_at,
                        "status": (RecipientStatus.PENDING if retry_at else RecipientStatus.FAILED).value})
        recent[row.member_id] -= 1
    for group_of_keys in _by_keys(updates):
        session.execute(update(OfferRecipient), group_of_keys)
    return SendStep(sent=len(delivered), skipped=len(skipped), retrying=retrying, failed=failed)


def _by_keys(updates: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A bulk UPDATE by primary key takes rows of the same shape: group them by their keys."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for values in updates:
        shapes[tuple(sorted(values))].append(values)
    return list(shapes.values())


def _deliver(session: Session, offer: TargetedOffer, to_send: list[tuple[_Row, str]],
             sender: Sender) -> list[Delivery]:
    """Hand the batch to the channel's sender; a sender that fails outright fails every message of the batch (its
    partial writes rolled back with a savepoint), and they are retried later."""
    if not to_send:
        return []
    base = get_settings().public_url or ""
    messages = [OfferMessage(row.id, offer.channel, row.phone_enc, row.phone_masked,
                             domain.message_text(offer.message, f"{base}/o/{token}")) for row, token in to_send]
    try:
        with session.begin_nested():
            answers = {d.recipient_id: d for d in sender.send(session, messages)}
    except Exception as error:  # any sender failure is a failed attempt, retried with backoff
        return [Delivery(row.id, error=type(error).__name__) for row, _ in to_send]
    return [answers.get(row.id, Delivery(row.id, error="no answer")) for row, _ in to_send]


def _issue(session: Session, offer: TargetedOffer, template: CouponTemplate, member_ids: list[int],
           at: datetime) -> dict[int, int]:
    """The partner's coupons for the members sent to, in one INSERT, credited to the sender (referrer), the
    template's stock taken in one UPDATE under the lock taken above. Returns member id → coupon id."""
    if not member_ids:
        return {}
    valid_from, valid_until = coupons_domain.validity(at, template.valid_from, template.valid_until,
                                                      template.valid_days)
    common = {"alliance_id": template.alliance_id, "template_id": template.id, "issued_at": at,
              "valid_from": valid_from, "valid_until": valid_until, "uses_left": template.uses_per_coupon,
              "referrer_merchant_id": offer.merchant_id, "target_merchant_id": template.owner_merchant_id}
    ids = bulk.insert_coupons(session, common, member_ids, _new_codes(session, len(member_ids)))
    session.execute(update(CouponTemplate).where(CouponTemplate.id == template.id)
                    .values(issued_count=CouponTemplate.issued_count + len(member_ids))
                    .execution_options(synchronize_session=False))
    return dict(zip(member_ids, ids, strict=True))


def _code() -> str:
    """A coupon code as coupons.service makes them: 12 characters of its 32-letter alphabet (a random byte's low 5
    bits pick one, without bias since 256 is a multiple of 32)."""
    return "".join(CODE_ALPHABET[byte & 31] for byte in secrets.token_bytes(CODE_LENGTH))


def _new_codes(session: Session, n: int) -> list[str]:
    """n coupon codes no coupon holds (one query per round; a clash in 32^12 is all but impossible)."""
    codes: set[str] = set()
    while len(codes) < n:
        fresh = {_code() for _ in range(n - len(codes))}
        codes |= fresh - bulk.codes_taken(session, fresh)
    return list(codes)
