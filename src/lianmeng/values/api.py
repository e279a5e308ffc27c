"""The member value model over HTTP: a member's value (scoped like the member itself), the operator's settings,
and the distributions per class and per star."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.kit.types import MAX_ID
from lianmeng.values import service
from lianmeng.values.schemas import MemberValueOut, SettingsIn, SettingsOut, SummaryOut
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(tags=["values 会员价值"])

AllianceFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Platform admins: which alliance")]


@router.get("/members/{member_id}/value", response_model=MemberValueOut,
            summary="会员价值: the member's RFM at your merchant, its alliance stars and the history of changes")
def member_value(member_id: int, session: SessionDep, principal: CurrentPrincipal) -> MemberValueOut:
    return service.member_value(session, principal, member_id)


@router.get("/value-model/settings", response_model=SettingsOut,
            summary="Operator: the value model's window and its last refresh")
def get_settings(session: SessionDep, principal: CurrentPrincipal,
                 alliance_id: AllianceFilter = None) -> SettingsOut:
    return service.get_settings(session, principal, alliance_id)


@router.put("/value-model/settings", response_model=SettingsOut,
            summary="Operator: set the window (30–730 days); the next refresh recomputes everything")
def put_settings(body: SettingsIn, writer: WriterDep, alliance_id: AllianceFilter = None) -> JSONResponse:
    return writer.run(lambda: service.put_settings(writer.session, writer.principal, body.window_days, alliance_id),
                      body)


@router.get("/values/summary", response_model=SummaryOut,
            summary="Members per RFM class and per star: your merchant's, or alliance-wide for the operator")
def summary(session: SessionDep, principal: CurrentPrincipal, alliance_id: AllianceFilter = None,
            merchant_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description=(
                "Operator: one merchant of the alliance (default: alliance-wide)"))] = None) -> SummaryOut:
    return service.summary(session, principal, alliance_id, merchant_id)
