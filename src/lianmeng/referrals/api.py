from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from lianmeng.kit.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Column, Kind, Sheet, to_csv, to_xlsx
from lianmeng.kit.pagination import Page, page_of
from lianmeng.kit.types import Day
from lianmeng.referrals import repository, service
from lianmeng.referrals.domain import FIGURES, Grouping, LeaderboardBy, LeaderboardPeriod, Metric
from lianmeng.referrals.schemas import (
    FeedbackCreate,
    FeedbackOut,
    FlowsOut,
    FunnelOut,
    FunnelRow,
    LeaderboardOut,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["referrals 引流·漏斗·榜单"])

DateFrom = Annotated[Day | None, Query(description="First Shanghai date included (default: date_to − 27 days)")]
DateTo = Annotated[Day | None, Query(description="Last Shanghai date included (default: today in Shanghai)")]
AllianceFilter = Annotated[int | None, Query(ge=1, description="Platform admins: one alliance only")]
MerchantFilter = Annotated[int | None, Query(ge=1)]


@router.get("/referrals/funnel", response_model=FunnelOut,
            summary="引流漏斗: issued → claimed → arrived → converted per referrer → receiver (and week)")
def funnel(
    session: SessionDep, principal: CurrentPrincipal, date_from: DateFrom = None, date_to: DateTo = None,
    group: Grouping = Grouping.PERIOD, referrer_merchant_id: MerchantFilter = None,
    receiving_merchant_id: MerchantFilter = None, alliance_id: AllianceFilter = None,
) -> FunnelOut:
    return service.funnel(session, principal, date_from=date_from, date_to=date_to, group=group,
                          referrer_merchant_id=referrer_merchant_id, receiving_merchant_id=receiving_merchant_id,
                          alliance_id=alliance_id)


def _figure(key: str, kind: Kind, *, total: bool = True) -> Column:
    figure = FIGURES[key]
    if kind is Kind.FEN:
        return Column(key, f"{figure.zh}(元)", f"{figure.en} (¥)", kind, total)
    return Column(key, figure.zh, figure.en, kind, total)


FUNNEL_COLUMNS = (
    Column("week", "周 / 期间", "Week / period"),
    Column("week_start", "起始日(北京时间)", "Starts (Beijing)", Kind.DATE),
    Column("referrer_merchant_name", "推荐商户", "Referrer"),
    Column("receiving_merchant_name", "接待商户", "Receiver"), _figure("issued", Kind.COUNT),
    _figure("claimed", Kind.COUNT), _figure("arrived", Kind.COUNT), _figure("converted", Kind.COUNT),
    Column("conversion_rate_bp", "转化率", "Conversion rate", Kind.BP), _figure("revenue_fen", Kind.FEN),
    _figure("first_order_fen", Kind.FEN),
    Column("avg_first_order_fen", "首单均价(元)", "Avg first order (¥)", Kind.FEN, total=False),
    _figure("discount_fen", Kind.FEN), _figure("benefit_cost_fen", Kind.FEN), _figure("costed_at_value", Kind.COUNT),
    _figure("commission_fen", Kind.FEN), _figure("staff_incentive_fen", Kind.FEN),
    _figure("acquisition_cost_fen", Kind.FEN),
    Column("avg_rating", "平均评分", "Avg rating", Kind.DECIMAL), _figure("complaints", Kind.COUNT),
)


def funnel_sheet(items: Sequence[FunnelRow], date_from: date, date_to: date, subtitle: str = "") -> Sheet:
    """The funnel as a sheet: one row per pair (and week), the week or the period and its first day filled in."""
    period = f"{date_from} – {date_to}"
    rows = [{**row.model_dump(), "week": row.week or period, "week_start": row.week_start or date_from}
            for row in items]
    return Sheet("引流漏斗 Referral funnel", f"{period}{subtitle}", FUNNEL_COLUMNS, rows)


def file_response(sheet: Sheet, format: str, name: str) -> Response:
    body, media = (to_csv(sheet), CSV_MEDIA_TYPE) if format == "csv" else (to_xlsx(sheet), XLSX_MEDIA_TYPE)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/referrals/funnel/export", summary="The funnel as a CSV or XLSX file (Chinese headers, totals)",
            response_class=Response, responses={200: {"content": {CSV_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}})
def funnel_export(
    session: SessionDep, principal: CurrentPrincipal, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
    date_from: DateFrom = None, date_to: DateTo = None, group: Grouping = Grouping.PERIOD,
    referrer_merchant_id: MerchantFilter = None, receiving_merchant_id: MerchantFilter = None,
    alliance_id: AllianceFilter = None,
) -> Response:
    report = service.funnel(session, principal, date_from=date_from, date_to=date_to, group=group,
                            referrer_merchant_id=referrer_merchant_id, receiving_merchant_id=receiving_merchant_id,
                            alliance_id=alliance_id)
    sheet = funnel_sheet(report.items, report.date_from, report.date_to)
    return file_response(sheet, format, f"funnel-{report.date_from}-{report.date_to}.{format}")


@router.get("/referrals/flows", response_model=FlowsOut,
            summary="客流矩阵: arrivals between merchants, and who receives more than it sends")
def flows(
    session: SessionDep, principal: CurrentPrincipal, date_from: DateFrom = None, date_to: DateTo = None,
    alliance_id: AllianceFilter = None,
) -> FlowsOut:
    return service.flows(session, principal, date_from=date_from, date_to=date_to, alliance_id=alliance_id)


@router.get("/referrals/leaderboard", response_model=LeaderboardOut,
            summary="榜单: staff or merchants ranked by referrals, conversions or earnings in a week or month")
def leaderboard(
    session: SessionDep, principal: CurrentPrincipal, by: LeaderboardBy = LeaderboardBy.MERCHANT,
    period: LeaderboardPeriod = LeaderboardPeriod.WEEK,
    at: Annotated[Day | None, Query(description="A Shanghai date inside the week/month (default: today)")] = None,
    metric: Metric = Metric.REFERRALS, limit: Annotated[int, Query(ge=1, le=100)] = 20,
    alliance_id: AllianceFilter = None,
) -> LeaderboardOut:
    return service.leaderboard(session, principal, by=by, period=period, at=at, metric=metric, limit=limit,
                               alliance_id=alliance_id)


@router.post("/redemptions/{redemption_id}/feedback", response_model=FeedbackOut, status_code=201,
             summary="The member rates the visit (1–5; 1–2 is a complaint), once per redemption")
def rate_visit(redemption_id: int, body: FeedbackCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: FeedbackOut.model_validate(service.rate_visit(writer.session, writer.principal, redemption_id, body)),
        body, 201,
    )


@router.get("/feedback", response_model=Page[FeedbackOut],
            summary="Ratings and complaints: the rated merchant, the referring merchant, the member, the operator")
def list_feedback(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, merchant_id: MerchantFilter = None,
    referrer_merchant_id: MerchantFilter = None, complaints_only: bool = False,
) -> Page[FeedbackOut]:
    stmt = repository.list_feedback(principal, merchant_id=merchant_id, referrer_merchant_id=referrer_merchant_id,
                                    complaints_only=complaints_only)
    return page_of(session, stmt, paging, FeedbackOut)
