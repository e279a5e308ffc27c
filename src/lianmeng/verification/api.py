"""Verification API: the operator's queue and decisions; a merchant reads its own status and findings."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.verification import service
from lianmeng.verification.domain import AWAITING, SubjectKind, VerificationStatus
from lianmeng.verification.schemas import RejectIn, SubjectDetailOut, SubjectOut, VerifyIn
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(prefix="/verification", tags=["verification 验真"])


@router.get("/queue", response_model=list[SubjectOut], summary="Merchants and prospects not yet decided (operator)")
def queue(session: SessionDep, principal: CurrentPrincipal, kind: SubjectKind | None = None,
          status: VerificationStatus | None = None) -> list[SubjectOut]:
    statuses = (status,) if status is not None else AWAITING
    return service.queue(session, principal, statuses, kind)


def _detail(kind: SubjectKind, summary: str) -> None:
    path = "/merchants/{subject_id}" if kind is SubjectKind.MERCHANT else "/prospects/{subject_id}"

    @router.get(path, response_model=SubjectDetailOut, summary=summary, name=f"verification_{kind.value}")
    def detail(subject_id: int, session: SessionDep, principal: CurrentPrincipal) -> SubjectDetailOut:
        return service.detail(session, principal, kind, subject_id)

    @router.post(path + "/verify", response_model=SubjectOut, summary="Verify by hand (operator)",
                 name=f"verify_{kind.value}")
    def verify(subject_id: int, body: VerifyIn, writer: WriterDep) -> JSONResponse:
        return writer.run(lambda: service.to_out(service.verify(writer.session, writer.principal, kind, subject_id,
                                                                body.note)), body)

    @router.post(path + "/reject", response_model=SubjectOut, name=f"reject_{kind.value}",
                 summary="Reject with a reason (operator; 422 without a reason)")
    def reject(subject_id: int, body: RejectIn, writer: WriterDep) -> JSONResponse:
        return writer.run(lambda: service.to_out(service.reject(writer.session, writer.principal, kind, subject_id,
                                                                body.reason)), body)


_detail(SubjectKind.MERCHANT, "A merchant's details, findings and audit (the operator; the merchant's own staff)")
_detail(SubjectKind.PROSPECT, "A prospect's details, findings and audit (the operator; the merchant keeping it)")
