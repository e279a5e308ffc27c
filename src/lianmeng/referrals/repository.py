"""Referral queries: every figure is one grouped statement (GROUP BY in the database), scoped by tenancy.policy.

Funnel and flows read coupons through `policy.coupons` and arrivals through `policy.redemptions`, so a merchant
sees exactly the pairs it is the referrer or the receiver of. Orders, rebates and feedback are reached only
through a visible redemption (they are the figures of that referral). Leaderboards use
`policy.merchant_leaderboard` / `policy.staff_leaderboard`.

Weeks: `bucket` turns a UTC timestamp into the index of its Shanghai week with one CASE over the week starts,
so the grouping happens in SQL on SQLite and PostgreSQL alike (the grouping is done on a subquery's column:
PostgreSQL would not match a CASE with bound parameters in SELECT to the same CASE in GROUP BY).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import QueryableAttribute, Session

from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.orders.models import Order
from lianmeng.referrals.models import Feedback
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped

Pair = tuple[int, int | None, int | None]  # (week index, referrer merchant, receiving merchant)


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, cut at `week_edges` (the starts of the 2nd, 3rd, … week) when grouping by week."""

    start: datetime
    end: datetime
    week_edges: Sequence[datetime] = ()
    alliance_id: int | None = None


def bucket(column: QueryableAttribute[Any], edges: Sequence[datetime]) -> ColumnElement[int]:
    """0 for the first week, 1 for the second, …; always 0 without edges."""
    if not edges:
        return literal(0)
    return case(*[(column < edge, index) for index, edge in enumerate(edges)], else_=len(edges))


def _int(value: Any) -> int:
    return int(value or 0)


# --- funnel ---------------------------------------------------------------------------------------------------


@dataclass
class PairFigures:
    issued: int = 0
    claimed: int = 0
    arrived: int = 0
    converted: int = 0
    revenue_fen: int = 0
    discount_fen: int = 0
    commission_fen: int = 0
    staff_incentive_fen: int = 0
    ratings: int = 0
    rating_sum: int = 0
    complaints: int = 0


def _redemption_scope(p: Principal, w: Window, referrer_id: int | None,
                      receiver_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [policy.redemptions(p), Redemption.at >= w.start, Redemption.at < w.end]
    if w.alliance_id is not None:
        conditions.append(Redemption.alliance_id == w.alliance_id)
    if referrer_id is not None:
        conditions.append(Redemption.referrer_merchant_id == referrer_id)
    if receiver_id is not None:
        conditions.append(Redemption.merchant_id == receiver_id)
    return conditions


def funnel(session: Session, p: Principal, w: Window, *, referrer_id: int | None = None,
           receiver_id: int | None = None) -> dict[Pair, PairFigures]:
    """The funnel's raw figures per (week, referrer, receiver): four grouped statements."""
    figures: dict[Pair, PairFigures] = {}

    def at(row: Any) -> PairFigures:
        key = (int(row.week), row.referrer, row.receiver)
        return figures.setdefault(key, PairFigures())

    coupon_conditions = [policy.coupons(p), Coupon.issued_at >= w.start, Coupon.issued_at < w.end]
    if w.alliance_id is not None:
        coupon_conditions.append(Coupon.alliance_id == w.alliance_id)
    if referrer_id is not None:
        coupon_conditions.append(Coupon.referrer_merchant_id == referrer_id)
    if receiver_id is not None:
        coupon_conditions.append(Coupon.target_merchant_id == receiver_id)
    issued = select(bucket(Coupon.issued_at, w.week_edges).label("week"),
                    Coupon.referrer_merchant_id.label("referrer"), Coupon.target_merchant_id.label("receiver"),
                    Coupon.claimed_at.label("claimed_at")).where(*coupon_conditions).subquery()
    for row in session.execute(_grouped(issued, func.count().label("issued"),
                                        func.count(issued.c.claimed_at).label("claimed"))):
        f = at(row)
        f.issued, f.claimed = _int(row.issued), _int(row.claimed)

    scope = _redemption_scope(p, w, referrer_id, receiver_id)
    week = bucket(Redemption.at, w.week_edges).label("week")
    pair = (Redemption.referrer_merchant_id.label("referrer"), Redemption.merchant_id.label("receiver"))

    arrivals = (select(week, *pair, Redemption.order_id.label("order_id"),
                       Redemption.discount_fen.label("discount_fen"), Order.amount_fen.label("amount_fen"))
                .outerjoin(Order, Order.id == Redemption.order_id).where(*scope).subquery())
    for row in session.execute(_grouped(
            arrivals, func.count().label("arrived"), func.count(arrivals.c.order_id).label("converted"),
            func.sum(arrivals.c.discount_fen).label("discount"), func.sum(arrivals.c.amount_fen).label("revenue"))):
        f = at(row)
        f.arrived, f.converted = _int(row.arrived), _int(row.converted)
        f.discount_fen, f.revenue_fen = _int(row.discount), _int(row.revenue)

    rebates = (select(week, *pair, Rebate.payee_type.label("payee_type"),
                      (Rebate.amount_fen - Rebate.reversed_fen).label("net_fen"))
               .join(Rebate, Rebate.order_id == Redemption.order_id)
               .where(*scope, Rebate.payee_type.in_(("merchant", "staff"))).subquery())
    stmt = (select(rebates.c.week, rebates.c.referrer, rebates.c.receiver, rebates.c.payee_type,
                   func.sum(rebates.c.net_fen).label("net_fen"))
            .group_by(rebates.c.week, rebates.c.referrer, rebates.c.receiver, rebates.c.payee_type))
    for row in session.execute(stmt):
        f = at(row)
        if row.payee_type == "merchant":
            f.commission_fen = _int(row.net_fen)
        else:
            f.staff_incentive_fen = _int(row.net_fen)

    ratings = (select(week, *pair, Feedback.rating.label("rating"),
                      case((Feedback.is_complaint.is_(True), 1), else_=0).label("complaint"))
               .join(Feedback, Feedback.redemption_id == Redemption.id)
               .where(*scope, policy.feedback(p)).subquery())
    for row in session.execute(_grouped(
            ratings, func.count().label("ratings"), func.sum(ratings.c.rating).label("rating_sum"),
            func.sum(ratings.c.complaint).label("complaints"))):
        f = at(row)
        f.ratings, f.rating_sum, f.complaints = _int(row.ratings), _int(row.rating_sum), _int(row.complaints)
    return figures


def _grouped(source: Any, *aggregates: Any) -> Select[Any]:
    keys = (source.c.week, source.c.referrer, source.c.receiver)
    return select(*keys, *aggregates).group_by(*keys)


# --- flows ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    referrer_id: int
    receiver_id: int
    arrived: int
    converted: int
    revenue_fen: int


def flows(session: Session, p: Principal, w: Window) -> list[Flow]:
    """Arrivals per (referrer, receiver) between two different merchants, with conversions and revenue."""
    stmt = (
        select(Redemption.referrer_merchant_id, Redemption.merchant_id, func.count(),
               func.count(Redemption.order_id), func.sum(Order.amount_fen))
        .outerjoin(Order, Order.id == Redemption.order_id)
        .where(*_redemption_scope(p, w, None, None), Redemption.referrer_merchant_id.is_not(None),
               Redemption.referrer_merchant_id != Redemption.merchant_id)
        .group_by(Redemption.referrer_merchant_id, Redemption.merchant_id)
        .order_by(Redemption.referrer_merchant_id, Redemption.merchant_id)
    )
    return [Flow(_int(referrer), int(receiver), _int(arrived), _int(converted), _int(revenue))
            for referrer, receiver, arrived, converted, revenue in session.execute(stmt)]


def merchant_names(session: Session, p: Principal, ids: Iterable[int | None] | None = None,
                   alliance_id: int | None = None) -> dict[int, str]:
    """Names of the merchants the caller may see: those named in `ids`, or (ids=None) all of its directory."""
    stmt = select(Merchant.id, Merchant.name).where(policy.merchants(p))
    if ids is not None:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        stmt = stmt.where(Merchant.id.in_(wanted))
    if alliance_id is not None:
        stmt = stmt.where(Merchant.alliance_id == alliance_id)
    return {int(i): name for i, name in session.execute(stmt.order_by(Merchant.id))}


# --- leaderboards ---------------------------------------------------------------------------------------------


@dataclass
class Standing:
    id: int
    referrals: int = 0
    arrivals: int = 0
    conversions: int = 0
    earnings_fen: int = 0


def leaderboard(session: Session, p: Principal, by_staff: bool, w: Window) -> dict[int, Standing]:
    """Per referrer (merchant or staff member) with any activity in the window: three grouped statements."""
    standings: dict[int, Standing] = {}

    def of(key: Any) -> Standing:
        return standings.setdefault(int(key), Standing(int(key)))

    if by_staff:
        coupon_who: QueryableAttribute[Any] = Coupon.referrer_staff_id
        redemption_who: QueryableAttribute[Any] = Redemption.referrer_staff_id
        coupon_scope = policy.staff_leaderboard(p, Coupon.referrer_staff_id)
        redemption_scope = policy.staff_leaderboard(p, Redemption.referrer_staff_id)
        rebate_scope = policy.staff_leaderboard(p, Rebate.payee_id)
    else:
        coupon_who, redemption_who = Coupon.referrer_merchant_id, Redemption.referrer_merchant_id
        coupon_scope = policy.merchant_leaderboard(p, Coupon.alliance_id)
        redemption_scope = policy.merchant_leaderboard(p, Redemption.alliance_id)
        rebate_scope = policy.merchant_leaderboard(p, Rebate.alliance_id)
    alliance = w.alliance_id

    stmt = select(coupon_who, func.count()).where(
        coupon_scope, coupon_who.is_not(None), Coupon.issued_at >= w.start, Coupon.issued_at < w.end,
        *([Coupon.alliance_id == alliance] if alliance is not None else []),
    ).group_by(coupon_who)
    for who, count in session.execute(stmt):
        of(who).referrals = _int(count)

    stmt = select(redemption_who, func.count(), func.count(Redemption.order_id)).where(
        redemption_scope, redemption_who.is_not(None), Redemption.at >= w.start, Redemption.at < w.end,
        *([Redemption.alliance_id == alliance] if alliance is not None else []),
    ).group_by(redemption_who)
    for who, arrivals, conversions in session.execute(stmt):
        standing = of(who)
        standing.arrivals, standing.conversions = _int(arrivals), _int(conversions)

    stmt = select(Rebate.payee_id, func.sum(Rebate.amount_fen - Rebate.reversed_fen)).where(
        rebate_scope, Rebate.payee_type == ("staff" if by_staff else "merchant"),
        Rebate.created_at >= w.start, Rebate.created_at < w.end,
        *([Rebate.alliance_id == alliance] if alliance is not None else []),
    ).group_by(Rebate.payee_id)
    for who, net in session.execute(stmt):
        of(who).earnings_fen = _int(net)
    return standings


def staff_names(session: Session, p: Principal, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """id → (name, merchant id) of the staff members the caller may see."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(Staff.id, Staff.name, Staff.merchant_id).where(policy.staff(p), Staff.id.in_(wanted))
    return {int(i): (name, int(merchant_id)) for i, name, merchant_id in session.execute(stmt)}


# --- feedback -------------------------------------------------------------------------------------------------


def get_redemption(session: Session, p: Principal, redemption_id: int) -> Redemption:
    return get_scoped(session, Redemption, redemption_id, policy.redemptions(p), "redemption")


def feedback_of_redemption(session: Session, redemption_id: int) -> Feedback | None:
    return session.scalars(select(Feedback).where(Feedback.redemption_id == redemption_id)).first()


def list_feedback(p: Principal, *, merchant_id: int | None = None, referrer_merchant_id: int | None = None,
                  complaints_only: bool = False) -> Select[Any]:
    stmt = select(Feedback).where(policy.feedback(p))
    if merchant_id is not None:
        stmt = stmt.where(Feedback.merchant_id == merchant_id)
    if referrer_merchant_id is not None:
        stmt = stmt.where(Feedback.referrer_merchant_id == referrer_merchant_id)
    if complaints_only:
        stmt = stmt.where(Feedback.is_complaint.is_(True))
    return stmt.order_by(Feedback.id.desc())
