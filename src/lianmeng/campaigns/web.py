"""Console pages for joint campaigns (联合营销活动): the list, a new campaign, and a campaign's page with its
participants and contributions, costs (entered in yuan), status and the per-merchant report with ROI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from lianmeng.campaigns import repository, service
from lianmeng.campaigns.domain import CampaignStatus
from lianmeng.campaigns.schemas import CampaignCreate, CostIn, ParticipantIn
from lianmeng.kit.clock import SHANGHAI
from lianmeng.kit.errors import Forbidden
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.merchants.models import Merchant
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write, yuan_field

router = APIRouter(include_in_schema=False)

def _day(text: str) -> datetime | None:
    """'2026-12-01' as midnight in Beijing."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def _list(page: Page, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    rows, _ = paginate(page.session, repository.list_campaigns(page.me), PageParams(page=1, page_size=50))
    campaigns = service.out_many(page.session, rows)
    return page.render("campaigns/index.html", status_code=status_code, campaigns=campaigns,
                       errors=errors or {}, values=values or {})


@router.get("/console/campaigns")
def campaigns(page: StaffPage) -> Response:
    return _list(page)


@router.post("/console/campaigns")
async def create(page: StaffPage) -> Response:
    values = await form_of(page)
    errors: dict[str, str] = {}
    starts, ends = _day(values.get("starts_on", "")), _day(values.get("ends_on", ""))
    if starts is None:
        errors["starts_on"] = page.t("请输入开始日期,如 2026-12-01", "Enter the first day, e.g. 2026-12-01")
    if ends is None:
        errors["ends_on"] = page.t("请输入结束日期(不含当天)", "Enter the end day (not included)")
    elif starts is not None and ends <= starts:
        errors["ends_on"] = page.t("结束日期须晚于开始日期", "The end must be after the start")
    body, more = parse(CampaignCreate, {"name": values.get("name", "").strip(), "starts_at": starts,
                                        "ends_at": ends, "description": values.get("description", "")}, page.lang)
    errors = {**{k: v for k, v in more.items() if k in ("name", "description")}, **errors}
    if body is None or errors:
        return _list(page, errors, values, 422)
    campaign, error = run_write(page, lambda: service.create(page.session, page.me, body))
    if error:
        return _list(page, {"name": error}, values, 422)
    return RedirectResponse(f"/console/campaigns/{campaign.id}", status_code=303)


def _campaign(page: Page, campaign_id: int, errors: dict[str, str] | None = None,
              values: dict[str, str] | None = None, error: str | None = None, status_code: int = 200) -> Response:
    campaign = repository.get_campaign(page.session, page.me, campaign_id)
    out = service.out(page.session, campaign)
    report = service.report(page.session, page.me, campaign_id) if page.me.role.value != "member" else None
    merchants = list(page.session.scalars(select(Merchant).where(Merchant.alliance_id == campaign.alliance_id)
                                          .order_by(Merchant.id)))
    names = {m.id: m.name for m in merchants}
    costs = repository.costs(page.session, campaign.id)
    bars: list[dict[str, Any]] = []
    if report is not None:
        top = max([abs(r.gain_fen) for r in report.merchants] + [1])
        bars = [{"name": r.merchant_name, "gain": r.gain_fen, "width": round(abs(r.gain_fen) / top * 100, 1),
                 "roi": r.roi} for r in report.merchants]
    return page.render("campaigns/campaign.html", status_code=status_code, c=out, report=report, names=names,
                       merchants=merchants, costs=costs, errors=errors or {}, values=values or {},
                       error=error, bars=bars, flash=page.t("已保存", "Saved") if page.request.query_params.get(
                           "saved") else None)


@router.get("/console/campaigns/{campaign_id}")
def campaign(campaign_id: int, page: StaffPage) -> Response:
    return _campaign(page, campaign_id)


def _saved(campaign_id: int) -> Response:
    return RedirectResponse(f"/console/campaigns/{campaign_id}?saved=1", status_code=303)


@router.post("/console/campaigns/{campaign_id}/merchants")
async def add_merchant(campaign_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    fen, message = yuan_field(page, values.get("contribution", ""))
    if fen is None:
        return _campaign(page, campaign_id, {"contribution": message or ""}, values, status_code=422)
    body, errors = parse(ParticipantIn, {"merchant_id": values.get("merchant_id"), "contribution_fen": fen}, page.lang)
    if body is None:
        return _campaign(page, campaign_id, {"merchant_id": next(iter(errors.values()))}, values, status_code=422)
    _, error = run_write(page, lambda: service.add_merchant(page.session, page.me, campaign_id, body))
    if error:
        return _campaign(page, campaign_id, {"merchant_id": error}, values, status_code=422)
    return _saved(campaign_id)


@router.post("/console/campaigns/{campaign_id}/costs")
async def add_cost(campaign_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    fen, message = yuan_field(page, values.get("amount", ""))
    if fen is None:
        return _campaign(page, campaign_id, {"amount": message or ""}, values, status_code=422)
    payer = values.get("paid_by_merchant_id") or None
    body, errors = parse(CostIn, {"what": values.get("what", "").strip(), "amount_fen": fen,
                                  "paid_by_merchant_id": payer}, page.lang)
    if body is None:
        return _campaign(page, campaign_id, {k if k != "amount_fen" else "amount": v for k, v in errors.items()},
                         values, status_code=422)
    _, error = run_write(page, lambda: service.add_cost(page.session, page.me, campaign_id, body))
    if error:
        return _campaign(page, campaign_id, {"what": error}, values, status_code=422)
    return _saved(campaign_id)


@router.post("/console/campaigns/{campaign_id}/status")
async def set_status(campaign_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    try:
        target = CampaignStatus(values.get("status", ""))
    except ValueError:
        raise Forbidden() from None
    _, error = run_write(page, lambda: service.set_status(page.session, page.me, campaign_id, target))
    if error:
        return _campaign(page, campaign_id, error=error, status_code=409)
    return _saved(campaign_id)
