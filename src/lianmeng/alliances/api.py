from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.alliances import repository, service
from lianmeng.alliances.schemas import AllianceCreate, AllianceOut, AllianceUpdate
from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(prefix="/alliances", tags=["alliances 联盟"])


@router.get("", response_model=Page[AllianceOut])
def list_alliances(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging,
    q: Annotated[str | None, Query(max_length=100)] = None, city: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[AllianceOut]:
    return page_of(session, repository.list_alliances(principal, q, city), paging, AllianceOut)


@router.post("", response_model=AllianceOut, status_code=201)
def create_alliance(body: AllianceCreate, writer: WriterDep) -> JSONResponse:
    def act() -> AllianceOut:
        return AllianceOut.model_validate(service.create_alliance(writer.session, writer.principal, body))

    return writer.run(act, body, 201)


@router.get("/{alliance_id}", response_model=AllianceOut)
def get_alliance(alliance_id: int, session: SessionDep, principal: CurrentPrincipal) -> AllianceOut:
    return AllianceOut.model_validate(repository.get_alliance(session, principal, alliance_id))


@router.patch("/{alliance_id}", response_model=AllianceOut)
def update_alliance(alliance_id: int, body: AllianceUpdate, writer: WriterDep) -> JSONResponse:
    def act() -> AllianceOut:
        alliance = service.update_alliance(writer.session, writer.principal, alliance_id, body)
        return AllianceOut.model_validate(alliance)

    return writer.run(act, body)
