"""Customer overlap inside the alliance: a merchant's largest overlaps (and their export), the operator's matrix
beside the referral flows, and a recount on demand. Counts and shares only; below k is "< 10"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from lianmeng.kit.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from lianmeng.kit.i18n import pick_language
from lianmeng.kit.types import Day
from lianmeng.overlap import service
from lianmeng.overlap.schemas import MatrixOut, MerchantOverlapOut, SnapshotOut
from lianmeng.referrals.api import file_response
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(tags=["overlap 顾客重合度"])

AllianceFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Platform admins: which alliance")]
DateFrom = Annotated[Day | None, Query(description="Flows: first Shanghai date included (default: date_to − 27 days)")]
DateTo = Annotated[Day | None, Query(description="Flows: last Shanghai date included (default: today in Shanghai)")]


@router.get("/overlap/merchants/{merchant_id}", response_model=MerchantOverlapOut,
            summary="顾客重合度: a merchant's largest overlaps with the alliance's other merchants (≥ k only)")
def merchant_overlap(merchant_id: int, session: SessionDep, principal: CurrentPrincipal,
                     limit: Annotated[int, Query(ge=1, le=100)] = 20) -> MerchantOverlapOut:
    return service.merchant_view(session, principal, merchant_id, limit)


@router.get("/overlap/merchants/{merchant_id}/export", response_class=Response,
            summary="The merchant's overlap with every other merchant as XLSX or CSV (below k written \"< 10\")",
            responses={200: {"content": {CSV_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}})
def merchant_export(merchant_id: int, request: Request, session: SessionDep, principal: CurrentPrincipal,
                    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx") -> Response:
    lang = pick_language(request.headers.get("accept-language"))
    sheet = service.merchant_sheet(session, principal, merchant_id, lang)
    return file_response(sheet, format, f"overlap-{merchant_id}.{format}")


@router.get("/overlap/matrix", response_model=MatrixOut,
            summary="运营方矩阵: merchant × merchant overlap beside the referral flows, and the untapped pairs")
def matrix(request: Request, session: SessionDep, principal: CurrentPrincipal, alliance_id: AllianceFilter = None,
           date_from: DateFrom = None, date_to: DateTo = None,
           largest: Annotated[int | None, Query(ge=1, le=10_000, description=(
               "Cells and flows only among the N merchants with the most customers (default: all; the untapped "
               "pairs are always found among all)"))] = None) -> MatrixOut:
    return service.operator_matrix(session, principal, alliance_id=alliance_id, date_from=date_from,
                                   date_to=date_to, lang=pick_language(request.headers.get("accept-language")),
                                   largest=largest)


@router.post("/overlap/refresh", response_model=SnapshotOut,
             summary="The operator recounts the alliance's overlap now (the jobs do it within 10 minutes anyway)")
def refresh(writer: WriterDep, alliance_id: AllianceFilter = None) -> JSONResponse:
    return writer.run(lambda: SnapshotOut.model_validate(
        service.refresh_now(writer.session, writer.principal, alliance_id), from_attributes=True))
