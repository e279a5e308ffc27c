"""Queries of partner discovery: candidates within the caller's scope, and the figures Lianmeng observed about a
merchant (members' follow-up ratings, referrals, benefits, campaign money, statement disputes, proposal answers).

The observed figures are aggregates over the whole alliance about one merchant; they are read only through the
scorecard and the recommendations, which use them from k cases upward (`partners.domain.MIN_SAMPLE`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.campaigns.models import Campaign, CampaignMerchant
from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.merchants.models import Merchant, Store
from lianmeng.partners.domain import FeedbackWindow, ObservedService, ObservedSincerity
from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit, ScoringWeights, SincerityAnswer
from lianmeng.referrals.models import Feedback
from lianmeng.settlement.models import Statement, StatementEvent
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select

# --- candidates ---------------------------------------------------------------------------------------------


def get_candidate(session: Session, p: Principal, candidate_id: int, *, lock: bool = False) -> Candidate:
    return get_scoped(session, Candidate, candidate_id, policy.candidates(p), "candidate", lock=lock)


def list_candidates(p: Principal, *, industry: str | None = None, kind: str | None = None,
                    q: str | None = None) -> Select[Any]:
    stmt = scoped_select(Candidate, policy.candidates(p))
    if industry:
        stmt = stmt.where(Candidate.industry == industry)
    if kind == "merchant":
        stmt = stmt.where(Candidate.merchant_id.is_not(None))
    elif kind == "prospect":
        stmt = stmt.where(Candidate.merchant_id.is_(None))
    if q:
        stmt = stmt.where(Candidate.name.ilike(f"%{q}%"))
    return stmt.order_by(Candidate.id)


def stores_of(session: Session, alliance_id: int, candidate_ids: list[int]) -> dict[int, list[CandidateStore]]:
    out: dict[int, list[CandidateStore]] = {i: [] for i in candidate_ids}
    if candidate_ids:
        rows = session.scalars(select(CandidateStore).where(CandidateStore.alliance_id == alliance_id,
                                                       CandidateStore.candidate_id.in_(candidate_ids))
                               .order_by(CandidateStore.id))
        for row in rows:
            out[row.candidate_id].append(row)
    return out


def visits_of(session: Session, alliance_id: int, candidate_ids: list[int]) -> dict[int, list[MysteryVisit]]:
    out: dict[int, list[MysteryVisit]] = {i: [] for i in candidate_ids}
    if candidate_ids:
        rows = session.scalars(select(MysteryVisit).where(MysteryVisit.alliance_id == alliance_id,
                                                       MysteryVisit.candidate_id.in_(candidate_ids))
                               .order_by(MysteryVisit.visited_on, MysteryVisit.id))
        for row in rows:
            out[row.candidate_id].append(row)
    return out


def answers_of(session: Session, alliance_id: int, candidate_ids: list[int]) -> dict[int, list[SincerityAnswer]]:
    """Every answer, oldest first (the latest answer to a question counts)."""
    out: dict[int, list[SincerityAnswer]] = {i: [] for i in candidate_ids}
    if candidate_ids:
        rows = session.scalars(select(SincerityAnswer).where(SincerityAnswer.alliance_id == alliance_id,
                                                       SincerityAnswer.candidate_id.in_(candidate_ids))
                               .order_by(SincerityAnswer.asked_at, SincerityAnswer.id))
        for row in rows:
            out[row.candidate_id].append(row)
    return out


def weights_of(session: Session, alliance_id: int, *, lock: bool = False) -> ScoringWeights | None:
    stmt = select(ScoringWeights).where(ScoringWeights.alliance_id == alliance_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def merchant_of(session: Session, merchant_id: int) -> Merchant | None:
    return session.get(Merchant, merchant_id)


def merchant_stores(session: Session, merchant_ids: list[int]) -> list[tuple[float, float]]:
    """(latitude, longitude) of the active stores of these merchants."""
    if not merchant_ids:
        return []
    rows = session.execute(select(Store.latitude, Store.longitude)
                           .where(Store.merchant_id.in_(merchant_ids), Store.active.is_(True)))
    return [(float(lat), float(lng)) for lat, lng in rows]


def alliance_merchants(session: Session, alliance_id: int) -> list[Merchant]:
    return list(session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id).order_by(Merchant.id)))


def agreement_statuses(session: Session, alliance_id: int, merchant_id: int, with_merchant: int | None) -> list[str]:
    """Statuses of the agreements of `merchant_id` with `with_merchant` (either way round), or with anyone when
    `with_merchant` is None (the operator's view)."""
    involved = or_(Agreement.merchant_a_id == merchant_id, Agreement.merchant_b_id == merchant_id)
    stmt = select(Agreement.status).where(Agreement.alliance_id == alliance_id, involved)
    if with_merchant is not None:
        stmt = stmt.where(or_(Agreement.merchant_a_id == with_merchant, Agreement.merchant_b_id == with_merchant))
    return list(session.scalars(stmt))


def partners_of(session: Session, alliance_id: int, merchant_id: int | None) -> list[int]:
    """Merchants in an active agreement with `merchant_id` (the operator, None: every merchant in any active one)."""
    stmt = select(Agreement.merchant_a_id, Agreement.merchant_b_id).where(
        Agreement.alliance_id == alliance_id, Agreement.status == "active", Agreement.merchant_b_id.is_not(None))
    if merchant_id is not None:
        stmt = stmt.where(or_(Agreement.merchant_a_id == merchant_id, Agreement.merchant_b_id == merchant_id))
    found: set[int] = set()
    for a, b in session.execute(stmt):
        found.update(x for x in (a, b) if x is not None and x != merchant_id)
    return sorted(found)


# --- what Lianmeng observed about a merchant ------------------------------------------------------------------


def feedback_window(session: Session, merchant_id: int, since: datetime | None, until: datetime) -> FeedbackWindow:
    stmt = select(func.count(), func.coalesce(func.sum(Feedback.rating), 0),
                  func.coalesce(func.sum(case((Feedback.is_complaint.is_(True), 1), else_=0)), 0)).where(
        Feedback.merchant_id == merchant_id, Feedback.at < until)
    if since is not None:
        stmt = stmt.where(Feedback.at >= since)
    count, total, complaints = session.execute(stmt).one()
    return FeedbackWindow(int(count), int(total), int(complaints))


def observed_service(session: Session, merchant_id: int, now: datetime) -> ObservedService:
    """Follow-up ratings and complaints on it; arrivals referred to it by other merchants; and the coupons other
    merchants handed their customers for it whose fate is known (redeemed, or expired unused) against those it
    honoured (redeemed). An expired, unused coupon may be a member who never came, so this is an upper bound on
    refusals; complaints carry the rest."""
    ratings = feedback_window(session, merchant_id, None, now)
    referrals = session.scalar(select(func.count()).select_from(Redemption).where(
        Redemption.merchant_id == merchant_id, Redemption.referrer_merchant_id.is_not(None),
        Redemption.referrer_merchant_id != merchant_id)) or 0
    used = exists().where(Redemption.coupon_id == Coupon.id)
    referred = and_(Coupon.target_merchant_id == merchant_id, Coupon.referrer_merchant_id.is_not(None),
                    Coupon.referrer_merchant_id != merchant_id)
    closed, honoured = session.execute(select(
        func.count(), func.coalesce(func.sum(case((used, 1), else_=0)), 0)).where(
        referred, or_(used, and_(Coupon.valid_until.is_not(None), Coupon.valid_until < now)))).one()
    return ObservedService(ratings=ratings.ratings, rating_sum=ratings.rating_sum, complaints=ratings.complaints,
                           referrals=int(referrals), benefits_closed=int(closed), benefits_honoured=int(honoured))


def observed_sincerity(session: Session, merchant_id: int) -> ObservedSincerity:
    """Joint campaigns that ran (active or closed) with the cash it put in (its 投入); its issued statements and
    those it disputed; the days between each proposal made to it and its answer (accept or reject)."""
    campaigns, contributed = session.execute(
        select(func.count(), func.coalesce(func.sum(CampaignMerchant.contribution_fen), 0))
        .join(Campaign, Campaign.id == CampaignMerchant.campaign_id)
        .where(CampaignMerchant.merchant_id == merchant_id, Campaign.status != "draft")).one()
    disputed = exists().where(StatementEvent.statement_id == Statement.id, StatementEvent.action == "dispute")
    statements, disputes = session.execute(
        select(func.count(), func.coalesce(func.sum(case((disputed, 1), else_=0)), 0))
        .where(Statement.merchant_id == merchant_id, Statement.status != "draft")).one()
    events = session.execute(
        select(AgreementEvent.agreement_id, AgreementEvent.action, AgreementEvent.at)
        .join(Agreement, Agreement.id == AgreementEvent.agreement_id)
        .where(Agreement.merchant_b_id == merchant_id,
               AgreementEvent.action.in_(("propose", "accept", "reject")))
        .order_by(AgreementEvent.agreement_id, AgreementEvent.at, AgreementEvent.id)).all()
    days: list[float] = []
    asked: dict[int, datetime] = {}
    for agreement_id, action, at in events:
        if action == "propose":
            asked[agreement_id] = at
        elif agreement_id in asked:
            days.append((at - asked.pop(agreement_id)).total_seconds() / 86_400)
    return ObservedSincerity(campaigns=int(campaigns), contributed_fen=int(contributed), statements=int(statements),
                             disputed=int(disputes), answer_days=tuple(days))
