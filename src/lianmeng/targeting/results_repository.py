"""Queries of a targeted offer's results: the outcome events of its recipients at the partner (set-based: one
query per kind of event for the whole offer, never one per member), the per-arm sums, and the offers a caller may
read (scoped by `tenancy.policy.offer_results`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.orders.models import Order
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.tenancy import Principal, policy


@dataclass(frozen=True)
class Event:
    member_id: int
    at: datetime
    net_fen: int = 0  # orders: amount less what was refunded


@dataclass(frozen=True)
class Recipient:
    id: int
    member_id: int
    arm: str
    sent_at: datetime | None
    claimed_at: datetime | None
    arrived_at: datetime | None
    converted_at: datetime | None
    revenue_fen: int


def readable_offer(session: Session, p: Principal, offer_id: int) -> TargetedOffer | None:
    return session.scalar(select(TargetedOffer).where(TargetedOffer.id == offer_id, policy.offer_results(p)))


def readable_offers(session: Session, p: Principal, limit: int = 200) -> list[TargetedOffer]:
    """The offers whose results the caller may read, newest first (the combined page's checkboxes)."""
    return list(session.scalars(select(TargetedOffer).where(policy.offer_results(p))
                                .order_by(TargetedOffer.scheduled_at.desc(), TargetedOffer.id.desc()).limit(limit)))


def send_bounds(session: Session, alliance_id: int, offer_id: int) -> tuple[datetime | None, datetime | None]:
    """The first and last sent_at of the offer's recipients (None before anything was sent)."""
    first, last = session.execute(select(func.min(OfferRecipient.sent_at), func.max(OfferRecipient.sent_at))
                                  .where(OfferRecipient.alliance_id == alliance_id,
                                         OfferRecipient.offer_id == offer_id)).one()
    return first, last


def recipients(session: Session, alliance_id: int, offer_id: int) -> list[Recipient]:
    r = OfferRecipient
    rows = session.connection().execute(select(r.id, r.member_id, r.arm, r.sent_at, r.claimed_at, r.arrived_at,
                                               r.converted_at, r.revenue_fen).where(r.alliance_id == alliance_id,
                                                                                   r.offer_id == offer_id))
    return [Recipient(*row) for row in rows]


def _members(offer_id: int) -> Any:
    return select(OfferRecipient.member_id).where(OfferRecipient.offer_id == offer_id).scalar_subquery()


def partner_orders(session: Session, offer: TargetedOffer, start: datetime, end: datetime) -> list[Event]:
    """Orders of the offer's recipients at the partner merchant in [start, end), net of refunds."""
    rows = session.execute(
        select(Order.member_id, Order.occurred_at, Order.amount_fen - Order.refunded_fen)
        .where(Order.merchant_id == offer.partner_merchant_id, Order.member_id.in_(_members(offer.id)),
               Order.occurred_at >= start, Order.occurred_at < end))
    return [Event(member_id, at, int(net)) for member_id, at, net in rows]


def partner_arrivals(session: Session, offer: TargetedOffer, start: datetime, end: datetime) -> list[Event]:
    """Coupon redemptions (of any coupon) by the offer's recipients at the partner merchant in [start, end)."""
    rows = session.execute(
        select(Redemption.member_id, Redemption.at)
        .where(Redemption.merchant_id == offer.partner_merchant_id, Redemption.member_id.in_(_members(offer.id)),
               Redemption.at >= start, Redemption.at < end))
    return [Event(member_id, at) for member_id, at in rows]


def claims(session: Session, offer: TargetedOffer, start: datetime, end: datetime) -> list[Event]:
    """Coupons of the offer's template claimed by its recipients in [start, end) (a holdout member can claim one
    elsewhere too: it counts for the holdout, which is the point of comparing)."""
    rows = session.execute(
        select(Coupon.member_id, Coupon.claimed_at)
        .where(Coupon.template_id == offer.template_id, Coupon.member_id.in_(_members(offer.id)),
               Coupon.claimed_at.is_not(None), Coupon.claimed_at >= start, Coupon.claimed_at < end))
    return [Event(member_id, at) for member_id, at in rows if at is not None]


OUTCOMES_FROM_ARRAYS = text(
    "UPDATE offer_recipients AS r SET claimed_at = u.claimed_at, arrived_at = u.arrived_at, "
    "converted_at = u.converted_at, revenue_fen = u.revenue_fen "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:claimed AS timestamptz[]), CAST(:arrived AS timestamptz[]), "
    "CAST(:converted AS timestamptz[]), CAST(:revenue AS bigint[])) "
    "AS u(id, claimed_at, arrived_at, converted_at, revenue_fen) WHERE r.id = u.id")


def save_outcomes(session: Session, changes: Sequence[dict[str, Any]]) -> None:
    """Store the outcomes of the recipients whose outcomes changed: on PostgreSQL one UPDATE … FROM unnest(arrays)
    (a statement whatever the number of rows), elsewhere an executemany UPDATE by primary key."""
    if not changes:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(update(OfferRecipient), list(changes))
        return
    session.execute(OUTCOMES_FROM_ARRAYS, {
        "ids": [c["id"] for c in changes], "claimed": [c["claimed_at"] for c in changes],
        "arrived": [c["arrived_at"] for c in changes], "converted": [c["converted_at"] for c in changes],
        "revenue": [c["revenue_fen"] for c in changes]})


@dataclass(frozen=True)
class ArmSums:
    arm: str
    members: int
    sent: int
    delivered: int
    opened: int
    claimed: int
    arrived: int
    converted: int
    revenue_fen: int


def arm_sums(session: Session, alliance_id: int, offer_ids: Sequence[int]) -> list[ArmSums]:
    r = OfferRecipient
    rows = session.execute(
        select(r.arm, func.count(), func.count(r.sent_at), func.count(r.delivered_at), func.count(r.opened_at),
               func.count(r.claimed_at), func.count(r.arrived_at), func.count(r.converted_at),
               func.coalesce(func.sum(r.revenue_fen), 0))
        .where(r.alliance_id == alliance_id, r.offer_id.in_(list(offer_ids))).group_by(r.arm))
    return [ArmSums(arm, *(int(v) for v in values)) for arm, *values in rows]


def nonzero_revenues(session: Session, alliance_id: int, offer_ids: Sequence[int]) -> dict[str, list[int]]:
    """Per arm, the recipients' revenues that are not 0 (the bootstrap resamples them; zeros are only counted)."""
    out: dict[str, list[int]] = {}
    rows = session.execute(select(OfferRecipient.arm, OfferRecipient.revenue_fen)
                           .where(OfferRecipient.alliance_id == alliance_id,
                                  OfferRecipient.offer_id.in_(list(offer_ids)), OfferRecipient.revenue_fen != 0))
    for arm, fen in rows:
        out.setdefault(arm, []).append(int(fen))
    return out


def started_offers(session: Session, now: datetime, alliance_id: int | None = None,
                   ) -> list[tuple[int, datetime, int, datetime | None, datetime | None]]:
    """(id, scheduled_at, attribution_days, results_at, last sent_at) of offers whose recipients were assigned and
    whose time has come: the candidates of the refresh job."""
    last_sent = (select(OfferRecipient.offer_id, func.max(OfferRecipient.sent_at).label("last"))
                 .group_by(OfferRecipient.offer_id).subquery())
    o = TargetedOffer
    stmt = (select(o.id, o.scheduled_at, o.attribution_days, o.results_at, last_sent.c.last)
            .join(last_sent, last_sent.c.offer_id == o.id)
            .where(o.assigned_at.is_not(None), o.scheduled_at <= now).order_by(o.id))
    if alliance_id is not None:
        stmt = stmt.where(o.alliance_id == alliance_id)
    rows = session.execute(stmt)
    return [tuple(row) for row in rows]


def alliances_of_offers(session: Session, offer_ids: list[int]) -> list[int]:
    if not offer_ids:
        return []
    stmt = (select(TargetedOffer.alliance_id).where(TargetedOffer.id.in_(offer_ids)).distinct()
            .order_by(TargetedOffer.alliance_id))
    return [int(a) for a in session.scalars(stmt)]
