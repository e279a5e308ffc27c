"""Console pages of targeted offers' results: one offer or several together (checkboxes listing the offers the
caller may read), their XLSX, and the sender's "recompute now". Every figure comes from `targeting.results`.

`targeting/_results.html` is an include taking `results` (a `ResultsOut`): the offer page shows it with
`{% include "targeting/_results.html" %}` after `results = targeting.results.offer_results(...)`. Its chart comes
from the template global `offer_results_chart(results)` registered here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response
from jinja2 import pass_context
from markupsafe import Markup

from lianmeng.kit.errors import Forbidden, NotFound
from lianmeng.kit.exports import XLSX_MEDIA_TYPE
from lianmeng.kit.types import MAX_ID
from lianmeng.targeting import results, results_export, uplift
from lianmeng.targeting.results_chart import percent, rate_chart
from lianmeng.targeting.results_schemas import ResultsOut
from lianmeng.web import labels
from lianmeng.web.console import StaffPage, form_of, run_write, templates

router = APIRouter(include_in_schema=False)

OfferIds = Annotated[list[str], Query(alias="offer_id")]


@pass_context
def offer_results_chart(context: Mapping[str, Any], out: ResultsOut) -> Markup:
    lang = str(context.get("lang", "zh-CN"))
    words = {arm: labels.label("offer_arm", arm, lang) for arm in uplift.ARMS}
    label = "各组转化率(95% 区间)" if lang != "en" else "Conversion rate per arm (95% interval)"
    return rate_chart(out.arms, label=label, words=words)


def _yuan_or_dash(fen: int | None) -> str:
    from lianmeng.kit.money import format_yuan

    return "—" if fen is None else format_yuan(fen)


def _points(fraction: float | None) -> str:
    """A difference of rates in percentage points, signed: "+27.0 pt"."""
    return "—" if fraction is None else f"{fraction * 100:+.1f} pt"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


templates.env.globals["offer_results_chart"] = offer_results_chart
templates.env.filters["rate_percent"] = percent
templates.env.filters["rate_points"] = _points
templates.env.filters["ratio2"] = _ratio
templates.env.filters["yuan_or_dash"] = _yuan_or_dash


def _ids(texts: list[str]) -> list[int]:
    chosen = []
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if not text.isdigit() or not 0 < int(text) <= MAX_ID:
            raise NotFound("targeted_offer")
        chosen.append(int(text))
    return list(dict.fromkeys(chosen))


def _query(ids: list[int]) -> str:
    return urlencode([("offer_id", i) for i in ids])


@router.get("/console/targeting/results")
def results_page(page: StaffPage, offer_ids: OfferIds = []) -> Response:  # noqa: B006 - FastAPI copies it
    chosen = _ids(offer_ids)
    offers = results.readable_offers(page.session, page.me)
    out = results.combined_results(page.session, page.me, chosen) if chosen else None
    return page.render("targeting/results.html", offers=offers, chosen=set(chosen), results=out,
                       query=_query(chosen), sender=out is not None and out.view == results.SENDER)


@router.get("/console/targeting/results.xlsx")
def results_xlsx(page: StaffPage, offer_ids: OfferIds = []) -> Response:  # noqa: B006
    out = results.combined_results(page.session, page.me, _ids(offer_ids))
    return Response(results_export.workbook(out, page.lang), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="targeting-results.xlsx"'})


@router.post("/console/targeting/results/refresh")
async def refresh(page: StaffPage) -> Response:
    values = await form_of(page)
    chosen = _ids([values.get("offer_id", "")])
    if not chosen:
        raise NotFound("targeted_offer")
    if results.offer_results(page.session, page.me, chosen[0]).view == results.PARTNER:  # 404 if unreadable
        raise Forbidden()
    _, error = run_write(page, lambda: results.refresh_now(page.session, page.me, chosen[0]))
    if error is not None:
        raise NotFound("targeted_offer")
    back = values.get("back", "")
    return page.redirect(back if back.startswith("/console/targeting/") else
                         f"/console/targeting/results?{_query(chosen)}")
