"""Console pages of customer overlap: a merchant's overlaps (and their export), and the operator's matrix — the
overlap heat map beside the referral flow matrix, with the untapped pairs named.

Doors like the API: every figure comes from `overlap.service` (which reads the maintained aggregates and, for the
flows, `referrals.service.flows`). A merchant admin sees its own merchant (another `merchant_id` → 403); the
operator picks one of its alliance with `?merchant_id=`. Counts below k are "< 10" everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.kit import charts, clock
from lianmeng.kit.errors import Forbidden, NotFound
from lianmeng.overlap import domain, service
from lianmeng.overlap.domain import K_MIN, MATRIX_MERCHANTS, REFRESH_MINUTES
from lianmeng.overlap.schemas import Freshness, MatrixOut
from lianmeng.referrals.api import file_response
from lianmeng.referrals.web import alliance_of, choose_period
from lianmeng.tenancy import policy
from lianmeng.web.console import Page, StaffPage, form_of, run_write

router = APIRouter(include_in_schema=False)


def freshness_text(page: Page, freshness: Freshness) -> str:
    if freshness.computed_at is None:
        return page.t(f"尚未统计:定时任务会在 {REFRESH_MINUTES} 分钟内完成首次统计。",
                      f"Not counted yet: the scheduled jobs count it within {REFRESH_MINUTES} minutes.")
    at = clock.format_local(freshness.computed_at)
    return page.t(f"数据截至 {at}(北京时间);会员关系有变化时,最迟 {REFRESH_MINUTES} 分钟后重新统计。",
                  f"Counted at {at} (Beijing time); recounted at most {REFRESH_MINUTES} minutes after memberships "
                  "change.")


def _merchant_id(page: Page, text: str) -> int:
    """The merchant the page is about: the caller's own; the operator's choice (default: its first merchant)."""
    me = page.me
    if me.is_merchant_side:
        if not me.manages_merchant or me.merchant_id is None:
            raise Forbidden()
        chosen = text.strip()
        if chosen and chosen != str(me.merchant_id):
            raise Forbidden()
        return me.merchant_id
    if not me.is_operator:
        raise Forbidden()
    chosen = text.strip()
    if chosen:
        if not chosen.isdigit() or not 0 < int(chosen) < 2**31:
            raise NotFound("merchant")
        return int(chosen)
    alliance = alliance_of(page, "")
    first = service.first_merchant(page.session, page.me, alliance.id) if alliance else None
    if first is None:
        raise NotFound("merchant")
    return first


@router.get("/console/overlap")
def merchant_page(page: StaffPage, merchant_id: str = "") -> Response:
    chosen = _merchant_id(page, merchant_id)
    view = service.merchant_view(page.session, page.me, chosen)
    merchants = service.alliance_merchants(page.session, page.me, chosen) if page.me.is_operator else []
    return page.render("overlap/merchant.html", view=view, k=K_MIN, suppressed=domain.SUPPRESSED_TEXT,
                       freshness=freshness_text(page, view.freshness), merchants=merchants,
                       percent=percent)


@router.get("/console/overlap/export")
def merchant_export(page: StaffPage, merchant_id: str = "", format: str = "xlsx") -> Response:
    if format not in ("xlsx", "csv"):
        raise NotFound("route")
    chosen = _merchant_id(page, merchant_id)
    sheet = service.merchant_sheet(page.session, page.me, chosen, page.lang)
    return file_response(sheet, format, f"overlap-{chosen}.{format}")


def percent(bp: int | None) -> str:
    return "—" if bp is None else f"{bp / 100:.1f}%"


# --- the operator's matrix ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    fill: str
    title: str
    ink: str = charts.INK


@dataclass(frozen=True)
class Grid:
    labels: list[str]
    rows: list[list[Cell | None]]  # None on the diagonal


def _fill(value: int, largest: int) -> tuple[str, str]:
    fill = charts.heat_colour(value, largest)
    return fill, "#fff" if largest and value / largest > 0.55 else charts.INK


def overlap_grid(page: Page, matrix: MatrixOut) -> Grid:
    """The largest merchants (by customers) × themselves; a cell is its count or "< 10" (pale, uncoloured)."""
    chosen = sorted(matrix.merchants, key=lambda m: (-m.customers, m.merchant_id))[:MATRIX_MERCHANTS]
    cells = {(c.merchant_a_id, c.merchant_b_id): c.shared for c in matrix.overlap}
    largest = max(cells.values(), default=0)
    rows: list[list[Cell | None]] = []
    for a in chosen:
        row: list[Cell | None] = []
        for b in chosen:
            if a.merchant_id == b.merchant_id:
                row.append(None)
                continue
            shared = cells.get((min(a.merchant_id, b.merchant_id), max(a.merchant_id, b.merchant_id)))
            text = domain.shown_text(shared)
            fill, ink = _fill(shared or 0, largest)
            row.append(Cell(text, fill, page.t(f"{a.name} 与 {b.name} 共同顾客:{text}",
                                               f"{a.name} and {b.name} share: {text}"), ink))
        rows.append(row)
    return Grid([m.name for m in chosen], rows)


def flow_grid(page: Page, matrix: MatrixOut) -> Grid:
    """The same merchants, arrivals referred from the row's merchant to the column's in the period."""
    chosen = sorted(matrix.merchants, key=lambda m: (-m.customers, m.merchant_id))[:MATRIX_MERCHANTS]
    flows: dict[tuple[int, int], int] = {}
    for f in matrix.flows:
        key = (f.referrer_merchant_id, f.receiving_merchant_id)
        flows[key] = flows.get(key, 0) + f.arrived
    largest = max(flows.values(), default=0)
    rows: list[list[Cell | None]] = []
    for a in chosen:
        row: list[Cell | None] = []
        for b in chosen:
            if a.merchant_id == b.merchant_id:
                row.append(None)
                continue
            n = flows.get((a.merchant_id, b.merchant_id), 0)
            fill, ink = _fill(n, largest)
            row.append(Cell(f"{n:,}", fill, page.t(f"{a.name} → {b.name} 到店:{n}",
                                                   f"{a.name} → {b.name} arrivals: {n}"), ink))
        rows.append(row)
    return Grid([m.name for m in chosen], rows)


@router.get("/console/overlap/matrix")
def matrix_page(page: StaffPage, period: str = "", date_from: str = "", date_to: str = "",
                alliance_id: str = "") -> Response:
    policy.require_operator(page.me)
    alliance = alliance_of(page, alliance_id)
    choice = choose_period(page.lang, period, date_from, date_to, clock.today_in_shanghai())
    chosen = str(alliance.id) if alliance is not None and page.me.alliance_id is None else ""
    context: dict[str, Any] = {"alliance": alliance, "choice": choice, "errors": choice.errors,
                               "values": choice.values, "alliance_param": chosen, "k": K_MIN,
                               "limit": MATRIX_MERCHANTS, "percent": percent,
                               "tabs": [(kind, zh, en, f"/console/overlap/matrix?period={kind}"
                                         + (f"&alliance_id={chosen}" if chosen else ""))
                                        for kind, zh, en in (("week", "本周", "This week"),
                                                             ("month", "本月", "This month"),
                                                             ("custom", "自定义", "Custom"))]}
    if alliance is None or choice.period is None:
        return page.render("overlap/matrix.html", status_code=422 if choice.errors else 200, **context)
    matrix = service.operator_matrix(page.session, page.me, alliance_id=alliance.id, date_from=choice.period.start,
                                     date_to=choice.period.end, lang=page.lang, largest=MATRIX_MERCHANTS)
    context.update({"matrix": matrix, "freshness": freshness_text(page, matrix.freshness),
                    "overlap": overlap_grid(page, matrix), "flows": flow_grid(page, matrix),
                    "names": {m.merchant_id: m.name for m in matrix.merchants}})
    return page.render("overlap/matrix.html", **context)


@router.post("/console/overlap/refresh")
async def refresh(page: StaffPage) -> Response:
    values = await form_of(page)
    policy.require_operator(page.me)
    alliance_id = values.get("alliance_id", "").strip()
    requested = int(alliance_id) if alliance_id.isdigit() and 0 < int(alliance_id) < 2**31 else None
    _, error = run_write(page, lambda: service.refresh_now(page.session, page.me, requested))
    if error is not None:  # the operator's check is done: what is left is an alliance it cannot see
        raise NotFound("alliance")
    return page.redirect("/console/overlap/matrix" + (f"?alliance_id={requested}" if requested else ""))
