"""Use case: a candidate's scorecard. Gathers the evidence (the keeper's view: a merchant's list is scored from that
merchant's side, the operator's from the alliance's) and hands it to the pure rules in `partners.domain`.

Overlap comes from the overlap capability's seams, expected conversion at a distance from the distance capability's,
so both improve (uploads, a fitted curve) without a change here."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lianmeng.distance.domain import travel_minutes
from lianmeng.distance.service import conversion_at
from lianmeng.kit import clock
from lianmeng.kit.geo import distance_m
from lianmeng.overlap import service as overlap
from lianmeng.overlap.domain import OverlapFigure
from lianmeng.partners import domain, repository
from lianmeng.partners.domain import (
    BrandEvidence,
    DistanceEvidence,
    Evidence,
    OverlapEvidence,
    Scorecard,
    ServiceEvidence,
    SincerityEvidence,
    SincerityQuestion,
    SincerityReply,
)
from lianmeng.partners.models import Candidate
from lianmeng.partners.schemas import ComponentOut, ScorecardOut, StandardOut
from lianmeng.partners.service import weights_map
from lianmeng.tenancy import Principal


def _overlap(session: Session, c: Candidate) -> OverlapEvidence:
    figure: OverlapFigure | None
    if c.merchant_id is not None:
        figure = (overlap.merchant_overlap(session, c.owner_merchant_id, c.merchant_id) if c.owner_merchant_id
                  else overlap.alliance_overlap(session, c.merchant_id))
    else:
        figure = overlap.prospect_overlap(session, c.id, c.owner_merchant_id)
    if figure is None:
        return OverlapEvidence(industry=c.industry)
    return OverlapEvidence(industry=c.industry, shared=figure.shared, base=figure.base, source=figure.source)


def _brand(session: Session, c: Candidate) -> BrandEvidence:
    theirs = list(c.brand_tags or [])
    if not theirs and c.merchant_id is not None:
        merchant = repository.merchant_of(session, c.merchant_id)
        theirs = list(merchant.brand_tags) if merchant else []
    if c.owner_merchant_id is not None:
        owner = repository.merchant_of(session, c.owner_merchant_id)
        ours = list(owner.brand_tags) if owner else []
    else:  # the operator: the alliance's tone is what its merchants say of themselves
        ours = sorted({t for m in repository.alliance_merchants(session, c.alliance_id) if m.id != c.merchant_id
                       for t in m.brand_tags})
    return BrandEvidence(theirs=tuple(theirs), ours=tuple(ours))


def _latest(answers: list[tuple[str, str]], question: SincerityQuestion) -> SincerityReply | None:
    replies = [a for q, a in answers if q == question.value and a in set(SincerityReply)]
    return SincerityReply(replies[-1]) if replies else None


def _distance(session: Session, c: Candidate, their_points: list[tuple[float, float]]) -> DistanceEvidence:
    if c.owner_merchant_id is not None:
        ours = repository.merchant_stores(session, [c.owner_merchant_id])
    else:
        ours = repository.merchant_stores(session, [m.id for m in repository.alliance_merchants(session, c.alliance_id)
                                                    if m.id != c.merchant_id])
    if not ours or not their_points:
        return DistanceEvidence()
    km = min(distance_m(a[0], a[1], b[0], b[1]) for a in ours for b in their_points) / 1000
    estimate = conversion_at(session, c.alliance_id, km)
    return DistanceEvidence(km=km, minutes=travel_minutes(km), conversion_pct=100 * estimate.rate,
                            conversion_source=estimate.source)


def evidence_of(session: Session, c: Candidate) -> Evidence:
    stores = repository.stores_of(session, c.alliance_id, [c.id])[c.id]
    points = [(s.latitude, s.longitude) for s in stores]
    if not points and c.merchant_id is not None:
        points = repository.merchant_stores(session, [c.merchant_id])
    visits = repository.visits_of(session, c.alliance_id, [c.id])[c.id]
    answers = [(a.question, a.answer) for a in repository.answers_of(session, c.alliance_id, [c.id])[c.id]]
    now = clock.now()
    service = ServiceEvidence(
        rating=c.rating, rating_source=c.rating_source, rating_date=c.rating_date if isinstance(
            c.rating_date, date) else None, satisfaction_pct=c.satisfaction_pct, complaints=c.complaints,
        store_count=c.store_count or (len(points) or None), visit_scores=tuple(v.score for v in visits),
        observed=repository.observed_service(session, c.merchant_id, now) if c.merchant_id else None)
    sincerity = SincerityEvidence(
        joint_fund=_latest(answers, SincerityQuestion.JOINT_FUND),
        referred_service=_latest(answers, SincerityQuestion.REFERRED_SERVICE),
        shares_data=c.shares_deidentified_data, has_member_system=c.has_member_system,
        observed=repository.observed_sincerity(session, c.merchant_id) if c.merchant_id else None)
    return Evidence(overlap=_overlap(session, c), brand=_brand(session, c), service=service, sincerity=sincerity,
                    distance=_distance(session, c, points), major_negative_news=bool(c.major_negative_news))


def score(session: Session, c: Candidate) -> Scorecard:
    return domain.scorecard(evidence_of(session, c), weights_map(session, c.alliance_id))


def scorecard_of(session: Session, actor: Principal, candidate_id: int) -> tuple[Candidate, Scorecard]:
    candidate = repository.get_candidate(session, actor, candidate_id)
    return candidate, score(session, candidate)


def to_out(candidate_id: int, card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        candidate_id=candidate_id, total_score=card.total, gates=list(card.gates), verdict=card.verdict, zh=card.zh,
        en=card.en, standards=[StandardOut(
            standard=s.standard, score=s.score, weight=s.weight, basis=s.basis, passed=s.passed,
            threshold_zh=s.threshold_zh, threshold_en=s.threshold_en, zh=s.zh, en=s.en,
            figures=[ComponentOut(key=f.key, score=f.score, basis=f.basis, weight=f.weight, zh=f.zh, en=f.en)
                     for f in s.components]) for s in card.standards])
