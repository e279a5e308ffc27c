"""Public overview pages: the alliance's merchants, stores on a map, agreements by status (counts only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lianmeng.agreements.domain import STATUS_LABELS, AgreementStatus
from lianmeng.alliances import repository
from lianmeng.kit.errors import NotFound
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import INDUSTRY_LABELS, Industry
from lianmeng.merchants.models import Store
from lianmeng.web.console import OpenPage

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(page: OpenPage) -> Response:
    alliances = repository.all_alliances(page.session)
    if len(alliances) == 1:
        return RedirectResponse(f"/alliances/{alliances[0].code}", status_code=303)
    return page.render("alliances/index.html", alliances=alliances)


def store_map(stores: list[Store], width: int = 640, height: int = 420) -> list[dict[str, Any]]:
    """Project store coordinates into an SVG box (equirectangular is fine across ~30 km)."""
    if not stores:
        return []
    lats = [s.latitude for s in stores]
    lons = [s.longitude for s in stores]
    pad = 0.005
    lat_lo, lat_hi = min(lats) - pad, max(lats) + pad
    lon_lo, lon_hi = min(lons) - pad, max(lons) + pad
    return [
        {
            "x": round(20 + (s.longitude - lon_lo) / (lon_hi - lon_lo) * (width - 40), 1),
            "y": round(20 + (lat_hi - s.latitude) / (lat_hi - lat_lo) * (height - 40), 1),
            "store": s,
        }
        for s in stores
    ]


@router.get("/alliances/{code}", response_class=HTMLResponse)
def overview(code: str, page: OpenPage) -> Response:
    session = page.session
    alliance = repository.alliance_by_code(session, code)
    if alliance is None:
        raise NotFound("alliance")
    merchants = merchants_repo.merchants_of_alliance(session, alliance.id)
    stores = merchants_repo.stores_of_merchants(session, alliance.id, [m.id for m in merchants])
    counts = repository.overview_counts(session, alliance.id)
    industry_of = {m.id: m.industry for m in merchants}
    max_members = max(counts["members"].values(), default=0) or 1
    agreements = [
        (STATUS_LABELS[status][0], STATUS_LABELS[status][1], counts["agreements"].get(status.value, 0))
        for status in AgreementStatus
    ]
    context: dict[str, Any] = {
        "alliance": alliance,
        "merchants": merchants,
        "industry_labels": {i.value: INDUSTRY_LABELS[i] for i in Industry},
        "counts": counts,
        "max_members": max_members,
        "points": store_map(stores),
        "industry_of": industry_of,
        "agreements": agreements,
        "total_members": sum(counts["members"].values()),
    }
    return page.render("alliances/overview.html", **context)
