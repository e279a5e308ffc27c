"""Results of targeted offers: one offer's stored results (recomputed on demand by its sender), several offers
together, and both as XLSX. Aggregates only; the partner reads arms of ≥ 10 members and never who received."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from lianmeng.kit.errors import NotFound
from lianmeng.kit.exports import XLSX_MEDIA_TYPE
from lianmeng.kit.i18n import pick_language
from lianmeng.kit.types import MAX_ID
from lianmeng.targeting import results, results_export
from lianmeng.targeting.results_schemas import ResultsOut
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(tags=["targeting 定向推荐"])

OfferIds = Annotated[list[int], Query(alias="offer_id", description="The offers to show together (repeat it)")]
XLSX: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX_MEDIA_TYPE: {}}}}


def _ids(offer_ids: list[int]) -> list[int]:
    """Ids outside the id range cannot exist: a missing offer, like one the caller may not read."""
    if any(not 0 < i <= MAX_ID for i in offer_ids):
        raise NotFound("targeted_offer")
    return offer_ids


def _xlsx(body: bytes, name: str) -> Response:
    return Response(body, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/targeting/offers/{offer_id}/results", response_model=ResultsOut,
            summary="定向推荐效果: the funnel per arm, the uplift over the holdout and the random arm, 95% intervals")
def offer_results(offer_id: int, session: SessionDep, writer: WriterDep,
                  refresh: Annotated[bool, Query(description="The sender recomputes the outcomes now")] = False
                  ) -> ResultsOut | JSONResponse:
    _ids([offer_id])
    if refresh:
        return writer.run(lambda: results.refresh_now(session, writer.principal, offer_id))
    return results.offer_results(session, writer.principal, offer_id)


@router.get("/targeting/offers/{offer_id}/results.xlsx", response_class=Response, responses=XLSX,
            summary="One offer's results as XLSX: the funnel per arm and the comparisons (no member rows)")
def offer_results_xlsx(offer_id: int, request: Request, session: SessionDep, principal: CurrentPrincipal
                       ) -> Response:
    _ids([offer_id])
    out = results.offer_results(session, principal, offer_id)
    return _xlsx(results_export.workbook(out, pick_language(request.headers.get("accept-language"))),
                 f"offer-{offer_id}-results.xlsx")


@router.get("/targeting/results", response_model=ResultsOut,
            summary="Several offers together (e.g. the gym and the early-education offer): each arm summed")
def combined(session: SessionDep, principal: CurrentPrincipal, offer_ids: OfferIds) -> ResultsOut:
    return results.combined_results(session, principal, _ids(offer_ids))


@router.get("/targeting/results.xlsx", response_class=Response, responses=XLSX,
            summary="Several offers together as XLSX")
def combined_xlsx(request: Request, session: SessionDep, principal: CurrentPrincipal, offer_ids: OfferIds
                  ) -> Response:
    out = results.combined_results(session, principal, _ids(offer_ids))
    return _xlsx(results_export.workbook(out, pick_language(request.headers.get("accept-language"))),
                 "targeting-results.xlsx")
