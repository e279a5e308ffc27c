"""The revenue console page (/console/revenue): for the operator its revenue by source and month (chart and
table), what each merchant was charged, waived and owes next, the fee settings and waivers forms and the XLSX
export; for a merchant's admin its own platform charges."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from lianmeng.kit import charts, clock
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.kit.exports import XLSX_MEDIA_TYPE, to_xlsx_book
from lianmeng.kit.money import format_yuan
from lianmeng.kit.pagination import PageParams, page_of
from lianmeng.revenue import exports, repository, service
from lianmeng.revenue.domain import COMMISSION_BASE_LABELS, FEE_KIND_LABELS, MAX_FEE_FEN, FeeKind
from lianmeng.revenue.schemas import ChargeOut, FeeSettingsIn, RevenueOut, WaiverIn, WaiverOut
from lianmeng.web.console import Page, StaffPage, attempt, form_of, parse, run_write, yuan_field

router = APIRouter(include_in_schema=False)

COLOURS = ("#c8102e", "#2f80ed", "#27ae60", "#f2994a", "#9b51e0", "#56ccf2", "#6b7785", "#bb6bd9")
LISTED = 200  # charges shown on the page (the export has them all)


def _require_reader(page: Page) -> None:
    if not (page.me.is_operator or page.me.manages_merchant):
        raise Forbidden()


def _chart(page: Page, revenue: RevenueOut) -> Any:
    causes = [s.cause for s in revenue.totals]
    labels = {s.cause: s.label for s in revenue.totals}
    series = []
    for index, cause in enumerate(causes):
        values = []
        for month in revenue.months:
            figures = {s.cause: s.amount_fen for s in month.sources}
            values.append(max(figures.get(cause, 0), 0))
        series.append(charts.Series(labels[cause], values, COLOURS[index % len(COLOURS)]))
    return charts.bar_chart([m.month for m in revenue.months], series, stacked=True,
                            width=max(640, 52 * len(revenue.months) + 60), value_format=format_yuan,
                            label=page.t("联盟总部每月收入(按来源)", "The operator's revenue per month, by source"),
                            empty_text=page.t("暂无收入", "No revenue yet"))


def _index(page: Page, *, status_code: int = 200, flash: str | None = None, errors: dict[str, str] | None = None,
           values: dict[str, str] | None = None) -> Response:
    _require_reader(page)
    session, me = page.session, page.me
    context: dict[str, Any] = {"flash": flash, "errors": errors or {}, "values": values or {},
                               "kinds": [(k.value, page.t(*FEE_KIND_LABELS[k])) for k in FeeKind],
                               "bases": [(b.value, page.t(*words)) for b, words in COMMISSION_BASE_LABELS.items()]}
    context["settings"] = service.settings(session, me)
    context["merchants"] = service.merchant_fees(session, me)
    context["names"] = {m.merchant_id: m.name for m in context["merchants"]}
    context["charges"] = page_of(session, repository.list_charges(me), PageParams(page=1, page_size=LISTED),
                                 ChargeOut).items
    if me.is_operator:
        revenue = service.revenue(session, me, page.lang)
        context["revenue"] = revenue
        context["chart"] = _chart(page, revenue)
        context["waivers"] = page_of(session, repository.list_waivers(me), PageParams(page=1, page_size=100),
                                     WaiverOut).items
        context["closed_month"] = service.last_closed_month(clock.now()).label
    return page.render("revenue/index.html", status_code=status_code, **context)


@router.get("/console/revenue")
def index(page: StaffPage) -> Response:
    return _index(page)


def _settings_values(page: Page, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {k: values.get(k, "") for k in ("free_months", "fees_start_on", "min_merchants",
                                                               "commission_bp", "commission_base")}
    for field in ("joining_fee", "annual_fee"):
        fen, problem = yuan_field(page, values.get(field, ""), required=False, minimum="zero", max_fen=MAX_FEE_FEN)
        if problem:
            errors[f"{field}_fen"] = problem
        cleaned[f"{field}_fen"] = fen if fen is not None else 0
    cleaned["prorate_first_year"] = values.get("prorate_first_year") == "on"
    return cleaned, errors


@router.post("/console/revenue/settings")
async def save_settings(page: StaffPage) -> Response:
    values = await form_of(page)
    if not page.me.is_operator:
        raise Forbidden()
    cleaned, errors = _settings_values(page, values)
    body, problems = parse(FeeSettingsIn, cleaned, page.lang)
    errors.update(problems)
    if body is None or errors:
        return _index(page, status_code=422, errors=errors, values=values)
    _, error = attempt(page, lambda: service.save_settings(page.session, page.me, body))
    if error is not None:
        return _index(page, status_code=error.status_code, values=values,
                      errors={_field_of(error, "commission_bp"): page.error_text(error)})
    return _index(page, flash=page.t("收费规则已保存", "Fees saved"))


def _field_of(error: AppError, default: str) -> str:
    field = error.params.get("field")
    return field if isinstance(field, str) else default


@router.post("/console/revenue/waivers")
async def add_waiver(page: StaffPage) -> Response:
    values = await form_of(page)
    if not page.me.is_operator:
        raise Forbidden()
    body, errors = parse(WaiverIn, values, page.lang)
    if body is None:
        return _index(page, status_code=422, errors={f"waiver_{k}": v for k, v in errors.items()}, values=values)
    _, error = attempt(page, lambda: service.add_waiver(page.session, page.me, body))
    if error is not None:
        return _index(page, status_code=error.status_code, values=values,
                      errors={f"waiver_{_field_of(error, 'reason')}": page.error_text(error)})
    return _index(page, flash=page.t("已记录减免", "Waiver recorded"))


@router.post("/console/revenue/runs")
async def run_month(page: StaffPage) -> Response:
    values = await form_of(page)
    if not page.me.is_operator:
        raise Forbidden()
    done, error = run_write(page, lambda: service.run_month(page.session, page.me, values.get("month", "")))
    if error is not None:
        return _index(page, status_code=422, errors={"month": error}, values=values)
    return _index(page, flash=page.t(
        f"{done.month}:收取 {done.charged} 笔({format_yuan(done.charged_fen)}),减免 {done.waived} 笔",
        f"{done.month}: {done.charged} charged ({format_yuan(done.charged_fen)}), {done.waived} waived"))


@router.get("/console/revenue/export.xlsx")
def export(page: StaffPage) -> Response:
    if not page.me.is_operator:
        raise Forbidden()
    revenue = service.revenue(page.session, page.me, page.lang)
    charges = repository.all_charges(page.session, page.me)
    names = {m.merchant_id: m.name for m in service.merchant_fees(page.session, page.me)}
    body = to_xlsx_book([exports.revenue_sheet(revenue), exports.charges_sheet(charges, names)])
    return Response(body, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="operator-revenue.xlsx"'})
