"""Console pages of the member value model: the class and star distributions (the caller's merchant, or the
alliance for the operator, who also sets the window and can recompute at once). The member page's "会员价值"
section is rendered by members/web.py from `values.service.member_value_shown`. Every figure comes from
`values.service`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.kit import charts
from lianmeng.kit.errors import NotFound
from lianmeng.referrals.web import alliance_of
from lianmeng.values import domain, service
from lianmeng.web.console import Page, StaffPage, form_of, run_write

router = APIRouter(include_in_schema=False)

CLASS_COLOUR = "#2f6fb2"
STAR_COLOUR = "#d89614"


def _id(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise NotFound("merchant")
    return int(text)


def _render(page: Page, alliance_param: str = "", merchant_param: str = "", *, status_code: int = 200,
            **context: Any) -> Response:
    me = page.me
    alliance_id: int | None = None
    if me.is_operator:
        alliance = alliance_of(page, alliance_param)
        if alliance is None:
            raise NotFound("alliance")
        alliance_id = alliance.id
    summary = service.summary(page.session, me, alliance_id, _id(merchant_param) if me.is_operator else None)
    class_names = [page.label("rfm_class", c.rfm_class) for c in summary.classes]
    classes_chart = charts.bar_chart(
        class_names, [charts.Series(page.t("会员数", "Members"), [c.members for c in summary.classes], CLASS_COLOUR)],
        label=page.t("RFM 分类分布", "Members per RFM class"), value_format=lambda v: f"{v:,}")
    stars_chart = charts.bar_chart(
        [f"{s.stars}★" for s in summary.stars],
        [charts.Series(page.t("会员数", "Members"), [s.members for s in summary.stars], STAR_COLOUR)],
        label=page.t("联盟星级分布", "Members per alliance star"), value_format=lambda v: f"{v:,}")
    context.setdefault("values", {})
    context.setdefault("errors", {})
    if me.is_operator and alliance_id is not None:
        context.setdefault("settings", service.get_settings(page.session, me, alliance_id))
        context.setdefault("merchants", service.merchant_choices(page.session, me, alliance_id))
    return page.render(
        "values/index.html", status_code=status_code, summary=summary, classes_chart=classes_chart,
        stars_chart=stars_chart, class_names=class_names, min_window=domain.MIN_WINDOW_DAYS,
        max_window=domain.MAX_WINDOW_DAYS, alliance_param=alliance_param if me.alliance_id is None else "",
        star_text=domain.star_text, **context)


@router.get("/console/values")
def values_page(page: StaffPage, alliance_id: str = "", merchant_id: str = "") -> Response:
    return _render(page, alliance_id, merchant_id)


@router.post("/console/values/settings")
async def save_settings(page: StaffPage, alliance_id: str = "") -> Response:
    values = await form_of(page)
    me = page.me
    if not me.is_operator:
        raise NotFound("page")
    alliance = alliance_of(page, alliance_id)
    if alliance is None:
        raise NotFound("alliance")
    raw = values.get("window_days", "").strip()
    days = int(raw) if raw.isdigit() and len(raw) < 6 else None
    if days is None or not domain.window_valid(days):
        problem = page.t(f"请输入 {domain.MIN_WINDOW_DAYS}–{domain.MAX_WINDOW_DAYS} 之间的天数",
                         f"Enter a number of days from {domain.MIN_WINDOW_DAYS} to {domain.MAX_WINDOW_DAYS}")
        return _render(page, alliance_id, status_code=422, values=values, errors={"window_days": problem})
    _, error = run_write(page, lambda: service.put_settings(page.session, me, days, alliance.id))
    if error is not None:
        return _render(page, alliance_id, status_code=422, values=values, errors={"window_days": error})
    return _render(page, alliance_id, flash=page.t("已保存:下次计算将按新窗口全部重算。",
                                                   "Saved: the next run recomputes everything over the new window."))


@router.post("/console/values/refresh")
async def refresh_now(page: StaffPage, alliance_id: str = "") -> Response:
    await form_of(page)
    if not page.me.is_operator:
        raise NotFound("page")
    alliance = alliance_of(page, alliance_id)
    if alliance is None:
        raise NotFound("alliance")
    report, error = run_write(page, lambda: service.refresh_now(page.session, page.me, alliance.id))
    if error is not None:
        return _render(page, alliance_id, status_code=422, error=error)
    return _render(page, alliance_id, flash=page.t(f"已重新计算 {report.members:,} 位会员的价值。",
                                                   f"Recomputed the values of {report.members:,} members."))
