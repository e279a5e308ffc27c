"""The revenue API: fee settings (/fee-settings), waivers, charges, the monthly run and the operator's revenue
(/revenue/…)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.kit.errors import NotFound
from lianmeng.kit.pagination import Page, page_of
from lianmeng.revenue import repository, service
from lianmeng.revenue.domain import FeeKind
from lianmeng.revenue.schemas import (
    ChargeOut,
    FeeSettingsIn,
    FeeSettingsOut,
    RevenueOut,
    RunIn,
    RunOut,
    WaiverIn,
    WaiverOut,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

settings_router = APIRouter(prefix="/fee-settings", tags=["revenue 平台收费"])
router = APIRouter(prefix="/revenue", tags=["revenue 平台收费"])


@settings_router.get("", response_model=FeeSettingsOut, summary="The alliance's fees and platform commission")
def get_settings(session: SessionDep, principal: CurrentPrincipal) -> FeeSettingsOut:
    row = service.settings(session, principal)
    if row is None:
        raise NotFound("fee_settings")
    return FeeSettingsOut.model_validate(row)


@settings_router.put("", response_model=FeeSettingsOut,
                     summary="Operator: set the joining and annual fees, free period, start and platform commission")
def put_settings(body: FeeSettingsIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: FeeSettingsOut.model_validate(
        service.save_settings(writer.session, writer.principal, body)), body)


@router.post("/waivers", response_model=WaiverOut, status_code=201,
             summary="Operator: spare a merchant one kind of fee for a span of days or for good")
def add_waiver(body: WaiverIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: WaiverOut.model_validate(service.add_waiver(writer.session, writer.principal, body)),
                      body, 201)


@router.get("/waivers", response_model=Page[WaiverOut])
def list_waivers(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                 merchant_id: int | None = None) -> Page[WaiverOut]:
    return page_of(session, repository.list_waivers(principal, merchant_id=merchant_id), paging, WaiverOut)


@router.get("/charges", response_model=Page[ChargeOut],
            summary="Fees charged or waived: the operator's alliance, a merchant's admin its own")
def list_charges(session: SessionDep, principal: CurrentPrincipal, paging: Paging, merchant_id: int | None = None,
                 month: str | None = None, kind: FeeKind | None = None) -> Page[ChargeOut]:
    stmt = repository.list_charges(principal, merchant_id=merchant_id, month=month,
                                   kind=kind.value if kind else None)
    return page_of(session, stmt, paging, ChargeOut)


@router.post("/runs", response_model=RunOut,
             summary="Operator: charge a closed month now (the fees job does it by itself; again charges nothing)")
def run_month(body: RunIn, writer: WriterDep) -> JSONResponse:
    def run() -> RunOut:
        done = service.run_month(writer.session, writer.principal, body.month)
        return RunOut(month=done.month, charged=done.charged, waived=done.waived, charged_fen=done.charged_fen)

    return writer.run(run, body)


@router.get("", response_model=RevenueOut, summary="Operator: its revenue by source (posting cause) and month")
def revenue(session: SessionDep, principal: CurrentPrincipal, lang: str = "zh-CN") -> RevenueOut:
    return service.revenue(session, principal, "en" if lang == "en" else "zh-CN")
