"""API of duplicate candidates (重复候选): the review queue, one pair side by side, the decision (not a duplicate,
or merge keeping one), the alliance's thresholds and a run on demand (the jobs run daily)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.dedup import service
from lianmeng.dedup.domain import CandidateState, DedupKind
from lianmeng.dedup.models import DedupCandidate
from lianmeng.dedup.schemas import (
    CandidateDetail,
    CandidateOut,
    CandidatePage,
    DecisionIn,
    DedupVerdict,
    RecordOut,
    RunOut,
    ThresholdsIn,
    ThresholdsOut,
)
from lianmeng.kit.types import MAX_ID
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["dedup 重复候选"])
AllianceParam = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Platform admins only: the alliance")]


def candidate_out(c: DedupCandidate) -> CandidateOut:
    fields = c.fields or {}
    return CandidateOut(id=c.id, alliance_id=c.alliance_id, kind=DedupKind(c.kind), left_id=c.left_id,
                        right_id=c.right_id, score=c.score, agree=list(fields.get("agree", [])),
                        disagree=list(fields.get("disagree", [])), status=CandidateState(c.status),
                        decided_at=c.decided_at, survivor_id=c.survivor_id, reason=c.reason)


@router.get("/dedup/candidates", response_model=CandidatePage,
            summary="重复候选: the review queue, highest score first (operator: all kinds; merchant admin: its own)")
def list_candidates(session: SessionDep, principal: CurrentPrincipal,
                    status: CandidateState | None = CandidateState.PENDING, kind: DedupKind | None = None,
                    alliance_id: AllianceParam = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> CandidatePage:
    rows, total = service.list_candidates(session, principal, status=status, kind=kind, alliance_id=alliance_id,
                                          limit=limit, offset=offset)
    return CandidatePage(items=[candidate_out(c) for c in rows], total=total)


@router.get("/dedup/candidates/{candidate_id}", response_model=CandidateDetail, responses=may_answer(404),
            summary="One candidate: the two records side by side (masked phones), which fields agree and disagree")
def get_candidate(candidate_id: int, session: SessionDep, principal: CurrentPrincipal) -> CandidateDetail:
    found = service.candidate(session, principal, candidate_id)
    records = [RecordOut(**r) for r in service.side_by_side(session, found)]
    return CandidateDetail(**candidate_out(found).model_dump(), records=records)


@router.post("/dedup/candidates/{candidate_id}/decision", response_model=CandidateOut,
             responses=may_answer(403, 404, 422),
             summary="Decide a candidate: not a duplicate (never proposed again), or merge keeping survivor_id")
def decide(candidate_id: int, body: DecisionIn, writer: WriterDep) -> JSONResponse:
    def run() -> CandidateOut:
        if body.verdict is DedupVerdict.NOT_DUPLICATE:
            return candidate_out(service.reject(writer.session, writer.principal, candidate_id, body.reason))
        assert body.survivor_id is not None  # the schema requires it to merge
        return candidate_out(service.merge(writer.session, writer.principal, candidate_id, body.survivor_id,
                                           body.reason))
    return writer.run(run, body)


@router.get("/dedup/thresholds", response_model=ThresholdsOut, responses=may_answer(403),
            summary="The alliance's thresholds: merge automatically above auto, review from review, ignore below")
def get_thresholds(session: SessionDep, principal: CurrentPrincipal,
                   alliance_id: AllianceParam = None) -> ThresholdsOut:
    alliance, t = service.read_thresholds(session, principal, alliance_id)
    return ThresholdsOut(alliance_id=alliance, review=t.review, auto=t.auto, auto_merge=t.auto_merge)


@router.put("/dedup/thresholds", response_model=ThresholdsOut, responses=may_answer(403, 422),
            summary="The operator sets the alliance's thresholds (from the next run)")
def put_thresholds(body: ThresholdsIn, writer: WriterDep, alliance_id: AllianceParam = None) -> JSONResponse:
    def run() -> ThresholdsOut:
        t = service.set_thresholds(writer.session, writer.principal, alliance_id, body.review, body.auto,
                                   body.auto_merge)
        return ThresholdsOut(alliance_id=service.alliance_of(writer.principal, alliance_id), review=t.review,
                             auto=t.auto, auto_merge=t.auto_merge)
    return writer.run(run, body)


@router.post("/dedup/run", response_model=RunOut, responses=may_answer(403),
             summary="The operator finds the alliance's candidates now (the jobs do it daily anyway)")
def run_now(writer: WriterDep, alliance_id: AllianceParam = None) -> JSONResponse:
    def run() -> RunOut:
        r = service.run_now(writer.session, writer.principal, alliance_id)
        return RunOut(alliance_id=r.alliance_id, members=r.members, member_pairs=r.member_pairs,
                      place_pairs=r.place_pairs, auto_merged=r.auto_merged, seconds=r.seconds)
    return writer.run(run)
