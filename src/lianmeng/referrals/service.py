"""Use cases: the referral funnel, the alliance flow matrix, leaderboards, and members' feedback on a visit.

Reports are reads for people who work for the alliance or a merchant (members get 403); their scope comes from
tenancy.policy through the repository. Feedback is written by the member of the redemption only, once.
Nothing here commits: the door does (`Writer.run`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.db import insert_once
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid
from lianmeng.referrals import domain, repository, rollup
from lianmeng.referrals.domain import Grouping, LeaderboardBy, LeaderboardPeriod, Metric, Period
from lianmeng.referrals.errors import Problem
from lianmeng.referrals.models import Feedback
from lianmeng.referrals.schemas import (
    FeedbackCreate,
    FlowCell,
    FlowsOut,
    FunnelOut,
    FunnelRow,
    LeaderboardOut,
    LeaderboardRow,
    MerchantBalance,
)
from lianmeng.tenancy import Principal, policy


def _period(date_from: date | None, date_to: date | None) -> Period:
    try:
        return domain.report_period(date_from, date_to, clock.today_in_shanghai())
    except domain.PeriodRefused as refused:
        raise Invalid(refused.code, **refused.params) from refused


def _window(period: Period, weeks: list[domain.Week] | None = None,
            alliance_id: int | None = None) -> repository.Window:
    start, end = domain.utc_bounds(period)
    edges = [domain.shanghai_midnight(w.start) for w in (weeks or [])[1:]]
    return repository.Window(start, end, edges, alliance_id)


def funnel(session: Session, p: Principal, *, date_from: date | None = None, date_to: date | None = None,
           group: Grouping = Grouping.PERIOD, referrer_merchant_id: int | None = None,
           receiving_merchant_id: int | None = None, alliance_id: int | None = None) -> FunnelOut:
    policy.require_staff_login(p)
    period = _period(date_from, date_to)
    weeks = domain.weeks_in(period) if group is Grouping.WEEK else []
    window = _window(period, weeks, alliance_id)
    figures = rollup.funnel(session, p, window, referrer_id=referrer_merchant_id, receiver_id=receiving_merchant_id)
    names = repository.merchant_names(session, p, [m for _, a, b in figures for m in (a, b)])
    rows = []
    for (index, referrer, receiver), f in sorted(
            figures.items(), key=lambda item: (item[0][0], item[0][1] or 0, item[0][2] or 0)):
        week = weeks[index] if weeks else None
        cost = domain.acquisition_cost_fen(f.benefit_cost_fen, f.commission_fen, f.staff_incentive_fen)
        rows.append(FunnelRow(
            week=week.label if week else None, week_start=week.start if week else None,
            referrer_merchant_id=referrer, referrer_merchant_name=names.get(referrer) if referrer else None,
            receiving_merchant_id=receiver, receiving_merchant_name=names.get(receiver) if receiver else None,
            issued=f.issued, claimed=f.claimed, arrived=f.arrived, converted=f.converted,
            conversion_rate_bp=domain.conversion_rate_bp(f.converted, f.arrived), revenue_fen=f.revenue_fen,
            first_order_fen=f.first_order_fen, avg_first_order_fen=domain.average_fen(f.first_order_fen, f.converted),
            discount_fen=f.discount_fen, benefit_cost_fen=f.benefit_cost_fen, costed_at_value=f.costed_at_value,
            commission_fen=f.commission_fen, staff_incentive_fen=f.staff_incentive_fen, acquisition_cost_fen=cost,
            acquisition_cost_per_conversion_fen=domain.average_fen(cost, f.converted),
            avg_rating=domain.average_rating(f.rating_sum, f.ratings), ratings=f.ratings, complaints=f.complaints,
        ))
    return FunnelOut(date_from=period.start, date_to=period.end, group=group, as_of=rollup.as_of(session, p, window),
                     items=rows)


def flows(session: Session, p: Principal, *, date_from: date | None = None, date_to: date | None = None,
          alliance_id: int | None = None) -> FlowsOut:
    """The merchant × merchant matrix (only non-empty cells) and each merchant's sent / received balance.
    A merchant-side caller sees only the cells it is a party to, so other merchants' totals count only their
    traffic with the caller."""
    policy.require_staff_login(p)
    period = _period(date_from, date_to)
    window = _window(period, alliance_id=alliance_id)
    cells = rollup.flows(session, p, window)
    names = repository.merchant_names(session, p, alliance_id=alliance_id)
    names.update(repository.merchant_names(session, p, [m for c in cells for m in (c.referrer_id, c.receiver_id)
                                                       if m not in names]))
    sent = dict.fromkeys(names, 0)
    received = dict.fromkeys(names, 0)
    revenue_in = dict.fromkeys(names, 0)
    for cell in cells:
        sent[cell.referrer_id] = sent.get(cell.referrer_id, 0) + cell.arrived
        received[cell.receiver_id] = received.get(cell.receiver_id, 0) + cell.arrived
        revenue_in[cell.receiver_id] = revenue_in.get(cell.receiver_id, 0) + cell.revenue_fen
    merchants = [
        MerchantBalance(merchant_id=m, name=names.get(m, ""), sent=sent.get(m, 0), received=received.get(m, 0),
                        balance=received.get(m, 0) - sent.get(m, 0), revenue_in_fen=revenue_in.get(m, 0))
        for m in sorted(set(names) | set(sent) | set(received))
    ]
    items = [FlowCell(referrer_merchant_id=c.referrer_id, receiving_merchant_id=c.receiver_id, arrived=c.arrived,
                      converted=c.converted, revenue_fen=c.revenue_fen) for c in cells]
    return FlowsOut(date_from=period.start, date_to=period.end, as_of=rollup.as_of(session, p, window),
                    merchants=merchants, items=items)


METRICS: dict[Metric, Callable[[repository.Standing], int]] = {
    Metric.REFERRALS: lambda s: s.referrals,
    Metric.CONVERSIONS: lambda s: s.conversions,
    Metric.EARNINGS: lambda s: s.earnings_fen,
}


def leaderboard(session: Session, p: Principal, *, by: LeaderboardBy = LeaderboardBy.MERCHANT,
                period: LeaderboardPeriod = LeaderboardPeriod.WEEK, at: date | None = None,
                metric: Metric = Metric.REFERRALS, limit: int = 20, alliance_id: int | None = None) -> LeaderboardOut:
    """榜单: merchants are ranked alliance-wide for everyone working in it; staff only within the caller's own
    merchant (the operator: the whole alliance)."""
    policy.require_staff_login(p)
    try:
        span = domain.leaderboard_period(period, at or clock.today_in_shanghai())
    except domain.PeriodRefused as refused:
        raise Invalid(refused.code, **refused.params) from refused
    by_staff = by is LeaderboardBy.STAFF
    standings = repository.leaderboard(session, p, by_staff, _window(span, alliance_id=alliance_id))
    staff: dict[int, tuple[str, int]] = {}
    merchants: dict[int, str] = {}
    if by_staff:
        staff = repository.staff_names(session, p, standings)
        standings = {k: v for k, v in standings.items() if k in staff}  # never rank what the caller cannot name
    else:
        merchants = repository.merchant_names(session, p, standings)
        standings = {k: v for k, v in standings.items() if k in merchants}
    items = []
    for rank, s in domain.ranked(list(standings.values()), METRICS[metric], lambda s: s.id, limit):
        name, merchant_id = staff[s.id] if by_staff else (merchants[s.id], None)
        items.append(LeaderboardRow(rank=rank, id=s.id, name=name, merchant_id=merchant_id, referrals=s.referrals,
                                    arrivals=s.arrivals, conversions=s.conversions, earnings_fen=s.earnings_fen))
    return LeaderboardOut(by=by, period=period, metric=metric, period_start=span.start, period_end=span.end,
                          items=items)


def rate_visit(session: Session, p: Principal, redemption_id: int, body: FeedbackCreate) -> Feedback:
    """The member rates the partner it was sent to, once per arrival. Visible (not the caller's) → 404; a
    merchant or operator who can see the arrival may not rate in the member's place → 403."""
    redemption = repository.get_redemption(session, p, redemption_id)
    if p.role is not Role.MEMBER or p.member_id != redemption.member_id:
        raise Forbidden()
    if repository.feedback_of_redemption(session, redemption.id) is not None:
        raise Conflict(Problem.FEEDBACK_EXISTS)
    feedback = Feedback(
        alliance_id=redemption.alliance_id, redemption_id=redemption.id, member_id=redemption.member_id,
        merchant_id=redemption.merchant_id, referrer_merchant_id=redemption.referrer_merchant_id,
        rating=body.rating, comment=body.comment.strip(), is_complaint=domain.is_complaint(body.rating),
        at=clock.now(),
    )
    if not insert_once(session, feedback):  # a concurrent request rated it first
        raise Conflict(Problem.FEEDBACK_EXISTS)
    return feedback

