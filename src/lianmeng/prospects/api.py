"""API of prospects' overlap: invitations (operator, inviting merchant), the prospect's upload (authenticated by
its invitation's token, not a login), results as counts and shares, a CSV export and the operator's audit trail."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from lianmeng.kit import idempotency
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.kit.exports import CSV_MEDIA_TYPE, to_csv
from lianmeng.kit.pagination import Page, paginate
from lianmeng.prospects import repository, service, views
from lianmeng.prospects.schemas import (
    AuditOut,
    InvitationCreate,
    InvitationIssued,
    InvitationOut,
    ProspectOverlapOut,
    UploadOut,
)
from lianmeng.web.deps import IDEMPOTENCY_KEY, CurrentPrincipal, Language, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(prefix="/prospects", tags=["prospects 潜在伙伴重合度"])

CSV_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {
    "type": "string", "example": "hash\n3f1a…(64 hex)\n"}}}}}


@router.post("/invitations", response_model=InvitationIssued, status_code=201,
             summary="Invite a prospect to upload its hashed customer list (token and salt shown once)")
def create_invitation(body: InvitationCreate, writer: WriterDep) -> JSONResponse:
    """Not replayed by Idempotency-Key: the answer holds the salt, which is never stored in clear (a retry makes
    a second invitation with a salt of its own; the first expires unused)."""

    def execute() -> tuple[int, Any]:
        issued = service.invite(writer.session, writer.principal, body.candidate_id, body.hours)
        return 201, jsonable_encoder(views.issued_out(writer.session, issued))

    code, payload, _ = idempotency.run_once(writer.session, writer.principal.idempotency_scope, None, "", execute)
    return JSONResponse(payload, status_code=code)


@router.get("/invitations", response_model=Page[InvitationOut])
def list_invitations(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                     candidate_id: int | None = None) -> Page[InvitationOut]:
    rows, total = paginate(session, repository.list_invitations(principal, candidate_id=candidate_id), paging)
    return Page[InvitationOut](items=views.invitations_out(session, rows), total=total, page=paging.page,
                               page_size=paging.page_size)


@router.get("/invitations/{invitation_id}", response_model=InvitationOut)
def get_invitation(invitation_id: int, session: SessionDep, principal: CurrentPrincipal) -> InvitationOut:
    return views.invitations_out(session, [repository.get_invitation(session, principal, invitation_id)])[0]


def _upload(session: Session, token: str, raw: bytes, key: str | None, lang: str) -> tuple[int, Any, bool]:
    invitation = service.invitation_by_token(session, token)

    def execute() -> tuple[int, Any]:
        return 201, jsonable_encoder(views.upload_out(service.upload(session, token, raw)))

    fp = idempotency.fingerprint("POST", "/prospects/uploads", {"sha256": hashlib.sha256(raw).hexdigest()})
    try:
        return idempotency.run_once(session, f"invitation:{invitation.id}", key, fp, execute)
    except AppError as error:
        views.localize_problems(error, lang)
        raise


@router.post("/uploads", response_model=UploadOut, status_code=201, openapi_extra=CSV_BODY,
             responses=may_answer(403, 404, 410),
             summary="The prospect uploads its hashes (CSV: one column `hash`), authenticated by its invitation")
async def upload(
    request: Request, session: SessionDep, lang: Language,
    invitation_token: Annotated[str, Header(alias="X-Invitation-Token", min_length=1, max_length=100,
                                            description="The token of the invitation link")],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                                  pattern=IDEMPOTENCY_KEY)] = None,
) -> JSONResponse:
    """A malformed file is answered 422 with every problem by line (no line's content is repeated) and nothing is
    stored; fewer than k (10) or than 100 distinct hashes: 422; an expired invitation: 410; the prospect's query
    budget spent: 403. The answer is the alliance-wide overlap, noised, "< 10" below k."""
    raw = await request.body()
    code, payload, replayed = await run_in_threadpool(_upload, session, invitation_token, raw, idempotency_key, lang)
    return JSONResponse(payload, status_code=code, headers={"Idempotent-Replayed": "true"} if replayed else None)


@router.get("/candidates/{candidate_id}/overlap", response_model=ProspectOverlapOut,
            summary="A prospect's overlap: counts and shares, '< 10' below k (operator: every merchant)")
def candidate_overlap(candidate_id: int, session: SessionDep, principal: CurrentPrincipal) -> ProspectOverlapOut:
    return views.overlap_out(session, principal, candidate_id)


@router.get("/candidates/{candidate_id}/overlap.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}}, summary="The same, as CSV")
def candidate_overlap_csv(candidate_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    sheet = views.overlap_sheet(views.overlap_out(session, principal, candidate_id))
    return Response(to_csv(sheet), media_type=CSV_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="prospect-{candidate_id}-overlap.csv"'})


@router.get("/audit", response_model=Page[AuditOut], summary="Every invitation, computation and purge (operator)")
def audit(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
          candidate_id: int | None = None) -> Page[AuditOut]:
    if not principal.is_operator:
        raise Forbidden()
    rows, total = paginate(session, repository.list_audit(principal, candidate_id=candidate_id), paging)
    return Page[AuditOut](items=[AuditOut.model_validate(r) for r in rows], total=total, page=paging.page,
                          page_size=paging.page_size)
