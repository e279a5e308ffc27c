"""The member page (mobile): alliance card with QR, coupons, points, partners nearby, the claim landing.

Members log in with a one-time code sent to their phone (or the card's signed QR text); the `lm_member` cookie
holds the same token as the member API, so the same tenancy policy applies. No personal data beyond the
member's own masked phone is ever rendered, and the clear phone number never is.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from lianmeng.alliances import repository as alliances_repo
from lianmeng.alliances.models import Alliance
from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.config import get_settings
from lianmeng.coupons import domain as coupons_domain
from lianmeng.coupons import repository as coupons_repo
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.domain import Acceptance
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.coupons.schemas import ClaimIn
from lianmeng.db import transaction
from lianmeng.kit import clock, ids
from lianmeng.kit.errors import AppError, Forbidden, NotFound
from lianmeng.kit.geo import format_distance, map_uri, nearest_first, parse_location
from lianmeng.kit.i18n import translate
from lianmeng.kit.throttle import Throttled
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.domain import normalize_phone
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import INDUSTRY_LABELS
from lianmeng.merchants.models import Merchant, Store
from lianmeng.placements import domain as placements_domain
from lianmeng.placements import service as placements
from lianmeng.placements.domain import PlacementSurface
from lianmeng.points.web import PointsView, member_points_view
from lianmeng.tenancy import Principal
from lianmeng.web.console import (
    MEMBER_COOKIE,
    MemberPage,
    OpenPage,
    Page,
    end_session,
    form_of,
    safe_next,
    visitor_csrf_token,
)

router = APIRouter(include_in_schema=False)
SafeNext = Annotated[str, Query(max_length=300)]
Coordinate = Annotated[str, Query(max_length=32)]

HISTORY_LINES = 30
MAX_TOKEN = 64
INDUSTRY_BY_CODE = {industry.value: label for industry, label in INDUSTRY_LABELS.items()}


# --- pure helpers --------------------------------------------------------------------------------------------


def offer_text(template: CouponTemplate, lang: str) -> str:
    """What a coupon gives, in a line: '立减 ¥50.00 · 满 ¥300.00 可用'."""
    return coupons_domain.offer_text(template, lang)


def _qr_svg(payload: str, title: str) -> Markup:
    """The payload as an inline SVG QR code (server-side, no script); segno escapes the title."""
    svg = segno.make(payload, error="m").svg_inline(scale=5, border=2, svgclass="card-qr", omitsize=True,
                                                     title=title)
    return Markup(svg)  # segno's own markup, from our signed payload (the title is escaped by segno)


def _render(page: Page, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Member pages use their own nav; `principal` is cleared so the shared header offers no console links."""
    context.setdefault("errors", {})
    return page.render(template, status_code=status_code, principal=None, **context)


def member_principal(page: Page) -> Principal | None:
    """The member logged in on this browser (open pages: the login, a claim or group landing), or None."""
    token = page.request.cookies.get(MEMBER_COOKIE)
    if not token:
        return None
    try:
        principal = auth_service.principal_from_bearer(page.session, token)
    except AppError:
        return None
    return principal if principal.role is Role.MEMBER else None


def _log_in(response: Response, issued: auth_service.IssuedToken) -> Response:
    seconds = max(60, int((issued.expires_at - clock.now()).total_seconds()))
    response.set_cookie(MEMBER_COOKIE, issued.access_token, max_age=seconds, httponly=True, samesite="strict")
    return response


# --- login ---------------------------------------------------------------------------------------------------


def _alliances(session: Session) -> list[Alliance]:
    return alliances_repo.all_alliances(session)


def _chosen(alliances: list[Alliance], code: str) -> Alliance | None:
    if len(alliances) == 1 and not code:
        return alliances[0]
    return next((a for a in alliances if a.code == code), None)


def _login_page(page: Page, *, step: str, values: dict[str, str], errors: dict[str, str], next_path: str,
                status_code: int = 200, flash: str = "") -> HTMLResponse:
    alliances = _alliances(page.session)
    options = [("", page.t("请选择", "Choose…")), *((a.code, a.name) for a in alliances)]
    return _render(page, "member/login.html", status_code=status_code, step=step, values=values, errors=errors,
                   next=next_path, alliances=alliances, alliance_options=options, flash=flash)


@router.get("/m/login", response_class=HTMLResponse)
def login_form(page: OpenPage, next: SafeNext = "", alliance: Annotated[str, Query(max_length=40)] = "") -> Response:
    if member_principal(page) is not None:
        return page.redirect(safe_next(next) or "/m")
    return _login_page(page, step="phone", values={"alliance": alliance}, errors={}, next_path=safe_next(next))


@router.post("/m/login", response_class=HTMLResponse)
async def login(page: OpenPage) -> Response:
    values = await form_of(page)
    action = values.get("action", "code")
    next_path = safe_next(values.get("next", ""))
    if action == "card":
        return _card_login(page, values, next_path)
    shown = {"alliance": values.get("alliance", ""), "phone": values.get("phone", "").strip()[:32]}
    errors: dict[str, str] = {}
    alliance = _chosen(_alliances(page.session), shown["alliance"])
    if alliance is None:
        errors["alliance"] = page.t("请选择联盟", "Choose your alliance")
    else:
        shown["alliance"] = alliance.code
    phone = normalize_phone(shown["phone"]) if shown["phone"] else None
    if not shown["phone"]:
        errors["phone"] = page.t("请输入手机号", "Enter your mobile number")
    elif phone is None:
        errors["phone"] = translate("invalid_phone", page.lang)
    if errors or alliance is None or phone is None:
        return _login_page(page, step="phone", values=shown, errors=errors, next_path=next_path, status_code=422)
    if action == "verify":
        code = values.get("code", "").strip()[:12]
        if not code:
            errors["code"] = page.t("请输入验证码", "Enter the code")
            return _login_page(page, step="code", values=shown, errors=errors, next_path=next_path, status_code=422)
        try:
            with transaction(page.session) as unit, unit.keeping_refusal():  # the failed-attempt count stops guessing
                issued = auth_service.verify_code(page.session, alliance.id, phone, code)
        except AppError as error:
            errors["code"] = page.error_text(error)
            return _throttled(_login_page(page, step="code", values=shown, errors=errors, next_path=next_path,
                                          status_code=422), error)
        return _log_in(page.redirect(next_path or "/m"), issued)
    try:
        with transaction(page.session):
            auth_service.request_code(page.session, alliance.id, phone)
    except Throttled as error:
        errors["phone"] = page.error_text(error)
        return _throttled(_login_page(page, step="phone", values=shown, errors=errors, next_path=next_path), error)
    sent = page.t(f"如果 {_masked(phone)} 已开通联盟卡,验证码已通过短信发送。",
                  f"If {_masked(phone)} holds an alliance card, a code is on its way by SMS.")
    return _login_page(page, step="code", values=shown, errors={}, next_path=next_path, flash=sent)


def _throttled(response: HTMLResponse, error: AppError) -> HTMLResponse:
    """A throttled request answers 429 with Retry-After (the page still shows why, next to the field)."""
    if isinstance(error, Throttled):
        response.status_code = 429
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _card_login(page: Page, values: dict[str, str], next_path: str) -> Response:
    payload = values.get("qr", "").strip()
    errors: dict[str, str] = {}
    if not payload:
        errors["qr"] = page.t("请粘贴联盟卡二维码内容", "Paste the text of your card's QR code")
    elif len(payload) > 200:
        errors["qr"] = translate("invalid_card", page.lang)
    else:
        try:
            issued = auth_service.login_with_card(page.session, payload)
        except AppError as error:
            errors["qr"] = page.error_text(error)
    if errors:
        return _login_page(page, step="phone", values={"qr": payload[:200]}, errors=errors, next_path=next_path,
                           status_code=422)
    return _log_in(page.redirect(next_path or "/m"), issued)


@router.post("/m/logout")
async def logout(page: OpenPage) -> Response:
    await form_of(page)
    end_session(page, page.request.cookies.get(MEMBER_COOKIE))
    response = page.redirect("/m/login")
    response.delete_cookie(MEMBER_COOKIE, httponly=True, samesite="strict")
    return response


# --- my card -------------------------------------------------------------------------------------------------


@dataclass
class CouponLine:
    coupon: Coupon
    template: CouponTemplate
    offer: str
    where: str


@dataclass
class UsedLine:
    """A coupon the member used: what, where and when, and what it saved them."""

    name: str
    offer: str
    where: str
    at: datetime
    saved_fen: int


@dataclass
class MemberView:
    member: Member
    alliance: Alliance
    card_display: str
    qr: Markup
    points: PointsView
    coupons: list[CouponLine] = field(default_factory=list)
    used: list[UsedLine] = field(default_factory=list)


def _me(page: Page) -> Member:
    return members_repo.get_member(page.session, page.me, page.me.member_id or 0)


def _where(template: CouponTemplate, names: dict[int, str], page: Page) -> str:
    if template.acceptance == Acceptance.ALLIANCE.value:
        return page.t("联盟商户通用", "Any alliance merchant")
    if template.acceptance == Acceptance.SELECTED.value:
        listed = [names.get(m, "") for m in template.accepted_merchant_ids]
        return "、".join(n for n in listed if n) or page.t("指定门店", "Selected stores")
    return names.get(template.owner_merchant_id or 0, "")


def _usable_coupons(page: Page, member: Member) -> list[CouponLine]:
    now = clock.now()
    held = [(c, t) for c, t in coupons_repo.usable_coupons(page.session, member.alliance_id, member.id)
            if c.valid_until is None or c.valid_until > now]
    wanted = {t.owner_merchant_id for _, t in held if t.owner_merchant_id}
    wanted |= {m for _, t in held for m in t.accepted_merchant_ids}
    names = merchants_repo.names_of(page.session, member.alliance_id, wanted)
    held.sort(key=lambda ct: (ct[0].valid_until is None, ct[0].valid_until or now, ct[0].id))
    return [CouponLine(c, t, offer_text(t, page.lang), _where(t, names, page)) for c, t in held]


@router.get("/m", response_class=HTMLResponse)
def my_card(page: MemberPage) -> Response:
    member = _me(page)
    alliance = alliances_repo.alliance_by_id(page.session, member.alliance_id)
    assert alliance is not None
    card = members_service.card_of(page.session, page.me, member.id)
    assert card.qr_payload is not None  # the holder always sees their own QR
    view = MemberView(member, alliance, card.card_no_display,
                      _qr_svg(card.qr_payload, page.t("联盟卡二维码", "Alliance card QR code")),
                      member_points_view(page.session, alliance.id, member.id, alliance.points_per_yuan_value,
                                         page.lang))
    view.coupons = _usable_coupons(page, member)
    view.used = [UsedLine(template.name, offer_text(template, page.lang),
                          f"{merchant} · {store}" if store else merchant, redemption.at, redemption.discount_fen)
                 for redemption, template, merchant, store in coupons_repo.used_by_member(
                     page.session, member.alliance_id, member.id, HISTORY_LINES)]
    return _render(page, "member/home.html", member_nav=True, view=view, now=clock.now())


@router.post("/m/coupons/{coupon_id}/claim")
async def take_coupon(coupon_id: int, page: MemberPage) -> Response:
    """Take a coupon a merchant put aside for the member (issued while they were not there)."""
    await form_of(page)
    with transaction(page.session):
        coupons_service.claim_held(page.session, page.me, coupon_id)
    return page.redirect("/m#coupons")


# --- partners near me ----------------------------------------------------------------------------------------


@dataclass
class Offer:
    name: str
    text: str
    description: str
    benefit: bool
    until: datetime | None
    template_id: int = 0
    held: int = 0  # coupons of it the member already has
    can_take: bool = False  # one tap takes it (a partner's own offer, under the per-member limit)


@dataclass
class Nearby:
    store: Store
    merchant: Merchant
    industry: str
    distance: float | None
    distance_text: str
    mine: bool
    offers: list[Offer]
    map_uri: str = ""  # opens the store in the phone's map app
    featured: bool = False  # a paid placement (推广) today: listed first, marked


def _map_label(merchant: Merchant, store: Store) -> str:
    """The pin's name in the map app: the store, with its merchant unless the store's name already says it."""
    return store.name if merchant.name in store.name else f"{merchant.name} · {store.name}"


def _home_store(session: Session, member: Member, my_merchants: set[int]) -> Store | None:
    """Where distances are measured from by default: the first store of the member's own (origin) merchant, or
    of a merchant they joined later."""
    candidates = [member.origin_merchant_id] if member.origin_merchant_id else []
    candidates += sorted(my_merchants - set(candidates))
    return merchants_repo.first_open_store(session, member.alliance_id, candidates)


def _offers(page: Page, merchant_ids: set[int], my_merchants: set[int]) -> dict[int, list[Offer]]:
    """Each merchant's active coupons, and the benefits it gives members of the member's own merchants."""
    session, now, alliance_id = page.session, clock.now(), page.me.alliance_id or 0
    out: dict[int, list[Offer]] = {m: [] for m in merchant_ids}
    if not merchant_ids:
        return out
    today = clock.today_in_shanghai()
    for merchant_id in sorted(merchant_ids):
        for benefit in coupons_repo.benefits_for(session, alliance_id, merchant_id, my_merchants - {merchant_id},
                                                 today):
            out[merchant_id].append(Offer(benefit.name, offer_text(benefit, page.lang), benefit.description, True,
                                          benefit.valid_until))
    templates = coupons_repo.partner_offers(session, alliance_id, merchant_ids, now)
    held = coupons_repo.held_counts(session, alliance_id, page.me.member_id or 0, {t.id for t in templates})
    for template in templates:
        holds = held.get(template.id, 0)
        in_stock = template.total_stock is None or template.issued_count < template.total_stock
        if not in_stock and not holds:
            continue  # all taken by others: nothing to show
        out[template.owner_merchant_id or 0].append(
            Offer(template.name, offer_text(template, page.lang), template.description, False, template.valid_until,
                  template.id, holds,
                  in_stock and template.audience_merchant_id is None and holds < template.per_member_limit))
    return out


@router.get("/m/partners", response_class=HTMLResponse)
def partners(page: MemberPage, lat: Coordinate = "", lng: Coordinate = "",
             taken: Annotated[int, Query(ge=0, le=2**53)] = 0) -> Response:
    took: Coupon | None = None
    if taken:
        try:
            took = coupons_repo.get_coupon(page.session, page.me, taken)
        except NotFound:
            took = None
    return _partners_page(page, lat, lng, took=took)


@router.post("/m/offers/{template_id}/take", response_class=HTMLResponse)
async def take_offer(template_id: int, page: MemberPage) -> Response:
    """One tap on a partner's offer in the partners list: the coupon is the member's, with a message saying so; a
    refusal (taken already, none left, paused) is said next to the offer."""
    values = await form_of(page)
    lat, lng = values.get("lat", "")[:32], values.get("lng", "")[:32]
    try:
        with transaction(page.session):
            coupon = coupons_service.claim_published(page.session, page.me, template_id)
    except AppError as failure:
        if failure.status_code not in (409, 422):
            raise
        return _partners_page(page, lat, lng, status_code=422, refused=(template_id, page.error_text(failure)))
    where = "".join(f"&{k}={quote(v, safe='')}" for k, v in (("lat", lat), ("lng", lng)) if v)
    return page.redirect(f"/m/partners?taken={coupon.id}{where}#offer-{template_id}")


def _partners_page(page: Page, lat: str, lng: str, *, status_code: int = 200, took: Coupon | None = None,
                   refused: tuple[int, str] | None = None) -> HTMLResponse:
    session = page.session
    member = _me(page)
    my_merchants = members_repo.merchants_of_member(session, member)
    error = ""
    origin: tuple[float, float] | None = None
    origin_label = ""
    if lat or lng:
        origin = parse_location(lat, lng)
        if origin is None:
            error = page.t("位置无效,已按默认位置计算距离",
                           "That location is not valid; distances are from the default")
        else:
            origin_label = page.t("你提供的位置", "the location you gave")
    if origin is None:
        home = _home_store(session, member, my_merchants)
        if home is not None:
            origin = (home.latitude, home.longitude)
            origin_label = home.name
    rows = merchants_repo.open_stores(session, member.alliance_id)
    offers = _offers(page, {m.id for _, m in rows}, my_merchants)
    nearby: list[Nearby] = []
    for (store, merchant), distance in nearest_first(
            origin, rows, lambda sm: (sm[0].latitude, sm[0].longitude),
            lambda sm: (sm[1].name, sm[0].name, sm[0].id)):
        label = INDUSTRY_BY_CODE.get(merchant.industry)
        nearby.append(Nearby(
            store, merchant, page.t(*label) if label else merchant.industry, distance,
            format_distance(distance, page.lang) if distance is not None else "", merchant.id in my_merchants,
            offers.get(merchant.id, []), map_uri(store.latitude, store.longitude, _map_label(merchant, store)),
        ))
    featured = placements.featured(session, member.alliance_id, PlacementSurface.PARTNER_LIST)
    nearby = [replace(n, featured=is_featured)
              for n, is_featured in placements_domain.featured_first(nearby, lambda n: n.merchant.id, featured)]
    listed = {o.template_id for n in nearby for o in n.offers}
    refused_alone = refused[1] if refused is not None and refused[0] not in listed else ""
    took_template = coupons_repo.get_template(session, page.me, took.template_id) if took is not None else None
    took_name = took_template.name if took_template is not None else ""
    return _render(page, "member/partners.html", status_code=status_code, member_nav=True, nearby=nearby,
                   origin=origin, origin_label=origin_label, error=error, lat=lat, lng=lng, took=took,
                   took_name=took_name, refused=refused, refused_alone=refused_alone)


# --- the claim landing ---------------------------------------------------------------------------------------
#
# A claim proves the phone before anything is recorded (PIPL art. 14: the holder's own consent). The visitor
# enters the phone and accepts the terms, gets a one-time code by SMS (the member login's own code service), and
# claims with it; only then is a new member enrolled (consent timestamped), the coupon handed out and the card
# number shown, and the visitor is logged in. A member already logged in claims with one tap.


def _claim_context(page: Page, token: str, lat: str = "", lng: str = "") -> dict[str, Any]:
    if len(token) > MAX_TOKEN:
        raise NotFound("claim_link")
    near = parse_location(lat, lng)
    offer = coupons_service.claim_offer(page.session, token, near)
    me = member_principal(page)
    mine = members_repo.member_by_id(page.session, me.member_id or 0) if me is not None else None
    if mine is not None and mine.alliance_id != offer.link.alliance_id:
        mine = None
    alliance = alliances_repo.alliance_by_id(page.session, offer.link.alliance_id)
    places = [(p, format_distance(p.distance_m, page.lang) if p.distance_m is not None else "")
              for p in offer.places]
    return {"token": token, "link": offer.link, "offered": offer.template, "merchant": offer.giver,
            "store": offer.giver_store, "owner_name": offer.owner_name, "active": offer.active,
            "value": coupons_domain.value_words(offer.template, page.lang),
            "min_spend": coupons_domain.min_spend_words(offer.template.min_spend_fen, page.lang),
            "validity": coupons_domain.template_validity_words(offer.template, page.lang),
            "places": places, "by_distance": offer.by_distance, "lat": f"{near[0]:.5f}" if near else "",
            "lng": f"{near[1]:.5f}" if near else "", "location_error": bool(lat or lng) and near is None,
            "mine": mine, "alliance_code": alliance.code if alliance else "",
            "partners": [(p, _industry(page, p.merchant)) for p in placements.claim_partners(
                page.session, offer.link.alliance_id, offer.giver.id)]}


def _industry(page: Page, merchant: Merchant) -> str:
    label = INDUSTRY_BY_CODE.get(merchant.industry)
    return page.t(*label) if label else merchant.industry


@router.get("/claim/{token}")
def claim_address(token: str) -> Response:
    """The address printed in claim QR codes (as the API's claim links give it): the landing page."""
    return RedirectResponse(f"/c/{quote(token, safe='')}", status_code=303)


@router.get("/c/{token}", response_class=HTMLResponse)
def claim_landing(token: str, page: OpenPage, lat: Coordinate = "", lng: Coordinate = "") -> Response:
    return _render(page, "member/claim.html", values={}, step="phone", **_claim_context(page, token, lat, lng))


async def _claim_form(page: Page) -> dict[str, str]:
    """The claim form, CSRF-checked. A shared link is usually opened from another site, where the browser holds
    back the strict member cookie, so the page was rendered with the visitor's token (its own random lax cookie);
    the same browser then posts with its member cookie. Both tokens are accepted: a cross-site post carries
    neither cookie."""
    try:
        return await form_of(page)
    except Forbidden:
        data = await page.request.form()
        values = {key: value for key, value in data.items() if isinstance(value, str)}
        visitor = visitor_csrf_token(page.request)
        if not visitor or not hmac.compare_digest(values.pop("csrf", ""), visitor):
            raise
        return values


CODE_SHAPE = re.compile(r"[0-9]{4,8}")
CLAIM_FIELDS = {"invalid_phone": "phone", "consent_required": "accept_terms", "otp_required": "code",
                "otp_invalid": "code", "otp_too_many": "code"}


def _claim_values(values: dict[str, str]) -> dict[str, Any]:
    checked = {key: values.get(key) in ("on", "1", "true", "yes") for key in ("accept_terms", "consent_marketing")}
    return {"phone": values.get("phone", "").strip()[:32], "name": values.get("name", "").strip()[:60],
            "code": values.get("code", "").strip()[:8], **checked}


@router.post("/c/{token}", response_class=HTMLResponse)
async def claim(token: str, page: OpenPage) -> Response:
    values = await _claim_form(page)
    context = _claim_context(page, token, values.get("lat", "")[:32], values.get("lng", "")[:32])
    action = values.get("action", "code")
    shown = _claim_values(values)
    errors: dict[str, str] = {}
    if action == "mine":
        if context["mine"] is None:
            return page.redirect(f"/m/login?next={quote(f'/c/{token}', safe='')}")
        return _claim_now(page, token, context, shown, action, errors)
    if not shown["phone"]:
        errors["phone"] = page.t("请输入手机号", "Enter your mobile number")
    elif normalize_phone(str(shown["phone"])) is None:
        errors["phone"] = translate("invalid_phone", page.lang)
    if not shown["accept_terms"]:
        errors["accept_terms"] = page.t("请阅读并同意会员条款", "Please read and accept the membership terms")
    if action == "claim" and not errors and not shown["code"]:
        errors["code"] = page.t("请输入短信验证码", "Enter the code from the SMS")
    elif action == "claim" and not errors and not CODE_SHAPE.fullmatch(str(shown["code"])):
        errors["code"] = translate("otp_invalid", page.lang)
    if errors:
        step = "code" if action == "claim" else "phone"
        return _render(page, "member/claim.html", status_code=422, values=shown, errors=errors, step=step,
                       **context)
    if action == "claim":
        return _claim_now(page, token, context, shown, action, errors)
    try:
        with transaction(page.session):
            coupons_service.request_claim_code(page.session, token, str(shown["phone"]))
    except AppError as failure:
        errors[CLAIM_FIELDS.get(failure.code, "phone")] = page.error_text(failure)
        return _render(page, "member/claim.html", status_code=failure.status_code, values=shown, errors=errors,
                       step="phone", **context)
    phone = normalize_phone(str(shown["phone"])) or ""
    sent = page.t(f"验证码已发送至 {_masked(phone)},{_minutes()} 分钟内有效。",
                  f"A code is on its way to {_masked(phone)}; it is valid for {_minutes()} minutes.")
    return _render(page, "member/claim.html", values={**shown, "code": ""}, errors={}, step="code", flash=sent,
                   **context)


def _minutes() -> int:
    return get_settings().otp_minutes


def _claim_now(page: Page, token: str, context: dict[str, Any], shown: dict[str, Any], action: str,
               errors: dict[str, str]) -> Response:
    """Prove the claimant (the member's own login, or the phone's code), then hand out the coupon. A wrong code
    still counts against the phone: that write is kept, nothing else."""
    data = ClaimIn(phone=None if action == "mine" else shown["phone"] or None,
                   code=None if action == "mine" else shown["code"] or None, name=shown["name"] or None,
                   accept_terms=bool(shown["accept_terms"]), consent_marketing=bool(shown["consent_marketing"]))
    caller = member_principal(page) if action == "mine" else None
    proving = True
    try:
        with transaction(page.session) as unit:
            with unit.keeping_refusal():  # a wrong code's failed-attempt count is kept: it is what stops guessing
                claimant = coupons_service.prove_claimant(page.session, token, data, caller)
            proving = False
            coupon, created = coupons_service.claim(page.session, token, claimant, data)
    except AppError as failure:
        step = "code" if proving or action == "claim" else "phone"
        return _claim_refused(page, context, shown, errors, failure, step)
    return _claimed(page, context, coupon, claimant, created)


def _claim_refused(page: Page, context: dict[str, Any], shown: dict[str, Any], errors: dict[str, str],
                   failure: AppError, step: str) -> HTMLResponse:
    error = ""
    if failure.code in CLAIM_FIELDS:
        errors[CLAIM_FIELDS[failure.code]] = page.error_text(failure)
    else:
        error = page.error_text(failure)
    return _render(page, "member/claim.html", status_code=422, values={**shown, "code": ""}, errors=errors,
                   error=error, step=step, **context)


def _claimed(page: Page, context: dict[str, Any], coupon: Coupon, claimant: coupons_service.Claimant,
             created: bool) -> Response:
    """The claimant proved the phone (or was logged in): their card number is shown, and a phone just proved
    logs them in."""
    member = claimant.member
    response = _render(page, "member/claimed.html", coupon=coupon, created=created,
                       card_display=ids.format_card_number(member.card_no), phone_masked=member.phone_masked,
                       coupon_validity=coupons_domain.window_words(coupon.valid_from, coupon.valid_until,
                                                                   page.lang),
                       **context)
    if claimant.issued is not None:
        _log_in(response, claimant.issued)
    return response
