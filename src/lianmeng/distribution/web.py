"""Distribution pages: the member's 我的分享 (/m/shares: offers to share with their link and QR, friends' first
orders masked, rewards), and the console's offers with their sharing terms, results and leaderboard."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from lianmeng.commissions.domain import format_bp
from lianmeng.coupons import repository as coupons_repo
from lianmeng.distribution import repository, service
from lianmeng.distribution.domain import RewardKind, RewardStatus
from lianmeng.distribution.schemas import TermsIn
from lianmeng.groupbuys import sharing
from lianmeng.groupbuys import web_queries as groupbuy_queries
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden
from lianmeng.kit.money import format_yuan
from lianmeng.web import labels, links
from lianmeng.web.console import MemberPage, Page, StaffPage, form_of, parse, run_write, yuan_field

router = APIRouter(include_in_schema=False)


def _qr(payload: str, title: str) -> Markup:
    svg = segno.make(payload, error="m").svg_inline(scale=4, border=2, svgclass="share-qr", omitsize=True,
                                                     title=title)
    return Markup(svg)  # segno's own markup of our link (the title is escaped by segno)


# --- member: 我的分享 ------------------------------------------------------------------------------------------


def _my_shares(page: Page, *, status_code: int = 200, error: str | None = None) -> Response:
    mine = service.my_shares(page.session, page.me)
    offers = []
    for offer in mine.offers:
        url = links.claim_url(page.request, offer.link.token) if offer.link else ""
        offers.append({"o": offer, "url": url,
                       "qr": _qr(url, page.t("分享二维码", "Share QR code")) if url else None,
                       "reward": _reward_text(page, offer.terms.reward_kind, offer.terms.amount, offer.terms.rate_bp)})
    return page.render("member/shares.html", status_code=status_code, principal=None, member_nav=True,
                       offers=offers, conversions=mine.conversions, totals=mine.totals, kinds=list(RewardKind),
                       statuses=list(RewardStatus), error=error, errors={}, packages=_packages(page),
                       package_shares=groupbuy_queries.package_shares_of(page.session, page.me.alliance_id or 0,
                                                                         page.me.member_id or 0))


def _packages(page: Page) -> list[dict[str, Any]]:
    """The group-buy offers open for sharing now, each with the member's link (/m/group-buys?s=…) and its QR."""
    rows = []
    for offer in groupbuy_queries.offers_open_to(page.session, page.me, clock.now()):
        if offer.share_points is None:
            continue
        token = sharing.share_link(page.session, page.me, offer.id).token
        url = f"{links.public_base(page.request)}/m/group-buys?s={quote(token, safe='')}"
        cap = (page.t(f",每月上限 {offer.share_cap_per_month} 积分", f", up to {offer.share_cap_per_month} a month")
               if offer.share_cap_per_month is not None else "")
        rows.append({"offer": offer, "url": url, "qr": _qr(url, page.t("拼团分享二维码", "Package share QR code")),
                     "reward": page.t(f"每位朋友 {offer.share_points} 积分", f"{offer.share_points} points a friend")
                     + cap})
    return rows


def _reward_text(page: Page, kind: str, amount: int | None, rate_bp: int | None) -> str:
    if kind == RewardKind.POINTS.value:
        return page.t(f"{amount} 积分", f"{amount} points")
    if rate_bp is not None:
        return page.t(f"首单 {format_bp(rate_bp)} 返现", f"{format_bp(rate_bp)} of the first order")
    return page.t(f"返现 {format_yuan(amount or 0)}", f"{format_yuan(amount or 0)} back")


@router.get("/m/shares", response_class=HTMLResponse)
def my_shares(page: MemberPage) -> Response:
    return _my_shares(page)


@router.post("/m/shares/{template_id}")
async def make_link(template_id: int, page: MemberPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.share(page.session, page.me, template_id))
    if error is not None:
        return _my_shares(page, status_code=422, error=error)
    return page.redirect(f"/m/shares#offer-{template_id}")


# --- console: terms, results, leaderboard ---------------------------------------------------------------------


def _require_console(page: Page) -> None:
    if not (page.me.is_operator or page.me.is_merchant_side):
        raise Forbidden()


def _plain_yuan(fen: int) -> str:
    """1950 → '19.50', for a form field (integer arithmetic)."""
    return f"{fen // 100}.{fen % 100:02d}"


@router.get("/console/distribution", response_class=HTMLResponse)
def offers(page: StaffPage) -> Response:
    _require_console(page)
    mine = None if page.me.is_operator else page.me.merchant_id
    rows = repository.terms_listed(page.session, page.me, mine)
    return page.render("distribution/index.html", rows=rows)


def _detail(page: Page, template_id: int, *, status_code: int = 200, values: dict[str, str] | None = None,
            errors: dict[str, str] | None = None, flash: str | None = None, error: str | None = None) -> Response:
    template = coupons_repo.get_template(page.session, page.me, template_id)
    found = service.results(page.session, page.me, template.id)
    terms = found.terms
    can_edit = page.me.is_operator or (page.me.manages_merchant and page.me.merchant_id == template.owner_merchant_id)
    shown: dict[str, Any] = values or ({} if terms is None else {
        "enabled": "1" if terms.enabled else "", "reward_kind": terms.reward_kind,
        "amount": (str(terms.amount) if terms.reward_kind == RewardKind.POINTS.value else
                   _plain_yuan(terms.amount)) if terms.amount is not None else "",
        "rate_bp": str(terms.rate_bp or ""), "min_order": _plain_yuan(terms.min_order_fen),
        "window_days": str(terms.window_days),
        "cap": (str(terms.cap_per_month) if terms.reward_kind == RewardKind.POINTS.value else
                _plain_yuan(terms.cap_per_month)) if terms.cap_per_month is not None else "",
        "return_window_days": str(terms.return_window_days)})
    kinds = [(k.value, labels.label("reward_kind", k.value, page.lang)) for k in RewardKind]
    return page.render("distribution/detail.html", status_code=status_code, offer=template, found=found,
                       values=shown, errors=errors or {}, flash=flash, error=error, can_edit=can_edit, kinds=kinds)


@router.get("/console/distribution/{template_id}", response_class=HTMLResponse)
def detail(template_id: int, page: StaffPage) -> Response:
    _require_console(page)
    return _detail(page, template_id)


@router.post("/console/distribution/{template_id}", response_class=HTMLResponse)
async def save(template_id: int, page: StaffPage) -> Response:
    _require_console(page)
    values = await form_of(page)
    errors: dict[str, str] = {}
    rebate = values.get("reward_kind") == RewardKind.REBATE.value
    fields: dict[str, Any] = {"enabled": values.get("enabled") == "1", "reward_kind": values.get("reward_kind", ""),
                              "rate_bp": values.get("rate_bp", ""), "window_days": values.get("window_days", ""),
                              "return_window_days": values.get("return_window_days", "")}
    for name, target in (("amount", "amount"), ("cap", "cap_per_month")):
        text = values.get(name, "")
        if rebate:
            fen, problem = yuan_field(page, text, required=False)
            if problem:
                errors[name] = problem
            fields[target] = "" if fen is None else str(fen)
        else:
            fields[target] = text.strip()
    min_fen, problem = yuan_field(page, values.get("min_order", ""), required=False, minimum="zero")
    if problem:
        errors["min_order"] = problem
    fields["min_order_fen"] = "" if min_fen is None else str(min_fen)
    data, invalid = parse(TermsIn, fields, page.lang)
    errors.update({("cap" if k == "cap_per_month" else "min_order" if k == "min_order_fen" else k): v
                   for k, v in invalid.items()})
    if errors or data is None:
        return _detail(page, template_id, status_code=422, values=values, errors=errors)
    _, error = run_write(page, lambda: service.set_terms(page.session, page.me, template_id, data))
    if error is not None:
        return _detail(page, template_id, status_code=422, values=values, error=error)
    return _detail(page, template_id, flash=page.t("已保存分销规则", "Sharing terms saved"))
