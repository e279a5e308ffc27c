"""The console page of distance decay (距离衰减): the curve, its 95% band, the observed rates per distance band with
their counts and the seed's prior, as inline SVG. Every figure comes from `distance.service.report`, the same as
GET /api/v1/distance-decay. The operator sees its alliance (the platform admin picks one); a merchant admin opens on
the referrals its merchant took part in when they alone are enough for a fit, else on the alliance's."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.distance import service
from lianmeng.distance.domain import SCOPE_LABELS, SOURCE_LABELS, DecayScope
from lianmeng.distance.schemas import DecayOut
from lianmeng.kit.curve_chart import Band, Dot, Line, curve_chart
from lianmeng.kit.errors import Invalid
from lianmeng.referrals.web import alliance_of, percent
from lianmeng.tenancy import policy
from lianmeng.web.console import Page, StaffPage

router = APIRouter(include_in_schema=False)

FITTED_COLOUR, BAND_COLOUR, PRIOR_COLOUR, DOT_COLOUR = "#c8102e", "#f4b6c0", "#6b7785", "#2f80ed"
TABLE_KM = (1.0, 3.0, 5.0, 10.0, 15.0)  # the seed's thresholds (≤ 5 km best, ≤ 10 km acceptable) and points


def chart(page: Page, report: DecayOut) -> str:
    fitted = report.source == "fitted"
    name = page.t("本联盟拟合", "Fitted") if fitted else page.t("先验(种子数据)", "Prior (seed)")
    lines = [Line(name, [(c.km, c.rate_bp / 10_000) for c in report.curve], FITTED_COLOUR if fitted
                  else PRIOR_COLOUR, dashed=not fitted)]
    band = None
    if fitted:
        lines.append(Line(page.t("先验(种子数据)", "Prior (seed)"),
                          [(c.km, c.rate_bp / 10_000) for c in report.prior], PRIOR_COLOUR, dashed=True))
        band = Band(page.t("95% 置信带", "95% band"), [(c.km, c.low_bp / 10_000, c.high_bp / 10_000)
                                                     for c in report.curve], BAND_COLOUR)
    dots = [Dot((b.km_from + b.km_to) / 2, b.rate_bp / 10_000,
                f"{b.km_from:g}–{b.km_to:g} km: {b.conversions}/{b.arrivals} = {percent(b.rate_bp)}",
                radius=min(9.0, 3 + (b.arrivals or 0) ** 0.5 / 3))
            for b in report.bins if b.rate_bp is not None]
    return curve_chart(lines, band=band, dots=dots, dot_colour=DOT_COLOUR,
                       dot_name=page.t("实际转化率(按距离段)", "Observed (per band)"),
                       label=page.t("转化率随推荐门店与接待门店距离的变化",
                                    "Conversion by distance between the stores"),
                       x_title=page.t("两店距离(公里)", "Distance between the stores (km)"),
                       empty_text=page.t("暂无数据", "No data"))


@router.get("/console/distance-decay")
def distance_decay(page: StaffPage, scope: str = "", alliance_id: str = "") -> Response:
    p = page.me
    policy.require_distance_decay(p)
    alliance = alliance_of(page, alliance_id)
    if alliance is None:
        return page.render("distance/decay.html", alliance=None, report=None)
    if scope and scope not in {s.value for s in DecayScope}:
        raise Invalid("validation_error", details={"scope": "alliance | own"})
    own_enough = service.own_is_enough(page.session, p)
    chosen = DecayScope(scope) if scope else (DecayScope.OWN if own_enough else DecayScope.ALLIANCE)
    report = service.report(page.session, p, scope=chosen, alliance_id=alliance.id)
    alliance_param = str(alliance.id) if p.alliance_id is None else ""
    curve, prior = {c.km: c for c in report.curve}, {c.km: c for c in report.prior}
    rows = [(km, curve[km], prior[km]) for km in TABLE_KM if km in curve and km in prior]
    return page.render(
        "distance/decay.html", alliance=alliance, report=report, chart=chart(page, report), rows=rows,
        percent=percent, scope_labels=SCOPE_LABELS, source_labels=SOURCE_LABELS, scopes=list(DecayScope),
        own_enough=own_enough, merchant_view=p.is_merchant_side, alliance_param=alliance_param,
    )
