"""Use cases of candidates: keep the list (add, edit, record mystery visits and sincerity answers), read it with each
candidate's status following its agreements, and the alliance's scoring weights. Services only flush."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid, NotFound
from lianmeng.merchants import repository as merchants_repo
from lianmeng.partners import domain, repository
from lianmeng.partners.domain import DEFAULT_WEIGHTS, CandidateStatus, Standard
from lianmeng.partners.errors import Problem
from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit, ScoringWeights, SincerityAnswer
from lianmeng.partners.schemas import (
    CandidateCreate,
    CandidateOut,
    CandidateStoreIn,
    CandidateStoreOut,
    CandidateUpdate,
    SincerityIn,
    SincerityOut,
    VisitIn,
    VisitOut,
    WeightsIn,
    WeightsOut,
)
from lianmeng.tenancy import Principal, policy
from lianmeng.verification import service as verification
from lianmeng.verification.schemas import DETAIL_FIELDS

SIMPLE_FIELDS = ("name", "industry", "brand_tags", "years_in_business", "store_count", "store_count_trend",
                 "rating", "rating_source", "rating_date", "satisfaction_pct", "complaints", "major_negative_news",
                 "negative_news_note", "has_member_system", "shares_deidentified_data", "status", "notes")


def _alliance_of(actor: Principal) -> int:
    if actor.alliance_id is None:
        raise Forbidden()  # the platform admin keeps no list of its own
    return actor.alliance_id


def _check_merchant(session: Session, actor: Principal, merchant_id: int | None) -> None:
    """A linked merchant must be another merchant of the caller's alliance (422 otherwise, as a foreign id in a body
    is answered everywhere)."""
    if merchant_id is None:
        return
    if merchant_id == actor.merchant_id:
        raise Invalid(Problem.CANDIDATE_SELF)
    try:
        merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    except NotFound:
        raise Invalid("wrong_alliance", what="merchant", details={"merchant_id": merchant_id}) from None
    if merchant.alliance_id != actor.alliance_id:
        raise Invalid("wrong_alliance", what="merchant", details={"merchant_id": merchant_id})


def _refuse_duplicate(session: Session, actor: Principal, merchant_id: int | None, candidate_id: int = 0) -> None:
    if merchant_id is None:
        return
    listed = session.scalars(repository.list_candidates(actor).where(Candidate.merchant_id == merchant_id,
                                                                     Candidate.id != candidate_id)).first()
    if listed is not None:
        raise Conflict("duplicate", what="candidate", details={"candidate_id": listed.id})


def _replace_stores(session: Session, candidate: Candidate, stores: Sequence[CandidateStoreIn]) -> None:
    for old in repository.stores_of(session, candidate.alliance_id, [candidate.id])[candidate.id]:
        session.delete(old)
    session.flush()
    session.add_all([CandidateStore(alliance_id=candidate.alliance_id,
                                    candidate_id=candidate.id, name=s.name, address=s.address, latitude=s.latitude,
                                    longitude=s.longitude) for s in stores])


# what a user may clear by sending null (unknown again); the other fields ignore null
CLEARABLE = ("years_in_business", "store_count", "rating", "rating_date", "satisfaction_pct", "complaints",
             "has_member_system", "shares_deidentified_data")


def _values(data: CandidateCreate | CandidateUpdate) -> dict[str, Any]:
    given = data.model_dump(exclude_unset=True, exclude={"stores", "merchant_id"})
    return {key: (value.value if hasattr(value, "value") else value) for key, value in given.items()
            if key in SIMPLE_FIELDS and (value is not None or key in CLEARABLE)}


def create_candidate(session: Session, actor: Principal, data: CandidateCreate) -> Candidate:
    policy.require_candidate_keeper(actor)
    alliance_id = _alliance_of(actor)
    _check_merchant(session, actor, data.merchant_id)
    _refuse_duplicate(session, actor, data.merchant_id)
    values = {key: value for key, value in _values(data).items() if value is not None}
    if data.merchant_id is not None:  # an alliance merchant: start from what its own record says
        merchant = merchants_repo.get_merchant(session, actor, data.merchant_id)
        values.setdefault("brand_tags", list(merchant.brand_tags))
        if merchant.years_in_business:
            values.setdefault("years_in_business", merchant.years_in_business)
    candidate = Candidate(alliance_id=alliance_id, owner_merchant_id=actor.merchant_id if actor.is_merchant_side
                          else None, merchant_id=data.merchant_id,
                          created_by_user_id=actor.id if actor.kind == "user" else None, **values)
    candidate.brand_tags = values.get("brand_tags", [])
    session.add(candidate)
    session.flush()
    if data.stores:
        _replace_stores(session, candidate, data.stores)
    verification.enter_details(session, actor, candidate, data.model_dump(include=set(DETAIL_FIELDS)))
    return candidate


def update_candidate(session: Session, actor: Principal, candidate_id: int, data: CandidateUpdate) -> Candidate:
    candidate = repository.get_candidate(session, actor, candidate_id, lock=True)
    policy.require_candidate_keeper(actor)
    if "merchant_id" in data.model_fields_set and data.merchant_id != candidate.merchant_id:
        _check_merchant(session, actor, data.merchant_id)
        _refuse_duplicate(session, actor, data.merchant_id, candidate.id)
        candidate.merchant_id = data.merchant_id
    for key, value in _values(data).items():
        setattr(candidate, key, value)
    if data.stores is not None:
        _replace_stores(session, candidate, data.stores)
    if verification.touches_details(data.model_fields_set):
        verification.enter_details(session, actor, candidate, data.model_dump(include=data.model_fields_set
                                                                               & set(DETAIL_FIELDS)))
    candidate.updated_at = clock.now()
    session.flush()
    return candidate


def _not_future(day: date, field: str) -> None:
    if day > clock.today_in_shanghai():
        raise Invalid("validation_error", details={field: "must not be in the future"})


def add_visit(session: Session, actor: Principal, candidate_id: int, data: VisitIn) -> MysteryVisit:
    candidate = repository.get_candidate(session, actor, candidate_id)
    policy.require_candidate_keeper(actor)
    _not_future(data.visited_on, "visited_on")
    visit = MysteryVisit(alliance_id=candidate.alliance_id,
                         candidate_id=candidate.id, visitor=data.visitor.strip(), visited_on=data.visited_on,
                         score=data.score, findings=data.findings, recorded_at=clock.now(),
                         recorded_by_user_id=actor.id if actor.kind == "user" else None)
    session.add(visit)
    session.flush()
    return visit


def add_answer(session: Session, actor: Principal, candidate_id: int, data: SincerityIn) -> SincerityAnswer:
    """Record one answer to a sincerity test, as asked by someone on a day (today: now; an earlier day: its noon,
    Beijing time). Answers are kept; the latest to each question counts."""
    candidate = repository.get_candidate(session, actor, candidate_id)
    policy.require_candidate_keeper(actor)
    now = clock.now()
    asked_at = now
    if data.asked_on is not None and data.asked_on != clock.today_in_shanghai(now):
        _not_future(data.asked_on, "asked_on")
        asked_at = datetime.combine(data.asked_on, time(12), tzinfo=clock.SHANGHAI).astimezone(UTC)
    answer = SincerityAnswer(alliance_id=candidate.alliance_id,
                             candidate_id=candidate.id, question=data.question.value, answer=data.answer.value,
                             asked_by=data.asked_by.strip(), asked_at=asked_at,
                             recorded_by_user_id=actor.id if actor.kind == "user" else None)
    session.add(answer)
    session.flush()
    return answer


# --- reading -------------------------------------------------------------------------------------------------


def effective_status(session: Session, candidate: Candidate) -> CandidateStatus:
    """What the user set, unless the agreements say more: between the keeper and the candidate's merchant (the
    operator's list: the candidate's merchant with anyone)."""
    stored = CandidateStatus(candidate.status) if candidate.status in set(CandidateStatus) else (
        CandidateStatus.WATCHING)
    if candidate.merchant_id is None:
        return stored
    statuses = repository.agreement_statuses(session, candidate.alliance_id, candidate.merchant_id,
                                             candidate.owner_merchant_id)
    return domain.status_from_agreements(stored, statuses)


def to_out_many(session: Session, candidates: Sequence[Candidate]) -> list[CandidateOut]:
    ids = [c.id for c in candidates]
    alliance_id = candidates[0].alliance_id if candidates else 0  # one caller's candidates: one alliance
    stores = repository.stores_of(session, alliance_id, ids)
    visits = repository.visits_of(session, alliance_id, ids)
    answers = repository.answers_of(session, alliance_id, ids)
    out = []
    for c in candidates:
        data: dict[str, Any] = {col.key: getattr(c, col.key) for col in Candidate.__table__.columns}
        data.update(kind="merchant" if c.merchant_id is not None else "prospect",
                    status=effective_status(session, c),
                    stores=[CandidateStoreOut.model_validate(s) for s in stores[c.id]],
                    visits=[VisitOut.model_validate(v) for v in visits[c.id]],
                    sincerity=[SincerityOut.model_validate(a) for a in answers[c.id]])
        out.append(CandidateOut(**data))
    return out


def to_out(session: Session, candidate: Candidate) -> CandidateOut:
    return to_out_many(session, [candidate])[0]


def list_candidates(session: Session, actor: Principal, *, status: CandidateStatus | None = None,
                    industry: str | None = None, kind: str | None = None, q: str | None = None) -> list[Candidate]:
    """The caller's list (statuses follow the agreements, so a status filter is applied after reading them)."""
    rows = list(session.scalars(repository.list_candidates(actor, industry=industry, kind=kind, q=q)))
    if status is None:
        return rows
    return [c for c in rows if effective_status(session, c) is status]


# --- weights ------------------------------------------------------------------------------------------------


def weights_map(session: Session, alliance_id: int) -> dict[Standard, int]:
    row = repository.weights_of(session, alliance_id)
    if row is None:
        return dict(DEFAULT_WEIGHTS)
    return {standard: int(getattr(row, standard.value)) for standard in Standard}


def get_weights(session: Session, actor: Principal) -> WeightsOut:
    policy.require_staff_login(actor)
    alliance_id = _alliance_of(actor)
    weights = weights_map(session, alliance_id)
    return WeightsOut(**{s.value: w for s, w in weights.items()},
                      default=repository.weights_of(session, alliance_id) is None)


def set_weights(session: Session, actor: Principal, data: WeightsIn) -> WeightsOut:
    """The operator sets the alliance's weights (each 0–100, summing to 100: the schema and the table refuse
    anything else)."""
    policy.require_operator(actor)
    alliance_id = _alliance_of(actor)
    values = data.model_dump()
    problems = domain.weight_problems({Standard(k): v for k, v in values.items()})
    if problems:
        raise Invalid("validation_error", details=problems)
    row = repository.weights_of(session, alliance_id, lock=True)
    before = {key: getattr(row, key) for key in values} if row is not None else {}
    if row is None:
        row = ScoringWeights(alliance_id=alliance_id, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    row.updated_by_user_id = actor.id if actor.kind == "user" else None
    session.flush()
    audit.record(session, actor, AuditAction.SCORING_WEIGHTS, alliance_id, alliance_id=alliance_id, before=before,
                 after=values, only_changes=True)
    return get_weights(session, actor)
