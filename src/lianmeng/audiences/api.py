"""Audiences (人群) over the API: a merchant's admins and integrations build them from its OWN members, count them
live, save, edit and archive; its store staff read them; the operator sees its alliance's as counts only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.audiences import service
from lianmeng.audiences.domain import AudienceRules
from lianmeng.audiences.schemas import AudienceCount, AudienceIn, AudienceList, AudienceOut, AudienceUpdate
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(tags=["audiences 人群"])


@router.get("/audiences", response_model=AudienceList, summary="Audiences the caller may see, newest first")
def list_audiences(session: SessionDep, principal: CurrentPrincipal,
                   archived: Annotated[bool, Query(description="Include archived audiences")] = False
                   ) -> AudienceList:
    items = service.list_for(session, principal, archived=archived)
    return AudienceList(items=items, total=len(items))


@router.post("/audiences/count", response_model=AudienceCount,
             summary="The live count of unsaved rules over your own members (nothing is written)")
def count_unsaved(rules: AudienceRules, session: SessionDep, principal: CurrentPrincipal) -> AudienceCount:
    return service.count_unsaved(session, principal, rules)


@router.post("/audiences", response_model=AudienceOut, status_code=201, summary="Save an audience (人群)")
def create(body: AudienceIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.out(writer.session, writer.principal,
                                          service.create(writer.session, writer.principal, body)), body, 201)


@router.get("/audiences/{audience_id}", response_model=AudienceOut, summary="One audience")
def get(audience_id: int, session: SessionDep, principal: CurrentPrincipal) -> AudienceOut:
    return service.out(session, principal, service.get(session, principal, audience_id))


@router.get("/audiences/{audience_id}/count", response_model=AudienceCount, summary="A saved audience counted now")
def count_saved(audience_id: int, session: SessionDep, principal: CurrentPrincipal) -> AudienceCount:
    return service.count_saved(session, principal, audience_id)


@router.patch("/audiences/{audience_id}", response_model=AudienceOut, summary="Rename an audience or change its rules")
def update(audience_id: int, body: AudienceUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.out(writer.session, writer.principal,
                                          service.update(writer.session, writer.principal, audience_id, body)), body)


@router.post("/audiences/{audience_id}/archive", response_model=AudienceOut, summary="Archive an audience")
def archive(audience_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.out(writer.session, writer.principal,
                                          service.archive(writer.session, writer.principal, audience_id)))
