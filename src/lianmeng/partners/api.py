"""API of partner discovery: candidates, their scorecards, the alliance's weights and "who next"."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page
from lianmeng.merchants.domain import Industry
from lianmeng.partners import recommendations, repository, scorecard, service
from lianmeng.partners.domain import CandidateStatus
from lianmeng.partners.schemas import (
    CandidateCreate,
    CandidateOut,
    CandidateUpdate,
    RecommendationsOut,
    ScorecardOut,
    SincerityIn,
    SincerityOut,
    VisitIn,
    VisitOut,
    WeightsIn,
    WeightsOut,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(prefix="/partners", tags=["partners 伙伴发现"])


@router.get("/candidates", response_model=Page[CandidateOut],
            summary="The caller's candidates (a merchant: its own list; the operator: the alliance's)")
def list_candidates(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, status: CandidateStatus | None = None,
    industry: Industry | None = None, kind: Literal["merchant", "prospect"] | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[CandidateOut]:
    rows = service.list_candidates(session, principal, status=status, industry=industry, kind=kind, q=q)
    chosen = rows[paging.offset:paging.offset + paging.page_size]  # statuses follow agreements: filtered in Python
    return Page(items=service.to_out_many(session, chosen), total=len(rows), **paging.model_dump())


@router.post("/candidates", response_model=CandidateOut, status_code=201)
def create_candidate(body: CandidateCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.to_out(
        writer.session, service.create_candidate(writer.session, writer.principal, body)), body, 201)


@router.get("/candidates/{candidate_id}", response_model=CandidateOut)
def get_candidate(candidate_id: int, session: SessionDep, principal: CurrentPrincipal) -> CandidateOut:
    return service.to_out(session, repository.get_candidate(session, principal, candidate_id))


@router.patch("/candidates/{candidate_id}", response_model=CandidateOut)
def update_candidate(candidate_id: int, body: CandidateUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.to_out(
        writer.session, service.update_candidate(writer.session, writer.principal, candidate_id, body)), body)


@router.post("/candidates/{candidate_id}/visits", response_model=VisitOut, status_code=201,
             summary="Record a mystery-shopper visit (who, when, score 1–5, findings)")
def add_visit(candidate_id: int, body: VisitIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: VisitOut.model_validate(
        service.add_visit(writer.session, writer.principal, candidate_id, body)), body, 201)


@router.post("/candidates/{candidate_id}/sincerity", response_model=SincerityOut, status_code=201,
             summary="Record the answer to one of the seed's two sincerity tests (who asked, when)")
def add_answer(candidate_id: int, body: SincerityIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: SincerityOut.model_validate(
        service.add_answer(writer.session, writer.principal, candidate_id, body)), body, 201)


@router.get("/candidates/{candidate_id}/scorecard", response_model=ScorecardOut,
            summary="The five standards scored 0–100 with figures, thresholds, prior/measured labels and sentences")
def get_scorecard(candidate_id: int, session: SessionDep, principal: CurrentPrincipal) -> ScorecardOut:
    candidate, card = scorecard.scorecard_of(session, principal, candidate_id)
    return scorecard.to_out(candidate.id, card)


@router.get("/weights", response_model=WeightsOut, summary="The alliance's weights of the five standards")
def get_weights(session: SessionDep, principal: CurrentPrincipal) -> WeightsOut:
    return service.get_weights(session, principal)


@router.put("/weights", response_model=WeightsOut,
            summary="Set the alliance's weights (operator; each 0–100, summing to 100)")
def set_weights(body: WeightsIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.set_weights(writer.session, writer.principal, body), body)


@router.get("/recommendations", response_model=RecommendationsOut,
            summary="Who next: ranked candidates, missing value-chain links, partners whose service fell")
def get_recommendations(session: SessionDep, principal: CurrentPrincipal) -> RecommendationsOut:
    return recommendations.recommendations(session, principal)
