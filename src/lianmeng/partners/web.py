"""Console pages of partner discovery: the candidate list, a form to add or edit one, a candidate's page with its
scorecard (figures, thresholds, prior/measured labels, sentences), its mystery visits and sincerity answers and a
button to propose an agreement; "who next"; the alliance's weights.

Pages call the same services as the API with the logged-in principal and build the same schemas from the form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.kit.errors import AppError
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import INDUSTRY_LABELS, Industry
from lianmeng.partners import recommendations, repository, scorecard, service
from lianmeng.partners.domain import (
    BASIS_LABELS,
    DEFAULT_WEIGHTS,
    MANUAL_STATUSES,
    QUESTION_LABELS,
    RATING_SOURCE_LABELS,
    REPLIES,
    REPLY_LABELS,
    STANDARD_LABELS,
    STATUS_LABELS,
    TREND_LABELS,
    VERDICT_LABELS,
    CandidateStatus,
    SincerityQuestion,
    Standard,
)
from lianmeng.partners.models import Candidate
from lianmeng.partners.schemas import CandidateCreate, CandidateUpdate, SincerityIn, VisitIn, WeightsIn
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write

router = APIRouter(include_in_schema=False)

BASE = "/console/partners/candidates"
FLAGS = ("major_negative_news", "has_member_system", "shares_deidentified_data")
DONE = {"created": ("候选伙伴已添加", "Candidate added"), "saved": ("已保存", "Saved"),
        "visit": ("探店记录已添加", "Visit recorded"), "answer": ("诚意测试答复已记录", "Answer recorded"),
        "weights": ("权重已保存", "Weights saved")}
_STAFF_READ_ONLY = ("店员只能查看候选伙伴,不能修改", "Store staff may read candidates but not change them")


def _pairs(page: Page, table: dict[Any, tuple[str, str]]) -> list[tuple[str, str]]:
    return [(str(key), page.t(*words)) for key, words in table.items()]


def _may_keep(page: Page) -> bool:
    return page.me.is_operator or page.me.manages_merchant


def _flash(page: Page, done: str) -> str | None:
    return page.t(*DONE[done]) if done in DONE else None


# --- the form --------------------------------------------------------------------------------------------------


def _stores(page: Page, text: str) -> tuple[list[dict[str, Any]], str | None]:
    """One store a line: 名称, 纬度, 经度[, 地址] ('威尔仕 车公庙店, 22.5372, 114.0242, 深南大道 1 号')."""
    stores = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace(",", ",").split(",")]
        try:
            lat, lng = float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            return [], page.t(f"第 {number} 行:请写成「名称, 纬度, 经度, 地址」",
                              f"Line {number}: write 'name, latitude, longitude, address'")
        stores.append({"name": parts[0], "latitude": lat, "longitude": lng, "address": ", ".join(parts[3:])})
    return stores, None


def _form_data(page: Page, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    data: dict[str, Any] = {key: values.get(key, "").strip() for key in (
        "name", "industry", "merchant_id", "years_in_business", "store_count", "store_count_trend", "rating",
        "rating_source", "rating_date", "satisfaction_pct", "complaints", "negative_news_note", "status", "notes",
        "credit_code", "legal_person", "registered_address", "licence_ref")}
    tags = values.get("brand_tags", "").replace(",", ",").replace("、", ",")
    data["brand_tags"] = [t.strip() for t in tags.split(",") if t.strip()]
    for flag in FLAGS:
        choice = values.get(flag, "")
        data[flag] = {"true": True, "false": False}.get(choice)
    data["major_negative_news"] = data["major_negative_news"] or False
    stores, problem = _stores(page, values.get("stores", ""))
    if problem:
        errors["stores"] = problem
    data["stores"] = stores
    return data, errors


def _form_context(page: Page, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    me = page.me
    merchants = [(str(m.id), m.name) for m in merchants_repo.merchants_in_scope(page.session, me)
                 if m.id != me.merchant_id]
    yes_no = [("", page.t("不详", "Unknown")), ("true", page.t("是", "Yes")), ("false", page.t("否", "No"))]
    return {"values": values, "errors": errors, "may_keep": _may_keep(page),
            "industries": [("", page.t("请选择", "Choose")), *_pairs(page, INDUSTRY_LABELS)],
            "merchants": [("", page.t("联盟外的意向商户", "A prospect outside the alliance")), *merchants],
            "trends": _pairs(page, TREND_LABELS),
            "sources": [("", page.t("请选择", "Choose")), *_pairs(page, RATING_SOURCE_LABELS)],
            "statuses": [(s.value, page.t(*STATUS_LABELS[s])) for s in MANUAL_STATUSES], "yes_no": yes_no}


def _values_of(candidate: Candidate, stores: list[Any]) -> dict[str, str]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    values = {col.key: text(getattr(candidate, col.key)) for col in Candidate.__table__.columns}
    values["brand_tags"] = ", ".join(candidate.brand_tags or [])
    values["stores"] = "\n".join(f"{s.name}, {s.latitude}, {s.longitude}, {s.address}".rstrip(", ") for s in stores)
    values["major_negative_news"] = "true" if candidate.major_negative_news else "false"
    return values


@router.get(BASE + "/new", response_class=HTMLResponse)
def new_form(page: StaffPage, merchant_id: str = "") -> Response:
    values = {"store_count_trend": "unknown", "status": "watching",
              "merchant_id": merchant_id if merchant_id.isdigit() else ""}
    return page.render("candidates/form.html", status_code=200 if _may_keep(page) else 403, action=BASE + "/new",
                       editing=False, **_form_context(page, values, {}))


@router.post(BASE + "/new", response_class=HTMLResponse)
async def create(page: StaffPage) -> Response:
    values = await form_of(page)
    if not _may_keep(page):
        return page.render("candidates/form.html", status_code=403, action=BASE + "/new", editing=False,
                           **_form_context(page, values, {}))
    data, errors = _form_data(page, values)
    model, problems = parse(CandidateCreate, data, page.lang)
    errors = {**problems, **errors}
    if model is None or errors:
        return page.render("candidates/form.html", status_code=422, action=BASE + "/new", editing=False,
                           error=errors.get("__all__"), **_form_context(page, values, errors))
    body: CandidateCreate = model
    created, error = run_write(page, lambda: service.create_candidate(page.session, page.me, body).id)
    if error is not None:
        return page.render("candidates/form.html", status_code=409, action=BASE + "/new", editing=False,
                           error=error, **_form_context(page, values, {}))
    return page.redirect(f"{BASE}/{created}?done=created")


@router.get(BASE + "/{candidate_id}/edit", response_class=HTMLResponse)
def edit_form(candidate_id: int, page: StaffPage) -> Response:
    candidate = repository.get_candidate(page.session, page.me, candidate_id)
    stores = repository.stores_of(page.session, candidate.alliance_id, [candidate.id])[candidate.id]
    return page.render("candidates/form.html", status_code=200 if _may_keep(page) else 403,
                       action=f"{BASE}/{candidate.id}/edit", editing=True, candidate=candidate,
                       **_form_context(page, _values_of(candidate, stores), {}))


@router.post(BASE + "/{candidate_id}/edit", response_class=HTMLResponse)
async def edit(candidate_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    candidate = repository.get_candidate(page.session, page.me, candidate_id)
    action = f"{BASE}/{candidate.id}/edit"
    if not _may_keep(page):
        return page.render("candidates/form.html", status_code=403, action=action, editing=True,
                           candidate=candidate, **_form_context(page, values, {}))
    data, errors = _form_data(page, values)
    data["merchant_id"] = data["merchant_id"] or None
    model, problems = parse(CandidateUpdate, data, page.lang)
    errors = {**problems, **errors}
    if model is None or errors:
        return page.render("candidates/form.html", status_code=422, action=action, editing=True,
                           candidate=candidate, error=errors.get("__all__"), **_form_context(page, values, errors))
    # a field emptied on the form is cleared (the API: null); the link to a merchant likewise
    emptied = {key: None for key in (*service.CLEARABLE, "merchant_id") if data.get(key) in ("", None)}
    body = model.model_copy(update=emptied)

    def act() -> int:
        return service.update_candidate(page.session, page.me, candidate_id, body).id

    _, error = run_write(page, act)
    if error is not None:
        return page.render("candidates/form.html", status_code=409, action=action, editing=True,
                           candidate=candidate, error=error, **_form_context(page, values, {}))
    return page.redirect(f"{BASE}/{candidate_id}?done=saved")


# --- the list and one candidate --------------------------------------------------------------------------------


@router.get(BASE, response_class=HTMLResponse)
def candidates(page: StaffPage, status: str = "", industry: str = "", kind: str = "", done: str = "") -> Response:
    wanted = CandidateStatus(status) if status in set(CandidateStatus) else None
    chosen_industry = industry if industry in set(Industry) else None
    chosen_kind = kind if kind in ("merchant", "prospect") else None
    rows = service.list_candidates(page.session, page.me, status=wanted, industry=chosen_industry, kind=chosen_kind)
    items = []
    for c in rows:
        card = scorecard.score(page.session, c)
        items.append({"candidate": c, "status": service.effective_status(page.session, c), "card": card})
    return page.render("candidates/list.html", items=items, may_keep=_may_keep(page), flash=_flash(page, done),
                       status=status, industry=industry, kind=kind,
                       statuses=[(s.value, page.t(*STATUS_LABELS[s])) for s in CandidateStatus],
                       industries=_pairs(page, INDUSTRY_LABELS), verdicts=VERDICT_LABELS,
                       status_labels=STATUS_LABELS)


def _detail(page: Page, candidate_id: int, status_code: int = 200, **extra: Any) -> Response:
    extra.setdefault("values", {})
    extra.setdefault("errors", {})
    candidate, card = scorecard.scorecard_of(page.session, page.me, candidate_id)
    out = service.to_out(page.session, candidate)
    merchant = repository.merchant_of(page.session, candidate.merchant_id) if candidate.merchant_id else None
    may_propose = (merchant is not None and merchant.status == "active" and _may_keep(page)
                   and out.status not in (CandidateStatus.PROPOSED, CandidateStatus.PARTNER))
    questions = [(q.value, page.t(*QUESTION_LABELS[q]),
                  [(r.value, page.t(*REPLY_LABELS[r])) for r in REPLIES[q]]) for q in SincerityQuestion]
    return page.render(
        "candidates/detail.html", status_code=status_code, candidate=candidate, out=out, card=card,
        merchant=merchant, may_keep=_may_keep(page), may_propose=may_propose, questions=questions,
        standard_labels=STANDARD_LABELS, basis_labels=BASIS_LABELS, verdict_labels=VERDICT_LABELS,
        status_labels=STATUS_LABELS, trend_labels=TREND_LABELS, source_labels=RATING_SOURCE_LABELS,
        question_labels=QUESTION_LABELS, reply_labels=REPLY_LABELS, **extra)


@router.get(BASE + "/{candidate_id}", response_class=HTMLResponse)
def candidate_page(candidate_id: int, page: StaffPage, done: str = "") -> Response:
    return _detail(page, candidate_id, flash=_flash(page, done))


@router.post(BASE + "/{candidate_id}/visits", response_class=HTMLResponse)
async def add_visit(candidate_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    repository.get_candidate(page.session, page.me, candidate_id)
    if not _may_keep(page):
        return _detail(page, candidate_id, 403, error=_STAFF_READ_ONLY[page.lang == "en"])
    model, errors = parse(VisitIn, {k: values.get(k, "").strip() for k in ("visitor", "visited_on", "score",
                                                                          "findings")}, page.lang)
    if model is None:
        return _detail(page, candidate_id, 422, values=values, errors={f"visit_{k}": v for k, v in errors.items()})
    body: VisitIn = model
    _, error = run_write(page, lambda: service.add_visit(page.session, page.me, candidate_id, body))
    if error is not None:
        return _detail(page, candidate_id, 422, values=values, error=error)
    return page.redirect(f"{BASE}/{candidate_id}?done=visit#visits")


@router.post(BASE + "/{candidate_id}/sincerity", response_class=HTMLResponse)
async def add_answer(candidate_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    repository.get_candidate(page.session, page.me, candidate_id)
    if not _may_keep(page):
        return _detail(page, candidate_id, 403, error=_STAFF_READ_ONLY[page.lang == "en"])
    model, errors = parse(SincerityIn, {k: values.get(k, "").strip() for k in ("question", "answer", "asked_by",
                                                                              "asked_on")}, page.lang)
    if model is None:
        return _detail(page, candidate_id, 422, values=values,
                       errors={f"answer_{k}": v for k, v in errors.items()})
    body: SincerityIn = model
    _, error = run_write(page, lambda: service.add_answer(page.session, page.me, candidate_id, body))
    if error is not None:
        return _detail(page, candidate_id, 422, values=values, error=error)
    return page.redirect(f"{BASE}/{candidate_id}?done=answer#sincerity")


# --- who next and the weights --------------------------------------------------------------------------------


@router.get("/console/partners/recommendations", response_class=HTMLResponse)
def who_next(page: StaffPage) -> Response:
    try:
        found = recommendations.recommendations(page.session, page.me)
    except AppError as refused:
        return page.render("candidates/recommendations.html", status_code=refused.status_code, found=None,
                           error=page.error_text(refused), verdict_labels=VERDICT_LABELS)
    return page.render("candidates/recommendations.html", found=found, verdict_labels=VERDICT_LABELS,
                       industry_labels=INDUSTRY_LABELS)


def _weights_page(page: Page, values: dict[str, str], errors: dict[str, str], status_code: int = 200,
                  **extra: Any) -> Response:
    return page.render("candidates/weights.html", status_code=status_code, values=values, errors=errors,
                       standards=[(s.value, page.t(*STANDARD_LABELS[s]), DEFAULT_WEIGHTS[s]) for s in Standard],
                       may_set=page.me.is_operator, **extra)


@router.get("/console/partners/weights", response_class=HTMLResponse)
def weights_form(page: StaffPage, done: str = "") -> Response:
    current = service.get_weights(page.session, page.me)
    values = {s.value: str(getattr(current, s.value)) for s in Standard}
    return _weights_page(page, values, {}, flash=_flash(page, done), default=current.default)


@router.post("/console/partners/weights", response_class=HTMLResponse)
async def set_weights(page: StaffPage) -> Response:
    values = await form_of(page)
    if not page.me.is_operator:
        return _weights_page(page, values, {}, 403, error=page.t("只有联盟总部可以修改权重",
                                                                 "Only the alliance operator may change the weights"))
    model, errors = parse(WeightsIn, {s.value: values.get(s.value, "").strip() for s in Standard}, page.lang)
    if model is None:
        if "__all__" in errors:
            errors["__all__"] = page.t("五项权重之和必须等于 100", "The five weights must sum to 100")
        return _weights_page(page, values, errors, 422, error=errors.get("__all__"))
    body: WeightsIn = model
    _, error = run_write(page, lambda: service.set_weights(page.session, page.me, body))
    if error is not None:
        return _weights_page(page, values, {}, 422, error=error)
    return page.redirect("/console/partners/weights?done=weights")
