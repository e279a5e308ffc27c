"""De-identified segment reports (脱敏人群报告) over the API: share one with a partner, read sent and received
ones, withdraw; the operator reads every share of its alliance as an audit list (without the reports)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.segments import service
from lianmeng.segments.schemas import ShareIn, ShareList, ShareOut
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(tags=["segments 人群报告共享"])


@router.get("/segments/shares", response_model=ShareList,
            summary="Shares sent and received (a merchant), or every share of the alliance (the operator's audit)")
def list_shares(session: SessionDep, principal: CurrentPrincipal,
                direction: Annotated[Literal["all", "sent", "received"], Query()] = "all") -> ShareList:
    items = service.list_for(session, principal, direction)
    return ShareList(items=items, total=len(items))


@router.post("/segments/shares", response_model=ShareOut, status_code=201,
             summary="Share a de-identified report of an audience with a partner (active agreement required)")
def share(body: ShareIn, writer: WriterDep) -> JSONResponse:
    def run() -> ShareOut:
        row = service.share(writer.session, writer.principal, body)
        return service.one(writer.session, writer.principal, row.id)

    return writer.run(run, body, 201)


@router.get("/segments/shares/{share_id}", response_model=ShareOut, summary="One share")
def get(share_id: int, session: SessionDep, principal: CurrentPrincipal) -> ShareOut:
    return service.one(session, principal, share_id)


@router.post("/segments/shares/{share_id}/withdraw", response_model=ShareOut,
             summary="Withdraw a share (the partner then sees it withdrawn, without the report)")
def withdraw(share_id: int, writer: WriterDep) -> JSONResponse:
    def run() -> ShareOut:
        service.withdraw(writer.session, writer.principal, share_id)
        return service.one(writer.session, writer.principal, share_id)

    return writer.run(run)
