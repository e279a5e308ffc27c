"""Referral queries: every figure is one grouped statement (GROUP BY in the database), scoped by tenancy.policy.

The figures are those of domain.FIGURES, each written here once: `cohort` (the referral coupons handed out in the
window and their pair), `outcomes` (what their uses at the receiver brought and cost) and `alliance_revenue` (the
orders credited to a partner). Funnel, flows and leaderboards are built from them.

A merchant sees exactly the pairs it is the referrer or the receiver of: an unused coupon through `policy.coupons`,
a used one through `policy.redemptions` of its first use, credited orders through `policy.referred_orders`.
Rebates and feedback are reached only through a visible use (they are the figures of that referral). Leaderboards
use `policy.merchant_leaderboard` / `policy.staff_leaderboard`.

Weeks: `bucket` turns a UTC timestamp into the index of its Shanghai week with one CASE over the week starts,
so the grouping happens in SQL on SQLite and PostgreSQL alike (the grouping is done on a subquery's column:
PostgreSQL would not match a CASE with bound parameters in SELECT to the same CASE in GROUP BY).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Subquery, and_, case, func, literal, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

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
    """[start, end) in UTC, cut at `week_edges` (the starts of the 2nd, 3rd, … week) when grouping by week; with
    `by_day` the "week" index is the Shanghai day instead (days since 1970-01-01: the rollups, referrals.rollup)."""

    start: datetime
    end: datetime
    week_edges: Sequence[datetime] = ()
    alliance_id: int | None = None
    by_day: bool = False


def bucket(column: QueryableAttribute[Any], edges: Sequence[datetime]) -> ColumnElement[int]:
    """0 for the first week, 1 for the second, …; always 0 without edges."""
    if not edges:
        return literal(0)
    return case(*[(column < edge, index) for index, edge in enumerate(edges)], else_=len(edges))


class shanghai_day(FunctionElement[int]):
    """The Asia/Shanghai calendar date of a UTC timestamp, as days since 1970-01-01 (an integer)."""

    type = Integer()
    inherit_cache = True


@compiles(shanghai_day, "postgresql")
def _shanghai_day_pg(element: shanghai_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"(CAST(timezone('Asia/Shanghai', {column}) AS date) - DATE '1970-01-01')"


@compiles(shanghai_day)
def _shanghai_day_sqlite(element: shanghai_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)  # Shanghai has kept UTC+8 all year since 1991
    return f"CAST(julianday(date({column}, '+8 hours')) - 2440587.5 AS INTEGER)"


def _bucket(column: QueryableAttribute[Any], w: Window) -> ColumnElement[int]:
    return shanghai_day(column) if w.by_day else bucket(column, w.week_edges)


def _int(value: Any) -> int:
    return int(value or 0)


# --- funnel ---------------------------------------------------------------------------------------------------


@dataclass
class PairFigures:
    issued: int = 0
    claimed: int = 0
    arrived: int = 0
    converted: int = 0
    first_order_fen: int = 0
    revenue_fen: int = 0
    discount_fen: int = 0
    benefit_cost_fen: int = 0
    costed_at_value: int = 0
    commission_fen: int = 0
    staff_incentive_fen: int = 0
    ratings: int = 0
    rating_sum: int = 0
    complaints: int = 0
    revenue_orders: int = 0  # the credited orders summed in revenue_fen (a pair with only refunded ones still shows)


def cohort(w: Window, visible: ColumnElement[bool], *, referrer_id: int | None = None,
           receiver_id: int | None = None) -> Subquery:
    """One row per referral coupon handed out in the window (domain.FIGURES): its week, referrer merchant and
    staff, receiving merchant (where use 1 happened; unused: the coupon's merchant), claim time and first use.
    `visible` may use Coupon and Redemption (the first use, outer-joined)."""
    receiver = func.coalesce(Redemption.merchant_id, Coupon.target_merchant_id)
    conditions = [visible, Coupon.issued_at >= w.start, Coupon.issued_at < w.end]
    if w.alliance_id is not None:
        conditions.append(Coupon.alliance_id == w.alliance_id)
    if referrer_id is not None:
        conditions.append(Coupon.referrer_merchant_id == referrer_id)
    if receiver_id is not None:
        conditions.append(receiver == receiver_id)
    return (select(Coupon.id.label("coupon_id"), _bucket(Coupon.issued_at, w).label("week"),
                   Coupon.referrer_merchant_id.label("referrer"), Coupon.referrer_staff_id.label("staff"),
                   receiver.label("receiver"), Coupon.claimed_at.label("claimed_at"),
                   Redemption.id.label("first_use"))
            .outerjoin(Redemption, and_(Redemption.alliance_id == Coupon.alliance_id, Redemption.coupon_id == Coupon.id,
                                        Redemption.use_no == 1))
            .where(*conditions).subquery("cohort"))


def _pair_visible(p: Principal) -> ColumnElement[bool]:
    """A merchant sees the pairs it is the referrer or the receiver of: an unused coupon through policy.coupons
    (referrer or the coupon's merchant), a used one through policy.redemptions of its first use (referrer or
    where it was used)."""
    return or_(and_(Redemption.id.is_(None), policy.coupons(p)),
               and_(Redemption.id.is_not(None), policy.redemptions(p)))


def _uses_at_receiver(source: Subquery, alliance_id: int | None) -> tuple[Any, ColumnElement[bool]]:
    """The cohort's uses at its receiving merchant: (the aliased redemption, the join condition). Of the window's
    alliance when it has one: the cohort's coupons are all of it, and saying so routes the query (docs/scale.md)."""
    use = aliased(Redemption, name="use")
    in_alliance = use.alliance_id == alliance_id if alliance_id is not None else true()
    return use, and_(in_alliance, use.coupon_id == source.c.coupon_id, use.merchant_id == source.c.receiver)


def outcomes(source: Subquery, alliance_id: int | None) -> Subquery:
    """Per coupon of a cohort: orders attached to its uses at the receiver, their net amount, face value and cost
    of the uses, and how many uses are free items costed at their value."""
    use, joined = _uses_at_receiver(source, alliance_id)
    return (select(source.c.coupon_id, func.count(use.order_id).label("orders"),
                   func.sum(Order.amount_fen - Order.refunded_fen).label("first_order_fen"),
                   func.sum(use.discount_fen).label("discount_fen"),
                   func.sum(func.coalesce(use.cost_fen, use.discount_fen)).label("cost_fen"),
                   func.sum(case((use.cost_fen.is_(None), 1), else_=0)).label("costed_at_value"))
            .join(use, joined).outerjoin(Order, and_(Order.alliance_id == use.alliance_id, Order.id == use.order_id))
            .group_by(source.c.coupon_id).subquery("outcomes"))


def alliance_revenue(p: Principal, w: Window, *, referrer_id: int | None = None,
                     receiver_id: int | None = None) -> Subquery:
    """The revenue the alliance brought (domain.FIGURES["revenue_fen"], domain.is_alliance_revenue in SQL): orders
    in the window credited to a merchant other than the one where they were placed, net of refunds."""
    conditions = [policy.referred_orders(p), Order.referrer_merchant_id.is_not(None),
                  Order.referrer_merchant_id != Order.merchant_id, Order.occurred_at >= w.start,
                  Order.occurred_at < w.end]
    if w.alliance_id is not None:
        conditions.append(Order.alliance_id == w.alliance_id)
    if referrer_id is not None:
        conditions.append(Order.referrer_merchant_id == referrer_id)
    if receiver_id is not None:
        conditions.append(Order.merchant_id == receiver_id)
    return (select(_bucket(Order.occurred_at, w).label("week"),
                   Order.referrer_merchant_id.label("referrer"), Order.merchant_id.label("receiver"),
                   (Order.amount_fen - Order.refunded_fen).label("net_fen"))
            .where(*conditions).subquery("revenue"))


def funnel(session: Session, p: Principal, w: Window, *, referrer_id: int | None = None,
           receiver_id: int | None = None) -> dict[Pair, PairFigures]:
    """The funnel's raw figures per (week, referrer, receiver): four grouped statements."""
    figures: dict[Pair, PairFigures] = {}

    def at(row: Any) -> PairFigures:
        key = (int(row.week), row.referrer, row.receiver)
        return figures.setdefault(key, PairFigures())

    coupons = cohort(w, _pair_visible(p), referrer_id=referrer_id, receiver_id=receiver_id)
    done = outcomes(coupons, w.alliance_id)
    stmt = _grouped(
        coupons, func.count().label("issued"),
        func.sum(case((or_(coupons.c.claimed_at.is_not(None), coupons.c.first_use.is_not(None)), 1), else_=0))
        .label("claimed"),
        func.count(coupons.c.first_use).label("arrived"),
        func.sum(case((done.c.orders > 0, 1), else_=0)).label("converted"),
        func.sum(done.c.first_order_fen).label("first_order"), func.sum(done.c.discount_fen).label("discount"),
        func.sum(done.c.cost_fen).label("cost"), func.sum(done.c.costed_at_value).label("costed_at_value"),
    ).outerjoin(done, done.c.coupon_id == coupons.c.coupon_id)
    for row in session.execute(stmt):
        f = at(row)
        f.issued, f.claimed, f.arrived = _int(row.issued), _int(row.claimed), _int(row.arrived)
        f.converted, f.first_order_fen = _int(row.converted), _int(row.first_order)
        f.discount_fen, f.benefit_cost_fen = _int(row.discount), _int(row.cost)
        f.costed_at_value = _int(row.costed_at_value)

    use, joined = _uses_at_receiver(coupons, w.alliance_id)
    keys = (coupons.c.week, coupons.c.referrer, coupons.c.receiver)
    stmt = (select(*keys, Rebate.payee_type, func.sum(Rebate.amount_fen - Rebate.reversed_fen).label("net_fen"))
            .select_from(coupons).join(use, joined)
            .join(Rebate, and_(Rebate.alliance_id == use.alliance_id, Rebate.order_id == use.order_id))
            .where(Rebate.payee_type.in_(("merchant", "staff"))).group_by(*keys, Rebate.payee_type))
    for row in session.execute(stmt):
        f = at(row)
        if row.payee_type == "merchant":
            f.commission_fen = _int(row.net_fen)
        else:
            f.staff_incentive_fen = _int(row.net_fen)

    stmt = (select(*keys, func.count().label("ratings"), func.sum(Feedback.rating).label("rating_sum"),
                   func.sum(case((Feedback.is_complaint.is_(True), 1), else_=0)).label("complaints"))
            .select_from(coupons).join(use, joined)
            .join(Feedback, and_(Feedback.alliance_id == use.alliance_id, Feedback.redemption_id == use.id))
            .where(policy.feedback(p)).group_by(*keys))
    for row in session.execute(stmt):
        f = at(row)
        f.ratings, f.rating_sum, f.complaints = _int(row.ratings), _int(row.rating_sum), _int(row.complaints)

    revenue = alliance_revenue(p, w, referrer_id=referrer_id, receiver_id=receiver_id)
    for row in session.execute(_grouped(revenue, func.sum(revenue.c.net_fen).label("net_fen"),
                                        func.count().label("orders"))):
        f = at(row)
        f.revenue_fen, f.revenue_orders = _int(row.net_fen), _int(row.orders)
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
    """The funnel's arrivals, conversions and revenue per (referrer, receiver) between two different merchants:
    the same figures as the funnel, without the coupons nobody used yet."""
    return flows_of(funnel(session, p, Window(w.start, w.end, (), w.alliance_id)))


def flows_of(figures: dict[Pair, PairFigures]) -> list[Flow]:
    """The flow cells of a funnel over the whole period (no weeks)."""
    cells = [Flow(referrer, receiver, f.arrived, f.converted, f.revenue_fen)
             for (_, referrer, receiver), f in figures.items()
             if referrer is not None and receiver is not None and referrer != receiver
             and (f.arrived or f.revenue_fen)]
    return sorted(cells, key=lambda c: (c.referrer_id, c.receiver_id))


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
    """Per referrer (merchant or staff member) with any activity in the window: the cohort of the coupons they
    handed out in it (referrals, arrivals, conversions: domain.FIGURES) and their rebates: two grouped statements."""
    standings: dict[int, Standing] = {}

    def of(key: Any) -> Standing:
        return standings.setdefault(int(key), Standing(int(key)))

    if by_staff:
        coupon_scope = policy.staff_leaderboard(p, Coupon.referrer_staff_id)
        rebate_scope = policy.staff_leaderboard(p, Rebate.payee_id)
    else:
        coupon_scope = policy.merchant_leaderboard(p, Coupon.alliance_id)
        rebate_scope = policy.merchant_leaderboard(p, Rebate.alliance_id)
    alliance = w.alliance_id

    coupons = cohort(Window(w.start, w.end, (), w.alliance_id), coupon_scope)
    done = outcomes(coupons, w.alliance_id)
    who = coupons.c.staff if by_staff else coupons.c.referrer
    converted = func.sum(case((done.c.orders > 0, 1), else_=0))
    stmt = (select(who, func.count(), func.count(coupons.c.first_use), converted)
            .select_from(coupons).outerjoin(done, done.c.coupon_id == coupons.c.coupon_id)
            .where(who.is_not(None)).group_by(who))
    for key, referrals, arrivals, conversions in session.execute(stmt):
        standing = of(key)
        standing.referrals, standing.arrivals, standing.conversions = (_int(referrals), _int(arrivals),
                                                                       _int(conversions))

    stmt = select(Rebate.payee_id, func.sum(Rebate.amount_fen - Rebate.reversed_fen)).where(
        rebate_scope, Rebate.payee_type == ("staff" if by_staff else "merchant"),
        Rebate.created_at >= w.start, Rebate.created_at < w.end,
        *([Rebate.alliance_id == alliance] if alliance is not None else []),
    ).group_by(Rebate.payee_id)
    for payee, net in session.execute(stmt):
        of(payee).earnings_fen = _int(net)
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
