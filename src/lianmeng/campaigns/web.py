"""Console pages for joint campaigns (联合营销活动): the list, a new campaign, and a campaign's page with its
participants and contributions, costs (entered in yuan), status, registrations (报名) and check-in (签到) at the
event, gift packages (礼包) of the merchants' coupons handed to registered members, and the per-merchant report
with ROI. Orders come from the counter: a package coupon redeemed there with an order is a conversion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from lianmeng.campaigns import repository, service
from lianmeng.campaigns.domain import CampaignStatus
from lianmeng.campaigns.schemas import CampaignCreate, CostIn, PackageIn, ParticipantIn, RegistrationIn
from lianmeng.coupons.web import describe, member_by_card
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.members.domain import mask_name
from lianmeng.members.models import Member
from lianmeng.web.console import MemberPage, Page, StaffPage, form_of, parse, run_write, yuan_field

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
    counts = repository.registration_counts_of(page.session, page.me.alliance_id, [c.id for c in campaigns])
    return page.render("campaigns/index.html", status_code=status_code, campaigns=campaigns, counts=counts,
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
    merchants = repository.alliance_merchants(page.session, campaign.alliance_id)
    names = {m.id: m.name for m in merchants}
    taking_part = {p.merchant_id for p in out.merchants}
    serving = page.me.is_merchant_side and page.me.merchant_id in taking_part
    manages = page.me.is_operator or (page.me.manages_merchant and campaign.lead_merchant_id is not None
                                      and page.me.merchant_id == campaign.lead_merchant_id)
    registrations = [{"id": r.id, "member_id": m.id, "name": m.name if page.me.is_operator else mask_name(m.name),
                      "phone": m.phone_masked, "registered_at": r.registered_at,
                      "checked_in_at": r.checked_in_at, "checked_in_at_name": names.get(
                          r.checked_in_merchant_id or 0, "")}
                     for r, m in repository.registrations_with_members(page.session, page.me, campaign.id)]
    packages = repository.packages_of(page.session, page.me, campaign.id)
    templates = repository.participant_templates(page.session, page.me, campaign.id) if manages else []
    costs = repository.costs(page.session, campaign.id)
    bars: list[dict[str, Any]] = []
    if report is not None:
        top = max([abs(r.gain_fen) for r in report.merchants] + [1])
        bars = [{"name": r.merchant_name, "gain": r.gain_fen, "width": round(abs(r.gain_fen) / top * 100, 1),
                 "roi": r.roi} for r in report.merchants]
    return page.render("campaigns/campaign.html", status_code=status_code, c=out, report=report, names=names,
                       merchants=merchants, costs=costs, errors=errors or {}, values=values or {},
                       error=error, bars=bars, registrations=registrations, packages=packages,
                       claimed=repository.claimed_packages(page.session, campaign.id), serving=serving,
                       manages=manages, templates=[(t, describe(page, t)) for t in templates],
                       active=campaign.status == CampaignStatus.ACTIVE.value,
                       flash=page.t("已保存", "Saved") if page.request.query_params.get("saved") else None)


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


def _member(page: Page, values: dict[str, str]) -> tuple[Member | None, dict[str, str]]:
    """The member named on the registration form: a card number or QR text, or else a phone."""
    card, phone = values.get("card", "").strip(), values.get("phone", "").strip()
    if not card and not phone:
        return None, {"card": page.t("请输入联盟卡号或手机号", "Enter a card number or a phone")}
    try:
        if card:
            return member_by_card(page, card), {}
        member = service.member_by_phone(page.session, page.me, phone)
    except AppError as error:
        return None, {"card" if card else "phone": page.error_text(error)}
    if member is None:
        return None, {"phone": page.t("没有找到这个手机号的会员;其他商户的会员请出示联盟卡",
                                      "No member you serve has this phone; partners' members show their card")}
    return member, {}


@router.post("/console/campaigns/{campaign_id}/registrations")
async def register(campaign_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    member, errors = _member(page, values)
    if member is None:
        return _campaign(page, campaign_id, errors, values, status_code=422)
    member_id = member.id
    _, error = run_write(page, lambda: service.register(page.session, page.me, campaign_id,
                                                          RegistrationIn(member_id=member_id)))
    if error:
        return _campaign(page, campaign_id, values=values, error=error, status_code=422)
    return _saved(campaign_id)


@router.post("/console/campaign-registrations/{registration_id}/check-in")
async def check_in(registration_id: int, page: StaffPage) -> Response:
    await form_of(page)
    registration = repository.get_registration(page.session, page.me, registration_id)
    campaign_id = registration.campaign_id
    _, error = run_write(page, lambda: service.check_in(page.session, page.me, registration_id))
    if error:
        return _campaign(page, campaign_id, error=error, status_code=409)
    return _saved(campaign_id)


@router.post("/console/campaigns/{campaign_id}/gift-packages")
async def create_package(campaign_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    chosen = [int(key.removeprefix("template_")) for key in values
              if key.startswith("template_") and key.removeprefix("template_").isdigit()]
    body, errors = parse(PackageIn, {"name": values.get("package_name", "").strip(), "template_ids": chosen},
                         page.lang)
    if body is None:
        fields = {"package_name" if k == "name" else "templates": v for k, v in errors.items()}
        if "template_ids" in errors or not chosen:
            fields["templates"] = page.t("请至少选择一种优惠券", "Choose at least one coupon")
        return _campaign(page, campaign_id, fields, values, status_code=422)
    package_body = body
    _, error = run_write(page, lambda: service.create_package(page.session, page.me, campaign_id, package_body))
    if error:
        return _campaign(page, campaign_id, values=values, error=error, status_code=422)
    return _saved(campaign_id)


@router.post("/console/gift-packages/{package_id}/claim")
async def claim(package_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    package = repository.get_package(page.session, page.me, package_id)
    campaign_id = package.campaign_id
    try:
        member_id = int(values.get("member_id", ""))
    except ValueError:
        raise Forbidden() from None
    _, error = run_write(page, lambda: service.claim_package(page.session, page.me, package_id, member_id))
    if error:
        return _campaign(page, campaign_id, error=error, status_code=409)
    return _saved(campaign_id)


# --- members: the alliance's open campaigns, and registering for one (报名) -------------------------------------


def _member_list(page: Page, error: str | None = None, status_code: int = 200) -> Response:
    assert page.me.alliance_id is not None and page.me.member_id is not None
    campaigns = repository.open_campaigns(page.session, page.me.alliance_id, clock.now())
    mine = repository.registrations_of_member(page.session, page.me.member_id)
    participants = repository.participants_of(page.session, page.me.alliance_id, [c.id for c in campaigns])
    names = {m.id: m.name for m in repository.alliance_merchants(page.session, page.me.alliance_id)}
    rows = [{"c": c, "registration": mine.get(c.id),
             "merchants": [names.get(p.merchant_id, "") for p in participants.get(c.id, [])]} for c in campaigns]
    flash = None
    if page.request.query_params.get("registered"):
        flash = page.t("报名成功,活动现场出示联盟卡即可签到",
                       "You are registered: show your card at the event to check in")
    return page.render("member/campaigns.html", status_code=status_code, principal=None, member_nav=True,
                       rows=rows, error=error, flash=flash, errors={})


@router.get("/m/campaigns")
def member_campaigns(page: MemberPage) -> Response:
    return _member_list(page)


@router.post("/m/campaigns/{campaign_id}/register")
async def member_register(campaign_id: int, page: MemberPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.register(page.session, page.me, campaign_id, RegistrationIn()))
    if error:
        return _member_list(page, error, 422)
    return RedirectResponse("/m/campaigns?registered=1", status_code=303)
