"""Referral rollups: the funnel and the flow matrix read from `referral_daily` instead of the base tables.

Why: at 10 M referral events a merchant's month scans hundreds of thousands of coupons, uses, orders and rebates
(docs/benchmarks.md, "Dashboards at 10 M events"). The rollup holds the funnel's raw figures per alliance,
Shanghai day and referrer → receiver pair, so a month is at most 31 × pairs small rows.

How it is kept: by a job (`refresh`, run by `lianmeng jobs run` and the server's scheduler), not in the write
transaction. The funnel is a cohort followed "as of now": a use, a refund, a rebate reversal or a rating changes
the figures of the day the coupon was handed out, weeks earlier, and moves an unused coupon from its target to
the merchant where it was used. Keeping that in every write path (single and batched orders, redemptions, claims,
refunds, reversals, feedback, bulk sends, the demo loader) would add hot rows to the tills' transactions; the
job recomputes instead, with the base queries themselves (repository.funnel grouped by day), the days touched by
any event since its last run (`touched_days`), so the rollup equals the base queries by construction.

Freshness: the figures are those of the last refresh (`ReferralRollupState.as_of`), at most one job interval
plus the refresh's own time behind (LIANMENG_JOBS_INTERVAL_SECONDS, 300 s by default). An alliance without a
rollup yet is read from the base tables, as before. Events are found by their own times (issue, claim, use,
order, refund, rating), looked up from `as_of − LAG`, so a transaction that commits up to LAG after it wrote is
still seen. Rows written with times older than that (a bulk import of history) need `refresh(full=True)`.

Who sees what: the rows are read with the scope of the base queries (tenancy.policy): the platform all, the
operator its alliance, a merchant the pairs it is the referrer or the receiver of, without the unused coupons of
a partner's targeted offer (`sealed_*`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, literal, or_, select, union
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.db import insert_many, job_lock
from lianmeng.kit import clock
from lianmeng.orders.models import Order, Refund
from lianmeng.referrals import domain, repository
from lianmeng.referrals.models import Feedback, ReferralDaily, ReferralRollupState
from lianmeng.referrals.repository import Pair, PairFigures, Window, shanghai_day
from lianmeng.targeting.models import OfferRecipient
from lianmeng.tenancy import Principal
from lianmeng.tenancy.principal import SYSTEM

LAG = timedelta(minutes=15)
"""Events are looked up from the last refresh's start minus this: a write that commits up to LAG after its
timestamp (a long transaction, a clock a little behind) is still folded in by the next refresh."""

JOB_LOCK_NAMESPACE = 16_003
EPOCH = date(1970, 1, 1)
FIGURES = tuple(f.name for f in fields(PairFigures))
CHUNK_DAYS = 31  # a full build computes a month of days per window


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


# --- refresh (the job) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    alliance_id: int
    full: bool
    days: int
    rows: int
    seconds: float


def refresh(session: Session, alliance_id: int, *, full: bool = False) -> Refreshed:
    """Bring one alliance's rollup up to now: a full build the first time (or when asked), else the days touched
    since the last refresh. Never commits; two refreshes of one alliance take turns (job_lock)."""
    started = time.perf_counter()
    job_lock(session, JOB_LOCK_NAMESPACE, alliance_id)
    state = session.get(ReferralRollupState, alliance_id, populate_existing=True)
    now = clock.now()
    if state is None or full:
        session.execute(delete(ReferralDaily).where(ReferralDaily.alliance_id == alliance_id))
        runs = list(_all_days(session, alliance_id))
        days = sum((b - a).days + 1 for a, b in runs)
    else:
        touched = touched_days(session, alliance_id, state.as_of - LAG)
        runs = list(_runs(touched))
        days = len(touched)
        for first, last in runs:
            session.execute(delete(ReferralDaily).where(ReferralDaily.alliance_id == alliance_id,
                                                        ReferralDaily.day >= first, ReferralDaily.day <= last))
    rows = 0
    for first, last in runs:
        rows += _build(session, alliance_id, first, last)
    seconds = time.perf_counter() - started
    if state is None:
        session.add(ReferralRollupState(alliance_id=alliance_id, as_of=now, built_at=now, days_refreshed=days,
                                        seconds=seconds))
    else:
        state.as_of, state.days_refreshed, state.seconds = now, days, seconds
        if full:
            state.built_at = now
    session.flush()
    return Refreshed(alliance_id, state is None or full, days, rows, seconds)


def due_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """Every alliance with referral coupons or credited orders (the job refreshes each in its own transaction)."""
    stmt = union(select(Coupon.alliance_id).where(Coupon.referrer_merchant_id.is_not(None)).distinct(),
                 select(Order.alliance_id).where(Order.referrer_merchant_id.is_not(None)).distinct(),
                 select(ReferralRollupState.alliance_id))
    return sorted(int(a) for a in session.scalars(select(stmt.subquery().c[0])))


def run(session: Session, alliance_id: int, at: datetime | None = None) -> Refreshed:
    return refresh(session, alliance_id)


def _all_days(session: Session, alliance_id: int) -> Iterator[tuple[date, date]]:
    """Windows of CHUNK_DAYS days covering every day with a coupon or a credited order of the alliance."""
    first_coupon, last_coupon = session.execute(
        select(func.min(Coupon.issued_at), func.max(Coupon.issued_at)).where(Coupon.alliance_id == alliance_id)).one()
    first_order, last_order = session.execute(
        select(func.min(Order.occurred_at), func.max(Order.occurred_at)).where(
            Order.alliance_id == alliance_id, Order.referrer_merchant_id.is_not(None))).one()
    moments = [m for m in (first_coupon, last_coupon, first_order, last_order) if m is not None]
    if not moments:
        return
    first = min(m.astimezone(clock.SHANGHAI).date() for m in moments)
    last = max(m.astimezone(clock.SHANGHAI).date() for m in moments)
    while first <= last:
        end = min(first + timedelta(days=CHUNK_DAYS - 1), last)
        yield first, end
        first = end + timedelta(days=1)


def _runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days as (first, last) runs."""
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + timedelta(days=1):
            j += 1
        yield ordered[i], ordered[j]
        i = j + 1


def touched_days(session: Session, alliance_id: int, since: datetime) -> set[date]:
    """The Shanghai days whose figures may have changed since `since`: the issue days of the coupons handed out,
    claimed, used, rated, or whose uses' orders were recorded or refunded since; the days of the orders recorded or
    refunded since (revenue)."""
    coupon_day = shanghai_day(Coupon.issued_at)
    order_day = shanghai_day(Order.occurred_at)  # found by when recorded, grouped by when the sale occurred
    used = and_(Redemption.coupon_id == Coupon.id)
    a = alliance_id
    queries = [
        select(coupon_day).where(Coupon.alliance_id == a, Coupon.issued_at >= since),
        select(coupon_day).where(Coupon.alliance_id == a, Coupon.claimed_at >= since),
        select(coupon_day).join(Redemption, used).where(Redemption.alliance_id == a, Redemption.at >= since),
        select(coupon_day).join(Redemption, used).join(Feedback, Feedback.redemption_id == Redemption.id)
        .where(Feedback.alliance_id == a, Feedback.at >= since),
        select(coupon_day).join(Redemption, used).join(Order, Order.id == Redemption.order_id)
        .where(Order.alliance_id == a, Order.created_at >= since),
        select(coupon_day).join(Redemption, used).join(Refund, Refund.order_id == Redemption.order_id)
        .where(Refund.alliance_id == a, Refund.created_at >= since),
        select(order_day).where(Order.alliance_id == a, Order.created_at >= since,
                                Order.referrer_merchant_id.is_not(None)),
        select(order_day).join(Refund, Refund.order_id == Order.id).where(
            Refund.alliance_id == a, Refund.created_at >= since, Order.referrer_merchant_id.is_not(None)),
    ]
    return {day_of(n) for n in session.scalars(select(union(*queries).subquery().c[0])) if n is not None}


def _build(session: Session, alliance_id: int, first: date, last: date) -> int:
    """Recompute the rows of days first..last with the base queries (as the platform sees them), grouped by day."""
    window = Window(domain.shanghai_midnight(first), domain.shanghai_midnight(last + timedelta(days=1)),
                    alliance_id=alliance_id, by_day=True)
    figures = repository.funnel(session, SYSTEM, window)
    sealed = _sealed(session, window)
    rows = []
    for key, f in figures.items():
        number, referrer, receiver = key
        issued, claimed = sealed.get(key, (0, 0))
        rows.append({"alliance_id": alliance_id, "day": day_of(number), "referrer_id": referrer or 0,
                     "receiver_id": receiver or 0, "sealed_issued": issued, "sealed_claimed": claimed,
                     **{name: getattr(f, name) for name in FIGURES}})
    insert_many(session, ReferralDaily, rows)
    return len(rows)


def _sealed(session: Session, window: Window) -> dict[Pair, tuple[int, int]]:
    """Unused coupons of a targeted offer per (day, referrer, receiver): issued and claimed."""
    targeted = exists().where(OfferRecipient.coupon_id == Coupon.id)
    coupons = repository.cohort(window, and_(Redemption.id.is_(None), targeted))
    stmt = (select(coupons.c.week, coupons.c.referrer, coupons.c.receiver, func.count(),
                   func.count(coupons.c.claimed_at))
            .group_by(coupons.c.week, coupons.c.referrer, coupons.c.receiver))
    return {(int(week), referrer, receiver): (int(issued), int(claimed))
            for week, referrer, receiver, issued, claimed in session.execute(stmt)}


# --- reads ----------------------------------------------------------------------------------------------------


def state(session: Session, alliance_id: int) -> ReferralRollupState | None:
    return session.get(ReferralRollupState, alliance_id)


def _alliance(p: Principal, w: Window) -> int | None:
    """The one alliance a read covers, when the rollup can serve it; None: read the base tables."""
    if p.is_platform:
        return w.alliance_id
    if p.alliance_id is None or (w.alliance_id is not None and w.alliance_id != p.alliance_id):
        return None
    if p.is_operator or (p.is_merchant_side and p.merchant_id is not None):
        return p.alliance_id
    return None


def funnel(session: Session, p: Principal, w: Window, *, referrer_id: int | None = None,
           receiver_id: int | None = None) -> dict[Pair, PairFigures]:
    """repository.funnel's figures: from the rollup when the alliance has one, else from the base tables."""
    alliance_id = _alliance(p, w)
    if alliance_id is None or state(session, alliance_id) is None:
        return repository.funnel(session, p, w, referrer_id=referrer_id, receiver_id=receiver_id)
    return read(session, p, w, alliance_id, referrer_id=referrer_id, receiver_id=receiver_id)


def as_of(session: Session, p: Principal, w: Window) -> datetime:
    """When `funnel`'s figures for this read are exact: the start of the last refresh of the rollup that serves
    it, or now when the base tables answer."""
    alliance_id = _alliance(p, w)
    found = None if alliance_id is None else state(session, alliance_id)
    return clock.now() if found is None else found.as_of


def flows(session: Session, p: Principal, w: Window) -> list[repository.Flow]:
    return repository.flows_of(funnel(session, p, Window(w.start, w.end, (), w.alliance_id)))


def read(session: Session, p: Principal, w: Window, alliance_id: int, *, referrer_id: int | None = None,
         receiver_id: int | None = None) -> dict[Pair, PairFigures]:
    """The funnel's figures per (week, referrer, receiver) from the rollup: one grouped statement."""
    r = ReferralDaily
    first = w.start.astimezone(clock.SHANGHAI).date()
    last = (w.end.astimezone(clock.SHANGHAI) - timedelta(microseconds=1)).date()
    edges = [e.astimezone(clock.SHANGHAI).date() for e in w.week_edges]
    week: ColumnElement[int] = case(*[(r.day < edge, i) for i, edge in enumerate(edges)], else_=len(edges)) \
        if edges else literal(0)
    conditions: list[ColumnElement[bool]] = [r.alliance_id == alliance_id, r.day >= first, r.day <= last]
    if p.is_merchant_side:
        conditions.append(or_(r.referrer_id == p.merchant_id, r.receiver_id == p.merchant_id))
    if referrer_id is not None:
        conditions.append(r.referrer_id == referrer_id)
    if receiver_id is not None:
        conditions.append(r.receiver_id == receiver_id)
    inner = select(week.label("week"), r.referrer_id, r.receiver_id, *[getattr(r, n) for n in FIGURES],
                   r.sealed_issued, r.sealed_claimed).where(*conditions).subquery()
    # a partner's unused coupons of a targeted offer are hidden from their target (tenancy.policy.coupons)
    hidden = and_(inner.c.receiver_id == p.merchant_id, inner.c.referrer_id != p.merchant_id)
    sums = []
    for name in FIGURES:
        value: Any = inner.c[name]
        if p.is_merchant_side and name in ("issued", "claimed"):
            value = value - case((hidden, inner.c[f"sealed_{name}"]), else_=0)
        sums.append(func.sum(value).label(name))
    keys = (inner.c.week, inner.c.referrer_id, inner.c.receiver_id)
    figures: dict[Pair, PairFigures] = {}
    for row in session.execute(select(*keys, *sums).group_by(*keys)):
        f = PairFigures(**{name: int(getattr(row, name) or 0) for name in FIGURES})
        if f.issued > 0 or f.revenue_orders > 0:  # the base queries' rows: a visible coupon or credited order
            figures[(int(row.week), row.referrer_id or None, row.receiver_id or None)] = f
    return figures
