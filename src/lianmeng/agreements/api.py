from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.agreements import repository, service
from lianmeng.agreements.domain import AgreementStatus, CooperationMode
from lianmeng.agreements.schemas import (
    AgreementCreate,
    AgreementEventOut,
    AgreementOut,
    AgreementUpdate,
    CounterOfferIn,
    TransitionIn,
)
from lianmeng.kit.pagination import Page, paginate
from lianmeng.kit.types import Day
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(prefix="/agreements", tags=["agreements 合作协议"])


@router.get("", response_model=Page[AgreementOut])
def list_agreements(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging,
    q: Annotated[str | None, Query(max_length=100)] = None, status: AgreementStatus | None = None,
    merchant_id: int | None = None, mode: CooperationMode | None = None, active_on: Day | None = None,
) -> Page[AgreementOut]:
    stmt = repository.list_agreements(
        principal, status=status, merchant_id=merchant_id, mode=mode, q=q, active_on=active_on
    )
    rows, total = paginate(session, stmt, paging)
    return Page(items=[service.to_out(principal, r) for r in rows], total=total, **paging.model_dump())


@router.post("", response_model=AgreementOut, status_code=201)
def create_agreement(body: AgreementCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: service.to_out(writer.principal, service.create_agreement(writer.session, writer.principal, body)),
        body,
        201,
    )


@router.get("/{agreement_id}", response_model=AgreementOut)
def get_agreement(agreement_id: int, session: SessionDep, principal: CurrentPrincipal) -> AgreementOut:
    return service.to_out(principal, repository.get_agreement(session, principal, agreement_id))


@router.patch("/{agreement_id}", response_model=AgreementOut, summary="Change the terms of a draft")
def update_agreement(agreement_id: int, body: AgreementUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: service.to_out(
            writer.principal, service.update_agreement(writer.session, writer.principal, agreement_id, body)
        ),
        body,
    )


@router.post(
    "/{agreement_id}/transitions", response_model=AgreementOut,
    summary="propose / withdraw / accept / reject / activate / suspend / resume / terminate",
)
def transition(agreement_id: int, body: TransitionIn, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: service.to_out(
            writer.principal,
            service.transition(writer.session, writer.principal, agreement_id, body.action, body.note),
        ),
        body,
    )


@router.post(
    "/{agreement_id}/counter-offers", response_model=AgreementOut,
    summary="Send changed terms back to the merchant whose offer is on the table (it stays proposed)",
)
def counter_offer(agreement_id: int, body: CounterOfferIn, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: service.to_out(
            writer.principal, service.counter_offer(writer.session, writer.principal, agreement_id, body)
        ),
        body,
    )


@router.get("/{agreement_id}/events", response_model=list[AgreementEventOut], summary="Who changed what, when")
def agreement_events(agreement_id: int, session: SessionDep, principal: CurrentPrincipal) -> list[AgreementEventOut]:
    return [AgreementEventOut.model_validate(e) for e in service.history(session, principal, agreement_id)]
