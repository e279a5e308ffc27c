"""Console pages of audiences (人群): the list, the builder (a form whose live count follows the rules as they
change, through /static/audience-count.js and the count endpoint below), an audience's page and its archive.

Doors like the API: every figure comes from `audiences.service`. A merchant's admins build; its store staff read;
the operator sees its alliance's audiences as counts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from lianmeng.audiences import service
from lianmeng.audiences.domain import CLASS_LABELS, MAX_STARS, RFM_CLASSES, AudienceRules
from lianmeng.audiences.schemas import AudienceIn, AudienceUpdate
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write, yuan_field

router = APIRouter(include_in_schema=False)

NUMBERS = ("stars_min", "stars_max", "recency_min_days", "recency_max_days", "min_frequency")
FLAGS = ("marketing_consent", "data_sharing_consent", "exclude_refused")


def may_build(page: Page) -> bool:
    return page.me.manages_merchant and page.me.merchant_id is not None


def rules_from_form(page: Page, values: Mapping[str, str]) -> tuple[AudienceRules | None, dict[str, str]]:
    """The builder's fields as rules: amounts typed in yuan, one checkbox per class, tag and store."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for field, key in (("monetary_min", "monetary_min_fen"), ("monetary_max", "monetary_max_fen")):
        fen, problem = yuan_field(page, values.get(field, ""), required=False, minimum="zero")
        if problem:
            errors[field] = problem
        data[key] = fen
    for name in NUMBERS:
        data[name] = values.get(name, "").strip()
    data["classes"] = [c for c in RFM_CLASSES if values.get(f"class_{c}")]
    data["tags_any"] = [k.removeprefix("tag_any_") for k in values if k.startswith("tag_any_")]
    data["tags_all"] = [k.removeprefix("tag_all_") for k in values if k.startswith("tag_all_")]
    data["store_ids"] = [k.removeprefix("store_") for k in values if k.startswith("store_")]
    for flag in FLAGS:
        data[flag] = bool(values.get(flag))
    rules, problems = parse(AudienceRules, {k: v for k, v in data.items() if v is not None}, page.lang)
    errors.update(problems)
    return (rules if not errors else None), errors


def _form_context(page: Page, values: Mapping[str, str]) -> dict[str, Any]:
    me = page.me
    tags, stores = service.choices(page.session, me)
    return {"values": values, "classes": [(c, CLASS_LABELS[c]) for c in RFM_CLASSES], "tags": tags,
            "stores": stores, "max_stars": MAX_STARS}


def values_of(name: str, rules: AudienceRules) -> dict[str, str]:
    """A saved audience as the builder's field values."""
    values = {"name": name}
    for field, fen in (("monetary_min", rules.monetary_min_fen), ("monetary_max", rules.monetary_max_fen)):
        if fen is not None:
            values[field] = f"{fen / 100:.2f}"
    for key in NUMBERS:
        number = getattr(rules, key)
        if number is not None:
            values[key] = str(number)
    values.update({f"class_{c}": "on" for c in rules.classes})
    values.update({f"tag_any_{c}": "on" for c in rules.tags_any})
    values.update({f"tag_all_{c}": "on" for c in rules.tags_all})
    values.update({f"store_{s}": "on" for s in rules.store_ids})
    values.update({flag: "on" for flag in FLAGS if getattr(rules, flag)})
    return values


@router.get("/console/audiences")
def index(page: StaffPage, archived: str = "") -> Response:
    audiences = service.list_for(page.session, page.me, archived=archived == "1")
    return page.render("audiences/list.html", audiences=audiences, may_build=may_build(page),
                       archived=archived == "1")


def _builder(page: Page, values: Mapping[str, str], errors: dict[str, str] | None = None, status_code: int = 200,
             error: str | None = None, audience: Any = None) -> Response:
    return page.render("audiences/form.html", status_code=status_code, errors=errors or {}, error=error,
                       audience=audience, **_form_context(page, values))


@router.get("/console/audiences/new")
def new(page: StaffPage) -> Response:
    if not may_build(page):
        raise Forbidden()
    return _builder(page, {"exclude_refused": "on"})


@router.post("/console/audiences/new")
async def create(page: StaffPage) -> Response:
    values = await form_of(page)
    if not may_build(page):
        raise Forbidden()
    rules, errors = rules_from_form(page, values)
    name = values.get("name", "").strip()
    if not name or len(name) > 100:
        errors["name"] = page.t("请填写名称(最多 100 字)", "Enter a name (at most 100 characters)")
    if rules is None or errors:
        return _builder(page, values, errors, 422)
    audience, error = run_write(page, lambda: service.create(page.session, page.me, AudienceIn(name=name,
                                                                                              rules=rules)))
    if error is not None:
        return _builder(page, values, errors, 422, error)
    return page.redirect(f"/console/audiences/{audience.id}")


@router.post("/console/audiences/count")
async def live_count(page: StaffPage) -> Response:
    """The builder's live count (JSON, for the page's script): the unsaved rules counted now, nothing written."""
    values = await form_of(page)
    if not may_build(page):
        raise Forbidden()
    rules, errors = rules_from_form(page, values)
    if rules is None:
        return JSONResponse({"errors": errors}, status_code=422)
    try:
        counted = service.count_unsaved(page.session, page.me, rules)
    except AppError as problem:
        return JSONResponse({"error": page.error_text(problem)}, status_code=problem.status_code)
    return JSONResponse({"total": counted.total, "marketing": counted.marketing,
                         "data_sharing": counted.data_sharing, "refused": counted.refused})


@router.get("/console/audiences/{audience_id}")
def detail(audience_id: int, page: StaffPage) -> Response:
    audience = service.get(page.session, page.me, audience_id)
    shown = service.out(page.session, page.me, audience)
    counted = service.count_saved(page.session, page.me, audience_id)
    editable = may_build(page) and audience.merchant_id == page.me.merchant_id and not audience.archived
    values = values_of(audience.name, service.rules_of(audience)) if shown.rules is not None else {}
    return page.render("audiences/detail.html", audience=shown, counted=counted, editable=editable,
                       errors={}, **_form_context(page, values))


@router.post("/console/audiences/{audience_id}")
async def edit(audience_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    audience = service.get(page.session, page.me, audience_id)
    if not may_build(page) or audience.merchant_id != page.me.merchant_id:
        raise Forbidden()
    rules, errors = rules_from_form(page, values)
    name = values.get("name", "").strip()
    if not name or len(name) > 100:
        errors["name"] = page.t("请填写名称(最多 100 字)", "Enter a name (at most 100 characters)")
    error = None
    if rules is not None and not errors:
        _, error = run_write(page, lambda: service.update(page.session, page.me, audience_id,
                                                          AudienceUpdate(name=name, rules=rules)))
        if error is None:
            return page.redirect(f"/console/audiences/{audience_id}")
    shown = service.out(page.session, page.me, service.get(page.session, page.me, audience_id))
    counted = service.count_saved(page.session, page.me, audience_id)
    return page.render("audiences/detail.html", status_code=422, audience=shown, counted=counted, editable=True,
                       errors=errors, error=error, **_form_context(page, values))


@router.post("/console/audiences/{audience_id}/archive")
async def archive(audience_id: int, page: StaffPage) -> Response:
    await form_of(page)
    service.get(page.session, page.me, audience_id)  # 404 outside scope, before anything is attempted
    _, error = run_write(page, lambda: service.archive(page.session, page.me, audience_id))
    if error is not None:
        raise Forbidden()
    return page.redirect("/console/audiences")
