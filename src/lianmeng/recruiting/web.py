"""Console pages of recruiting (招募) and the public pages a join link opens.

Console: /console/recruiting (links, applications, the operator's bounty), a printable poster per link, an
application's review page (linked to its candidate's scorecard), the recruiter leaderboard. Public, phone-sized:
/join/{token} (apply: phone, one-time code, details) and /welcome/{token} (a new login chooses its password).
Every write is the recruiting service's with the logged-in principal (or none, for the public steps).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import segno
from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import ValidationError

from lianmeng.auth.domain import Role
from lianmeng.db import transaction
from lianmeng.kit import crypto
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.kit.i18n import translate
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.members.domain import normalize_phone
from lianmeng.merchants import repository as merchants_repo
from lianmeng.recruiting import repository, service
from lianmeng.recruiting.domain import (
    MAX_BOUNTY_FEN,
    ApplicantKind,
    ApplicationStatus,
    LinkAccepts,
    Occupation,
    ReviewDecision,
)
from lianmeng.recruiting.models import Application, JoinLink
from lianmeng.recruiting.schemas import ApplicationCreate, DecisionIn, JoinLinkCreate
from lianmeng.web import labels, links
from lianmeng.web.console import OpenPage, Page, StaffPage, field_errors, form_of, run_write, yuan_field

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _int(text: str | None) -> int | None:
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and 0 < len(cleaned) < 10 else None


def _may_review(page: Page) -> bool:
    return page.me.is_operator or page.me.role is Role.MERCHANT_ADMIN


def _names(page: Page, rows: list[Application]) -> dict[tuple[str, int], str]:
    keys = {(a.recruiter_type, a.recruiter_id) for a in rows} | {
        ("merchant", a.inviting_merchant_id) for a in rows if a.inviting_merchant_id is not None}
    named = repository.names(page.session, keys)
    named.update({("operator", 0): page.t("盟主", "Alliance operator")})
    return named


def _index(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    me = page.me
    status = context.pop("status", None)
    link_rows, _ = paginate(page.session, repository.list_links(me), PageParams(page=1, page_size=50))
    stmt = repository.list_applications(me, status=ApplicationStatus(status) if status else None)
    number = context.pop("number", 1)
    rows, total = paginate(page.session, stmt, PageParams(page=number, page_size=PAGE_SIZE))
    settings = service.settings(page.session, me)
    merchants = merchants_repo.merchants_in_scope(page.session, me) if me.is_operator else []
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page.render(
        "recruiting/index.html", status_code=status_code, join_links=link_rows, applications=rows, total=total,
        number=number, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), status=status or "",
        statuses=labels.options("recruit_status", page.lang), names=_names(page, rows),
        accepts=labels.options("link_accepts", page.lang), bounty_fen=settings.bounty_fen if settings else 0,
        max_bounty=MAX_BOUNTY_FEN, host_options=[("", page.t("不指定(仅招募商户)", "None (merchants only)"))]
        + [(str(m.id), m.name) for m in merchants], may_create=me.kind == "user", **context)


@router.get("/console/recruiting")
def index(page: StaffPage, status: str = "", p: str = "1") -> Response:
    chosen = status if status in {s.value for s in ApplicationStatus} else None
    return _index(page, status=chosen, number=_int(p) or 1)


@router.post("/console/recruiting/links")
async def create_link(page: StaffPage) -> Response:
    values = await form_of(page)
    try:
        data = JoinLinkCreate(title=values.get("title", "")[:120], accepts=LinkAccepts(values.get("accepts", "any")),
                              merchant_id=_int(values.get("merchant_id")) if page.me.is_operator else None)
    except (ValueError, ValidationError):
        return _index(page, status_code=422, values=values,
                      errors={"accepts": page.t("请选择一项", "Choose one of the options")})
    link, error = run_write(page, lambda: service.create_link(page.session, page.me, data))
    if error is not None:
        return _index(page, status_code=422, values=values, error=error)
    return page.redirect(f"/console/recruiting/links/{link.id}")


def _poster_svg(page: Page, link: JoinLink) -> tuple[str, Markup]:
    url = links.join_url(page.request, link.token)
    return url, Markup(segno.make(url, error="m").svg_inline(scale=6, title=link.title or "join"))


@router.get("/console/recruiting/links/{link_id}")
def poster(link_id: int, page: StaffPage) -> Response:
    """The link's poster: a QR to print (seed 002 §2.1: hand the page over with the small gift) or send by phone."""
    link = repository.get_link(page.session, page.me, link_id)
    opened = service.open_link(page.session, link.token)
    url, svg = _poster_svg(page, link)
    return page.render("recruiting/poster.html", link=link, url=url, svg=svg, alliance=opened.alliance,
                       host=opened.host)


@router.get("/console/recruiting/links/{link_id}/qr.png")
def poster_png(link_id: int, page: StaffPage) -> Response:
    link = repository.get_link(page.session, page.me, link_id)
    out = io.BytesIO()
    segno.make(links.join_url(page.request, link.token), error="m").save(out, kind="png", scale=10, border=4)
    return Response(out.getvalue(), media_type="image/png",
                    headers={"Content-Disposition": f'attachment; filename="join-{link.id}.png"'})


@router.post("/console/recruiting/links/{link_id}/active")
async def toggle_link(link_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    active = values.get("active") == "1"
    _, error = run_write(page, lambda: service.set_link_active(page.session, page.me, link_id, active))
    if error is not None:
        return _index(page, status_code=422, error=error)
    return page.redirect("/console/recruiting")


def _detail(page: Page, application: Application, *, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page.render("recruiting/application.html", status_code=status_code, item=application,
                       names=_names(page, [application]), may_review=_may_review(page),
                       decisions=labels.options("recruit_decision", page.lang), **context)


@router.get("/console/recruiting/applications/{application_id}")
def application(application_id: int, page: StaffPage) -> Response:
    return _detail(page, repository.get_application(page.session, page.me, application_id))


@router.post("/console/recruiting/applications/{application_id}")
async def decide(application_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    current = repository.get_application(page.session, page.me, application_id)
    try:
        data = DecisionIn(decision=ReviewDecision(values.get("decision", "")), reason=values.get("reason", "")[:500])
    except (ValueError, ValidationError):
        return _detail(page, current, status_code=422, values=values,
                       errors={"decision": page.t("请选择一项", "Choose one of the options")})
    if data.decision is ReviewDecision.REJECT and not data.reason.strip():
        return _detail(page, current, status_code=422, values=values,
                       errors={"reason": translate("recruit_reason_required", page.lang)})
    decided, error = run_write(page, lambda: service.decide(page.session, page.me, application_id, data))
    if error is not None:
        page.session.expire_all()
        return _detail(page, repository.get_application(page.session, page.me, application_id), status_code=422,
                       values=values, error=error)
    welcome = links.welcome_url(page.request, decided.welcome_token) if decided.welcome_token else None
    flash = page.t("已通过申请", "Application approved") if data.decision is ReviewDecision.APPROVE else page.t(
        "已拒绝申请", "Application rejected")
    return _detail(page, decided.application, flash=flash, login=decided.login, welcome=welcome)


@router.get("/console/recruiting/leaderboard")
def leaderboard(page: StaffPage) -> Response:
    operator = page.t("盟主", "Alliance operator")
    return page.render("recruiting/leaderboard.html",
                       recruiters=service.leaderboard(page.session, page.me, "recruiter", operator),
                       merchants=service.leaderboard(page.session, page.me, "merchant", operator))


@router.post("/console/recruiting/settings")
async def settings(page: StaffPage) -> Response:
    values = await form_of(page)
    if not page.me.is_operator:
        raise Forbidden()
    fen, problem = yuan_field(page, values.get("bounty", ""), minimum="zero", max_fen=MAX_BOUNTY_FEN)
    if problem is not None or fen is None:
        return _index(page, status_code=422, values=values, errors={"bounty": problem or ""})
    _, error = run_write(page, lambda: service.set_bounty(page.session, page.me, fen))
    if error is not None:
        return _index(page, status_code=422, values=values, errors={"bounty": error})
    return _index(page, flash=page.t("已保存招募奖励", "Bounty saved"))


# --- public: apply through a join link ---------------------------------------------------------------------------

FIELDS_OF_ERRORS = {"invalid_phone": "phone", "otp_required": "code", "otp_invalid": "code", "otp_too_many": "code",
                    "otp_send_throttled": "phone", "otp_verify_throttled": "code"}
APPLY_FIELDS = ("kind", "phone", "code", "applicant_name", "business_name", "industry", "district", "occupation",
                "employer", "note")


def _join(page: Page, token: str, *, status_code: int = 200, **context: Any) -> Response:
    opened = service.open_link(page.session, token)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("step", "phone")
    kinds = [k for k in ApplicantKind if opened.link.accepts in (LinkAccepts.ANY.value, k.value)
             and (k is ApplicantKind.MERCHANT or opened.host is not None)]
    return page.render(
        "recruiting/join.html", status_code=status_code, principal=None, token=token, opened=opened,
        kinds=[(k.value, labels.label("applicant_kind", k.value, page.lang)) for k in kinds],
        industries=[("", ""), *labels.options("industry", page.lang)],
        occupations=[("", ""), *((o.value, labels.label("occupation", o.value, page.lang)) for o in Occupation)],
        **context)


@router.get("/join/{token}")
def join(token: str, page: OpenPage) -> Response:
    return _join(page, token)


def _shown(values: Mapping[str, str]) -> dict[str, str]:
    return {name: values.get(name, "").strip()[:500] for name in APPLY_FIELDS}


@router.post("/join/{token}")
async def join_post(token: str, page: OpenPage) -> Response:
    values = await form_of(page)
    shown = _shown(values)
    if values.get("action") != "apply":
        return _send_code(page, token, shown)
    try:
        data = ApplicationCreate.model_validate({k: v for k, v in shown.items() if v}, strict=False)
    except ValidationError as problem:
        errors = field_errors(problem, page.lang)
        if "__all__" in errors:
            errors["business_name" if shown["kind"] == "merchant" else "occupation"] = errors.pop("__all__")
        return _join(page, token, status_code=422, values={**shown, "code": ""}, errors=errors, step="code")
    try:
        with transaction(page.session) as unit:
            with unit.keeping_refusal():  # a wrong code's failed-attempt count is kept: it is what stops guessing
                phone = service.prove_phone(page.session, token, data)
            done = service.apply(page.session, token, data, phone)
    except AppError as failure:
        return _join_refused(page, token, shown, failure)
    return page.render("recruiting/applied.html", principal=None, item=done)


def _join_refused(page: Page, token: str, shown: dict[str, str], failure: AppError) -> Response:
    field = FIELDS_OF_ERRORS.get(failure.code)
    errors = {field: page.error_text(failure)} if field else {}
    return _join(page, token, status_code=failure.status_code, values={**shown, "code": ""}, errors=errors,
                 error=None if field else page.error_text(failure), step="code")


def _send_code(page: Page, token: str, shown: dict[str, str]) -> Response:
    if normalize_phone(shown["phone"]) is None:
        return _join(page, token, status_code=422, values=shown,
                     errors={"phone": translate("invalid_phone", page.lang)})
    try:
        with transaction(page.session):
            service.request_code(page.session, token, shown["phone"])
    except AppError as failure:
        return _join_refused(page, token, shown, failure) if failure.code != "join_link_inactive" else _join(
            page, token, status_code=422, values=shown, error=page.error_text(failure))
    masked = crypto.mask_phone(normalize_phone(shown["phone"]) or "")
    return _join(page, token, values={**shown, "code": ""}, step="code",
                 flash=page.t(f"验证码已发送至 {masked}", f"A code is on its way to {masked}"))


# --- public: a new login chooses its password --------------------------------------------------------------------


@router.get("/welcome/{token}")
def welcome(token: str, page: OpenPage) -> Response:
    user = service.user_of_welcome(page.session, token)
    return page.render("recruiting/welcome.html", principal=None, token=token, username=user.username, errors={})


@router.post("/welcome/{token}")
async def welcome_post(token: str, page: OpenPage) -> Response:
    values = await form_of(page)
    user = service.user_of_welcome(page.session, token)
    password = values.get("password", "")
    if password != values.get("again", ""):
        return page.render("recruiting/welcome.html", status_code=422, principal=None, token=token,
                           username=user.username, errors={"again": page.t("两次输入不一致", "The two do not match")})
    _, error = run_write(page, lambda: service.set_password(page.session, token, password))
    if error is not None:
        return page.render("recruiting/welcome.html", status_code=422, principal=None, token=token,
                           username=user.username, errors={"password": error})
    return page.redirect("/login")
