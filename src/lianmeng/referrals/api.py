from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from lianmeng.kit.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Column, Kind, Sheet, to_csv, to_xlsx, yuan
from lianmeng.kit.pagination import Page, page_of
from lianmeng.kit.types import Day
from lianmeng.referrals import repository, service
from lianmeng.referrals.domain import Grouping, LeaderboardBy, LeaderboardPeriod, Metric
from lianmeng.referrals.schemas import FeedbackCreate, FeedbackOut, FlowsOut, FunnelOut, LeaderboardOut
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


FUNNEL_COLUMNS = (
    Column("week", "周", "Week"), Column("referrer_merchant_name", "推荐商户", "Referrer"),
    Column("receiving_merchant_name", "接待商户", "Receiver"), Column("issued", "发券", "Issued", Kind.COUNT),
    Column("claimed", "领取", "Claimed", Kind.COUNT), Column("arrived", "到店", "Arrived", Kind.COUNT),
    Column("converted", "成交", "Converted", Kind.COUNT),
    Column("conversion_rate_bp", "转化率", "Conversion rate", Kind.BP),
    Column("revenue_fen", "营业额(元)", "Revenue (¥)", Kind.FEN),
    Column("avg_first_order_fen", "首单均价(元)", "Avg first order (¥)", Kind.PLAIN),
    Column("discount_fen", "券面成本(元)", "Discounts (¥)", Kind.FEN),
    Column("commission_fen", "佣金(元)", "Commissions (¥)", Kind.FEN),
    Column("staff_incentive_fen", "员工激励(元)", "Staff incentives (¥)", Kind.FEN),
    Column("acquisition_cost_fen", "获客成本(元)", "Acquisition cost (¥)", Kind.FEN),
    Column("avg_rating", "平均评分", "Avg rating"), Column("complaints", "投诉", "Complaints", Kind.COUNT),
)


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
    rows = [{**row.model_dump(), "avg_first_order_fen": None if row.avg_first_order_fen is None
             else str(yuan(row.avg_first_order_fen))} for row in report.items]
    sheet = Sheet("引流漏斗 Referral funnel", f"{report.date_from} – {report.date_to}", FUNNEL_COLUMNS, rows)
    name = f"funnel-{report.date_from}-{report.date_to}.{format}"
    body, media = (to_csv(sheet), CSV_MEDIA_TYPE) if format == "csv" else (to_xlsx(sheet), XLSX_MEDIA_TYPE)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


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
