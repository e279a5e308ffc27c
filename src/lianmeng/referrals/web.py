"""Console pages of referrals: a merchant's dashboard (数据看板) and its export, and the operator's alliance view.

Pages are doors like the API: every figure comes from `referrals.service` (funnel, flows, leaderboard), the
ledger's balance reads and the merchant/agreement repositories, scoped by the caller's principal. A merchant admin
or store staff member sees their own merchant only (another `merchant_id` → 403); the operator chooses a merchant
of its alliance with `?merchant_id=`. Dates are read as text so that a wrong date is shown next to its field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.agreements.domain import STATUS_LABELS, AgreementStatus
from lianmeng.agreements.models import Agreement
from lianmeng.alliances import repository as alliances_repo
from lianmeng.alliances.models import Alliance
from lianmeng.auth.domain import Role
from lianmeng.kit import charts, clock
from lianmeng.kit.errors import AppError, Forbidden, Invalid, NotFound
from lianmeng.kit.i18n import translate
from lianmeng.kit.money import format_yuan
from lianmeng.ledger import access
from lianmeng.ledger import repository as ledger_repo
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import INDUSTRY_LABELS, Industry, MerchantStatus
from lianmeng.merchants.models import Merchant
from lianmeng.referrals import domain, service
from lianmeng.referrals.api import file_response, funnel_sheet
from lianmeng.referrals.domain import Grouping, LeaderboardBy, LeaderboardPeriod, Metric, Period
from lianmeng.referrals.schemas import FlowsOut, FunnelRow, LeaderboardOut
from lianmeng.tenancy import Principal, policy
from lianmeng.web.console import Page, StaffPage

router = APIRouter(include_in_schema=False)

PAID_ADS_CAC_FEN = 20_000
"""A typical cost of one customer won through paid ads (广告投放), ¥200, to compare the alliance's cost with.

From seed 000 (异业联盟的本质, §1.1 突破获客瓶颈): "广告投放成本越来越高:200-500元/人", against an alliance
average of "35元/人(对比传统渠道降低82%)" — ¥35 being 82% below the traditional channel puts that channel at
about ¥194 per customer, so the low end of the seed's range, ¥200, is the conservative benchmark (a higher one
would only flatter the alliance)."""

CHART_WEEKS = 8  # the weekly funnel shows at least the last 8 weeks up to the period's end
TOP_PARTNERS = 5
CHART_PARTNERS = 12
LEADERBOARD_ROWS = 10
PERIOD_KINDS = ("week", "month", "custom")

IN_COLOUR, OUT_COLOUR = "#c8102e", "#2f80ed"
FUNNEL_COLOURS = ("#9aa5b1", "#2f80ed", "#c8102e")
STATUS_COLOURS = {
    AgreementStatus.DRAFT.value: "#bdbdbd", AgreementStatus.PROPOSED.value: "#f2c94c",
    AgreementStatus.ACCEPTED.value: "#2f80ed", AgreementStatus.ACTIVE.value: "#27ae60",
    AgreementStatus.SUSPENDED.value: "#f2994a", AgreementStatus.TERMINATED.value: "#eb5757",
}
INDUSTRY_COLOURS = {
    "auto_service": "#c8102e", "fitness": "#2f80ed", "early_education": "#f2994a", "dining": "#27ae60",
    "retail_mall": "#9b51e0", "travel": "#219653", "finance": "#b7950b", "beauty": "#eb5757", "car_wash": "#56ccf2",
}


# --- the period switch ----------------------------------------------------------------------------------------


@dataclass
class PeriodChoice:
    """This week, this month, or custom dates; `errors` by form field when the dates cannot make a period."""

    kind: str
    period: Period | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def choose_period(lang: str, kind: str, date_from: str, date_to: str, today: date) -> PeriodChoice:
    """The Shanghai week (Mon–Sun) or month containing today, or the custom dates (blank: the last 28 days), checked
    by the same rules as the API (`domain.report_period`). Nothing is replaced silently: an unknown period, dates
    with this week or month, a wrong date or range is a message next to its field (and the page answers 422).
    Without a period, dates mean custom dates and no dates mean this month."""

    def message(code: str) -> str:
        return translate(f"report_{code}", lang)

    values = {"date_from": date_from, "date_to": date_to}
    given = bool(date_from.strip() or date_to.strip())
    kind = kind.strip() or ("custom" if given else "month")
    if kind not in PERIOD_KINDS:
        return PeriodChoice("month", None, values, {"period": message("period_unknown")})
    if kind != "custom":
        if given:
            field = "date_from" if date_from.strip() else "date_to"
            return PeriodChoice(kind, None, values, {field: message("dates_need_custom")})
        board = LeaderboardPeriod.WEEK if kind == "week" else LeaderboardPeriod.MONTH
        fixed = domain.leaderboard_period(board, today)
        return PeriodChoice(kind, fixed, {"date_from": fixed.start.isoformat(), "date_to": fixed.end.isoformat()})
    errors: dict[str, str] = {}
    parsed: dict[str, date | None] = {}
    for name, text in values.items():
        parsed[name] = _parse_date(text) if text.strip() else None
        if text.strip() and parsed[name] is None:
            errors[name] = message("date_invalid")
    if errors:
        return PeriodChoice(kind, None, values, errors)
    try:
        period = domain.report_period(parsed["date_from"], parsed["date_to"], today)
    except domain.PeriodRefused as refused:
        where = "date_to" if refused.code == "report_range_inverted" else "date_from"
        if refused.code == "report_date_out_of_range" and parsed["date_from"] is not None and (
                domain.EARLIEST <= parsed["date_from"] <= domain.LATEST):
            where = "date_to"
        return PeriodChoice(kind, None, values, {where: translate(refused.code, lang, **refused.params)})
    return PeriodChoice(kind, period, {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()})


def chart_span(period: Period, today: date) -> Period:
    """The weeks the funnel chart shows: the period, widened to at least the last `CHART_WEEKS` weeks, and never
    past the current week (a period that runs beyond today stops at today: no empty future weeks)."""
    end = max(min(period.end, today), period.start)
    earliest = domain.week_of(end).start - timedelta(weeks=CHART_WEEKS - 1)
    return Period(max(min(period.start, earliest), domain.EARLIEST), end)


# --- figures --------------------------------------------------------------------------------------------------


def percent(bp: int | None) -> str:
    """Basis points as a percentage with one decimal, rounded half up in integers: 6_850 → "68.5%"."""
    if bp is None:
        return "—"
    tenths = domain.round_half_up_div(bp, 10)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"


@dataclass
class Totals:
    issued: int = 0
    arrived: int = 0
    converted: int = 0
    revenue_fen: int = 0
    cost_fen: int = 0
    costed_at_value: int = 0

    def add(self, row: FunnelRow) -> None:
        self.issued += row.issued
        self.costed_at_value += row.costed_at_value
        self.arrived += row.arrived
        self.converted += row.converted
        self.revenue_fen += row.revenue_fen
        self.cost_fen += row.acquisition_cost_fen

    @property
    def rate_bp(self) -> int | None:
        return domain.conversion_rate_bp(self.converted, self.arrived)

    @property
    def cac_fen(self) -> int | None:
        return domain.average_fen(self.cost_fen, self.converted)


def totals_of(rows: Sequence[FunnelRow]) -> Totals:
    out = Totals()
    for row in rows:
        out.add(row)
    return out


@dataclass
class Partner:
    merchant_id: int
    name: str
    arrivals_in: int = 0
    arrivals_out: int = 0
    conversions_in: int = 0
    revenue_in_fen: int = 0


def partners_of(flows: FlowsOut, merchant_id: int) -> list[Partner]:
    """Each partner the merchant exchanged arrivals with, busiest first."""
    names = {m.merchant_id: m.name for m in flows.merchants}
    partners: dict[int, Partner] = {}
    for cell in flows.items:
        if cell.receiving_merchant_id == merchant_id:
            other = cell.referrer_merchant_id
            partner = partners.setdefault(other, Partner(other, names.get(other, f"#{other}")))
            partner.arrivals_in += cell.arrived
            partner.conversions_in += cell.converted
            partner.revenue_in_fen += cell.revenue_fen
        elif cell.referrer_merchant_id == merchant_id:
            other = cell.receiving_merchant_id
            partner = partners.setdefault(other, Partner(other, names.get(other, f"#{other}")))
            partner.arrivals_out += cell.arrived
    return sorted(partners.values(), key=lambda p: (-(p.arrivals_in + p.arrivals_out), p.merchant_id))


def rebate_balances(session: Session, p: Principal, merchant_id: int) -> dict[str, int] | None:
    """Frozen and available rebates (返利) read like GET /balances: the merchant's, or for store staff their own.
    None when the caller may not read them."""
    owner_type, owner_id = OwnerType.MERCHANT, merchant_id
    if p.role is Role.STORE_STAFF:
        if p.staff_id is None:
            return None
        owner_type, owner_id = OwnerType.STAFF, p.staff_id
    try:
        alliance_id = access.owner_alliance(session, p, owner_type, owner_id)
    except AppError:
        return None
    balances = dict.fromkeys((AccountKind.REBATE_FROZEN.value, AccountKind.REBATE_AVAILABLE.value,
                              AccountKind.WITHDRAWAL_PENDING.value), 0)
    for account in ledger_repo.accounts_of(session, alliance_id, owner_type.value, owner_id):
        if account.kind in balances and access.visible(p, owner_type, account):
            balances[account.kind] = ledger_repo.balance_of(session, account)
    return balances


def merchant_of(page: Page, merchant_id: str) -> Merchant | None:
    """The merchant the dashboard is about: one's own on the merchant side (another id → 403); for the operator
    the one asked for (outside its alliance → 404), or None when none is chosen yet."""
    p, session = page.me, page.session
    if merchant_id.strip():
        text = merchant_id.strip()
        if not text.isdigit() or int(text) >= 2**63 or int(text) == 0:
            raise NotFound("merchant")
        wanted = int(text)
        if p.is_merchant_side and wanted != p.merchant_id:
            raise Forbidden()
        return merchants_repo.get_merchant(session, p, wanted)
    if p.is_merchant_side and p.merchant_id is not None:
        return merchants_repo.get_merchant(session, p, p.merchant_id)
    if not p.is_operator:
        raise Forbidden()
    return None


def merchant_funnel(session: Session, p: Principal, merchant: Merchant, period: Period,
                    group: Grouping = Grouping.PERIOD) -> tuple[list[FunnelRow], list[FunnelRow]]:
    """(rows the merchant referred to partners, rows partners referred to it); a merchant's own coupons used at
    itself are neither."""
    common: dict[str, Any] = {"date_from": period.start, "date_to": period.end, "group": group,
                              "alliance_id": merchant.alliance_id}
    sent = service.funnel(session, p, referrer_merchant_id=merchant.id, **common).items
    received = service.funnel(session, p, receiving_merchant_id=merchant.id, **common).items
    return ([r for r in sent if r.receiving_merchant_id != merchant.id],
            [r for r in received if r.referrer_merchant_id != merchant.id])


def weekly_chart(page: Page, rows: Sequence[FunnelRow], span: Period) -> str:
    weeks = domain.weeks_in(span)
    index = {w.label: i for i, w in enumerate(weeks)}
    issued, arrived, converted = [0] * len(weeks), [0] * len(weeks), [0] * len(weeks)
    for row in rows:
        i = index.get(row.week or "")
        if i is None:
            continue
        issued[i] += row.issued
        arrived[i] += row.arrived
        converted[i] += row.converted
    t = page.t
    series = [charts.Series(t("引流", "Referrals"), issued, FUNNEL_COLOURS[0]),
              charts.Series(t("到店", "Arrivals"), arrived, FUNNEL_COLOURS[1]),
              charts.Series(t("成交", "Conversions"), converted, FUNNEL_COLOURS[2])]
    labels = [f"{w.label[5:]} {w.start.strftime('%m-%d')}" for w in weeks]
    return charts.bar_chart(labels, series, width=max(640, 48 * len(weeks) + 60),
                            label=t(f"每周引流漏斗 {span.start} 至 {span.end}",
                                    f"Weekly referral funnel {span.start} – {span.end}"),
                            empty_text=t("暂无数据", "No data"))


def dashboard_context(page: Page, merchant: Merchant, period: Period, kind: str) -> dict[str, Any]:
    session, p, t = page.session, page.me, page.t
    sent_rows, received_rows = merchant_funnel(session, p, merchant, period)
    sent, received = totals_of(sent_rows), totals_of(received_rows)
    span = chart_span(period, clock.today_in_shanghai())
    _, weekly_in = merchant_funnel(session, p, merchant, span, Grouping.WEEK)
    flows = service.flows(session, p, date_from=period.start, date_to=period.end, alliance_id=merchant.alliance_id)
    partners = partners_of(flows, merchant.id)
    shown = partners[:CHART_PARTNERS]
    flow_chart = charts.horizontal_bar_chart(
        [x.name for x in shown],
        [charts.Series(t("接收(伙伴带来)", "In (from the partner)"), [x.arrivals_in for x in shown], IN_COLOUR),
         charts.Series(t("送出(带给伙伴)", "Out (to the partner)"), [x.arrivals_out for x in shown], OUT_COLOUR)],
        label=t("按伙伴的到店客流:接收与送出", "Arrivals by partner: in and out"), empty_text=t("暂无数据", "No data"))
    board_period = LeaderboardPeriod.WEEK if kind == "week" else LeaderboardPeriod.MONTH
    board: LeaderboardOut = service.leaderboard(
        session, p, by=LeaderboardBy.MERCHANT, period=board_period, at=period.end, metric=Metric.REFERRALS,
        limit=LEADERBOARD_ROWS, alliance_id=merchant.alliance_id)
    cac = received.cac_fen
    return {
        "merchant": merchant, "sent": sent, "received": received, "partners": partners[:TOP_PARTNERS],
        "funnel_chart": weekly_chart(page, weekly_in, span), "flow_chart": flow_chart, "span": span,
        "board": board, "rebates": rebate_balances(session, p, merchant.id), "benchmark_fen": PAID_ADS_CAC_FEN,
        "cac_share": None if cac is None else percent(domain.round_half_up_div(cac * 10_000, PAID_ADS_CAC_FEN)),
        "saving_fen": None if cac is None else PAID_ADS_CAC_FEN - cac,
        "rebates_are_staff": p.role is Role.STORE_STAFF, "as_of": clock.format_local_clock(flows.as_of),
    }


def _link(path: str, **params: str | int | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


# --- pages ----------------------------------------------------------------------------------------------------


@router.get("/console/dashboard")
def dashboard(page: StaffPage, period: str = "", date_from: str = "", date_to: str = "",
              merchant_id: str = "") -> Response:
    return dashboard_page(page, period, date_from, date_to, merchant_id)


def dashboard_page(page: Page, period: str, date_from: str, date_to: str, merchant_id: str) -> Response:
    p = page.me
    merchant = merchant_of(page, merchant_id)
    choice = choose_period(page.lang, period, date_from, date_to, clock.today_in_shanghai())
    chosen = str(merchant.id) if merchant is not None and p.is_operator else ""
    context: dict[str, Any] = {
        "choice": choice, "errors": choice.errors, "values": choice.values, "merchant": merchant,
        "merchant_param": chosen, "percent": percent,
        "tabs": [(k, zh, en, _link("/console/dashboard", period=k, merchant_id=chosen))
                 for k, zh, en in (("week", "本周", "This week"), ("month", "本月", "This month"),
                                   ("custom", "自定义", "Custom"))],
    }
    if p.is_operator:
        context["choices"] = merchants_repo.merchants_in_scope(
            page.session, p, alliance_id=merchant.alliance_id if merchant is not None else None)
    if merchant is None or choice.period is None:
        return page.render("reports/dashboard.html", status_code=422 if choice.errors else 200, **context)
    context.update(dashboard_context(page, merchant, choice.period, choice.kind))
    export = {"period": choice.kind, "merchant_id": chosen}
    if choice.kind == "custom":
        export.update(choice.values)
    context["export_xlsx"] = _link("/console/dashboard/export", format="xlsx", **export)
    context["export_csv"] = _link("/console/dashboard/export", format="csv", **export)
    return page.render("reports/dashboard.html", **context)


@router.get("/console/dashboard/export")
def dashboard_export(page: StaffPage, format: str = "xlsx", period: str = "", date_from: str = "",
                     date_to: str = "", merchant_id: str = "") -> Response:
    """The funnel sheet of GET /api/v1/referrals/funnel/export (same columns, Chinese headers, totals) for the
    dashboard's merchant and period, week by week like the dashboard's chart, with the cookie session instead of a
    bearer token. A period the page would refuse is refused here the same way: the dashboard with the message next
    to its field (422), not a file of some other period."""
    if format not in ("csv", "xlsx"):
        raise Invalid("validation_error", details={"format": "csv or xlsx"})
    merchant = merchant_of(page, merchant_id)
    if merchant is None:
        raise NotFound("merchant")
    choice = choose_period(page.lang, period, date_from, date_to, clock.today_in_shanghai())
    chosen = choice.period
    if chosen is None:
        return dashboard_page(page, period, date_from, date_to, merchant_id)
    sent, received = merchant_funnel(page.session, page.me, merchant, chosen, Grouping.WEEK)
    rows = sorted([*sent, *received], key=lambda r: (r.week or "", r.referrer_merchant_id or 0,
                                                    r.receiving_merchant_id or 0))
    sheet = funnel_sheet(rows, chosen.start, chosen.end, f" · {merchant.name}")
    return file_response(sheet, format, f"funnel-{merchant.id}-{chosen.start}-{chosen.end}.{format}")


def alliance_of(page: Page, alliance_id: str) -> Alliance | None:
    """The operator's own alliance; the platform admin picks one (default: the first)."""
    p, session = page.me, page.session
    if p.alliance_id is not None:
        return alliances_repo.get_alliance(session, p, p.alliance_id)
    text = alliance_id.strip()
    if text:
        if not text.isdigit() or not 0 < int(text) < 2**63:
            raise NotFound("alliance")
        return alliances_repo.get_alliance(session, p, int(text))
    return alliances_repo.first_alliance_in_scope(session, p)


def agreement_network(page: Page, merchants: Sequence[Merchant], agreements: Sequence[Agreement]) -> str:
    names = {m.id: m.name for m in merchants}
    nodes = [charts.Node(str(m.id), m.name, INDUSTRY_COLOURS.get(m.industry, "#828282")) for m in merchants]
    edges = []
    for a in agreements:
        if a.merchant_a_id is None or a.merchant_b_id is None:
            continue
        zh, en = STATUS_LABELS.get(AgreementStatus(a.status), (a.status, a.status))
        title = (f"{a.title} · {names.get(a.merchant_a_id, '')} ↔ {names.get(a.merchant_b_id, '')} · "
                 f"{page.t(zh, en)}")
        edges.append(charts.Edge(str(a.merchant_a_id), str(a.merchant_b_id), a.status, title))
    return charts.network(nodes, edges, colours=STATUS_COLOURS,
                          label=page.t("合作协议网络:商户与协议(颜色表示状态)",
                                       "Agreement network: merchants and agreements (colour by status)"),
                          empty_text=page.t("暂无商户", "No merchants"))


def flow_matrix(page: Page, merchants: Sequence[Merchant], flows: FlowsOut) -> str:
    index = {m.id: i for i, m in enumerate(merchants)}
    counts = [[0] * len(merchants) for _ in merchants]
    for cell in flows.items:
        i, j = index.get(cell.referrer_merchant_id), index.get(cell.receiving_merchant_id)
        if i is not None and j is not None:
            counts[i][j] += cell.arrived
    labels = [m.name for m in merchants]
    return charts.heat_map(labels, labels, counts, skip_diagonal=True,
                           label=page.t("联盟客流矩阵:推荐商户 → 接待商户的到店人数",
                                        "Alliance flow matrix: arrivals from referring to receiving merchant"),
                           row_title=page.t("推荐商户 Referrer", "Referring merchant"),
                           col_title=page.t("接待商户 Receiver", "Receiving merchant"),
                           empty_text=page.t("暂无商户", "No merchants"))


@router.get("/console/operator")
def operator(page: StaffPage, period: str = "", date_from: str = "", date_to: str = "",
             alliance_id: str = "") -> Response:
    p = page.me
    policy.require_operator(p)
    session = page.session
    alliance = alliance_of(page, alliance_id)
    choice = choose_period(page.lang, period, date_from, date_to, clock.today_in_shanghai())
    chosen = str(alliance.id) if alliance is not None and p.alliance_id is None else ""
    context: dict[str, Any] = {
        "alliance": alliance, "choice": choice, "errors": choice.errors, "values": choice.values,
        "alliance_param": chosen, "percent": percent, "status_colours": STATUS_COLOURS,
        "tabs": [(k, zh, en, _link("/console/operator", period=k, alliance_id=chosen))
                 for k, zh, en in (("week", "本周", "This week"), ("month", "本月", "This month"),
                                   ("custom", "自定义", "Custom"))],
        "alliances": alliances_repo.alliances_in_scope(session, p) if p.is_platform else [],
    }
    if alliance is None or choice.period is None:
        return page.render("reports/operator.html", status_code=422 if choice.errors else 200, **context)
    chosen_period = choice.period
    merchants = merchants_repo.merchants_in_scope(session, p, alliance_id=alliance.id)
    agreements = agreements_repo.agreements_in_scope(session, p, alliance_id=alliance.id)
    members = alliances_repo.overview_counts(session, alliance.id)["members"]
    funnel = service.funnel(session, p, date_from=chosen_period.start, date_to=chosen_period.end,
                            alliance_id=alliance.id)
    flows = service.flows(session, p, date_from=chosen_period.start, date_to=chosen_period.end,
                          alliance_id=alliance.id)
    balances = {b.merchant_id: b for b in flows.merchants}
    by_status = {s.value: 0 for s in AgreementStatus}
    for a in agreements:
        by_status[a.status] = by_status.get(a.status, 0) + 1
    totals = totals_of(funnel.items)
    context.update({
        "merchants": merchants, "members": members, "balances": balances, "totals": totals,
        "total_members": sum(members.get(m.id, 0) for m in merchants),
        "active_merchants": sum(1 for m in merchants if m.status == MerchantStatus.ACTIVE.value),
        "by_status": [(s.value, *STATUS_LABELS[s], by_status.get(s.value, 0)) for s in AgreementStatus],
        "active_agreements": by_status.get(AgreementStatus.ACTIVE.value, 0),
        "alliance_wide": sum(1 for a in agreements if a.merchant_a_id is None or a.merchant_b_id is None),
        "industry_labels": {i.value: INDUSTRY_LABELS[i] for i in Industry},
        "network": agreement_network(page, merchants, agreements), "matrix": flow_matrix(page, merchants, flows),
        "benchmark_fen": PAID_ADS_CAC_FEN, "cac": None if totals.cac_fen is None else format_yuan(totals.cac_fen),
        "as_of": clock.format_local_clock(funnel.as_of),
        "dashboard_of": {m.id: _link("/console/dashboard", merchant_id=m.id, period=choice.kind,
                                     **(choice.values if choice.kind == "custom" else {})) for m in merchants},
    })
    return page.render("reports/operator.html", **context)
