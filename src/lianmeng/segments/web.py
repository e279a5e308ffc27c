"""Console pages of de-identified segment reports: shares sent and received (the operator: its alliance's audit
list), the share form, a share's report (tables and server-drawn SVG bars) and its withdrawal. Every figure comes
from `segments.service`; suppressed cells read 「已隐藏」/"suppressed"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup

from lianmeng.audiences import service as audiences
from lianmeng.kit import charts
from lianmeng.kit.errors import Forbidden
from lianmeng.segments import service
from lianmeng.segments.domain import K_DEFAULT, SegmentDimension
from lianmeng.segments.schemas import DimensionOut, ShareIn, ShareOut
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write

router = APIRouter(include_in_schema=False)


def _may_share(page: Page) -> bool:
    return page.me.manages_merchant and page.me.merchant_id is not None


@router.get("/console/segments")
def index(page: StaffPage) -> Response:
    shares = service.list_for(page.session, page.me)
    me = page.me.merchant_id
    return page.render("segments/list.html", sent=[s for s in shares if s.from_merchant_id == me],
                       received=[s for s in shares if s.to_merchant_id == me],
                       audit=shares if page.me.is_operator else [], may_share=_may_share(page))


def _form(page: Page, values: dict[str, str], errors: dict[str, str] | None = None, error: str | None = None,
          status_code: int = 200) -> Response:
    partners = [(str(m.id), m.name) for m in service.partners(page.session, page.me)]
    saved = [(str(a.id), a.name) for a in audiences.list_for(page.session, page.me)]
    return page.render("segments/new.html", status_code=status_code, values=values, errors=errors or {},
                       error=error, partners=partners, audiences=saved, k=K_DEFAULT)


@router.get("/console/segments/new")
def new(page: StaffPage, audience_id: str = "") -> Response:
    if not _may_share(page):
        raise Forbidden()
    return _form(page, {"audience_id": audience_id, "k": str(K_DEFAULT)})


@router.post("/console/segments/new")
async def create(page: StaffPage) -> Response:
    values = await form_of(page)
    if not _may_share(page):
        raise Forbidden()
    body, errors = parse(ShareIn, {key: values.get(key, "") for key in ("to_merchant_id", "title", "audience_id",
                                                                          "k")}, page.lang)
    if body is None:
        return _form(page, values, errors, status_code=422)
    row, error = run_write(page, lambda: service.share(page.session, page.me, body))
    if error is not None:
        return _form(page, values, error=error, status_code=422)
    return page.redirect(f"/console/segments/{row.id}")


def bars(page: Page, dimension: DimensionOut) -> Markup:
    """The dimension's shown cells as bars (suppressed cells are left out of the chart, listed in the table)."""
    cells = [c for c in dimension.cells if c.count is not None]
    name = dimension.name_en if page.lang == "en" else dimension.name_zh
    words = [c.en if page.lang == "en" else c.zh for c in cells]
    if dimension.dimension == SegmentDimension.MEMBER_STATUS:  # tier codes of the merchant, in words where known
        words = [page.label("tier", w) for w in words]
    return charts.horizontal_bar_chart(
        words,
        [charts.Series(page.t("会员数", "Members"), [c.count or 0 for c in cells], "#c8102e")], label=name,
        empty_text=page.t("各项人数均已隐藏", "Every cell is suppressed"))


@router.get("/console/segments/{share_id}")
def detail(share_id: int, page: StaffPage) -> Response:
    share: ShareOut = service.one(page.session, page.me, share_id)
    charts_of: dict[str, Any] = {}
    if share.report is not None:
        charts_of = {d.dimension: bars(page, d) for d in share.report.dimensions}
    return page.render("segments/detail.html", share=share, charts=charts_of,
                       may_withdraw=_may_share(page) and share.from_merchant_id == page.me.merchant_id
                       and share.withdrawn_at is None, percent=percent)


@router.post("/console/segments/{share_id}/withdraw")
async def withdraw(share_id: int, page: StaffPage) -> Response:
    await form_of(page)
    service.get(page.session, page.me, share_id)  # 404 outside scope, before anything is attempted
    _, error = run_write(page, lambda: service.withdraw(page.session, page.me, share_id))
    if error is not None:
        raise Forbidden()
    return page.redirect(f"/console/segments/{share_id}")


def percent(bp: int | None) -> str:
    return "—" if bp is None else f"{bp / 100:.1f}%"
