"""The conversion rate per arm as an inline SVG bar chart with 95% interval whiskers (no JavaScript, no CDN).
Pure: the results in, one `<svg>` out; every bar and whisker carries a `<title>` (the browser's tooltip)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from lianmeng.kit import charts
from lianmeng.targeting import uplift
from lianmeng.targeting.results_schemas import ArmOut

COLOURS = {uplift.TREATED: "#c8102e", uplift.HOLDOUT: "#6b7785", uplift.RANDOM: "#2f6fb0"}
FONT = charts.FONT


def _e(text: object) -> str:
    return str(escape(str(text)))


def _n(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


def _top(largest: float) -> int:
    """The axis' top in whole percent: 10, 20, 25, 50 or 100 — the first at or above the largest whisker."""
    for top in (5, 10, 20, 25, 50, 100):
        if largest * 100 <= top:
            return top
    return 100


def rate_chart(arms: Sequence[ArmOut], *, label: str, words: dict[str, str], width: float = 480,
               height: float = 240) -> Markup:
    """One bar per arm (its rate), a whisker from rate_low to rate_high. `words` names the arms."""
    if not arms:
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-uplift" viewBox="0 0 {_n(width)} 80" '
                 f'width="{_n(width)}" height="80" role="img" aria-label="{_e(label)}"><title>{_e(label)}</title>',
                 f'<text x="{_n(width / 2)}" y="40" text-anchor="middle" style="{FONT};fill:{charts.MUTED}">'
                 f"{_e(charts.EMPTY_TEXT)}</text></svg>"]
        return Markup("".join(parts))
    left, right, top_margin, bottom = 44.0, 12.0, 14.0, 30.0
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    top = _top(max((a.rate_high or a.rate or 0.0) for a in arms))
    base = top_margin + plot_h

    def y_of(fraction: float) -> float:
        return base - min(fraction * 100, top) / top * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-uplift" viewBox="0 0 {_n(width)} '
             f'{_n(height)}" width="{_n(width)}" height="{_n(height)}" style="max-width:{_n(width)}px" role="img" '
             f'aria-label="{_e(label)}">', f"<title>{_e(label)}</title>", '<g class="axis">']
    step = top // 5 if top % 5 == 0 else top // 4
    for tick in range(0, top + 1, max(step, 1)):
        y = y_of(tick / 100)
        parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y)}" y2="{_n(y)}" '
                     f'stroke="{charts.GRID}"/><text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end" '
                     f'style="{FONT};fill:{charts.MUTED}">{tick}%</text>')
    parts.append("</g>")
    slot = plot_w / len(arms)
    bar_w = min(slot * 0.5, 80.0)
    for i, arm in enumerate(arms):
        name = words.get(arm.arm, arm.arm)
        cx = left + (i + 0.5) * slot
        rate = arm.rate or 0.0
        y = y_of(rate)
        interval = f" (95%: {percent(arm.rate_low)} – {percent(arm.rate_high)})" if arm.rate_low is not None else ""
        tip = f"{name}: {percent(arm.rate)} = {arm.converted:,} / {arm.members:,}{interval}"
        parts.append(f'<g class="arm" data-arm="{_e(arm.arm)}"><rect class="chart-bar" x="{_n(cx - bar_w / 2)}" '
                     f'y="{_n(y)}" width="{_n(bar_w)}" height="{_n(base - y)}" '
                     f'fill="{COLOURS.get(arm.arm, charts.MUTED)}" data-rate="{rate:.4f}"><title>{_e(tip)}</title>'
                     "</rect>")
        if arm.rate_low is not None and arm.rate_high is not None and not math.isnan(arm.rate_low):
            y_low, y_high = y_of(arm.rate_low), y_of(arm.rate_high)
            parts.append(f'<g class="whisker" stroke="{charts.INK}" stroke-width="1.5"><title>{_e(tip)}</title>'
                         f'<line x1="{_n(cx)}" x2="{_n(cx)}" y1="{_n(y_low)}" y2="{_n(y_high)}"/>'
                         f'<line x1="{_n(cx - 8)}" x2="{_n(cx + 8)}" y1="{_n(y_low)}" y2="{_n(y_low)}"/>'
                         f'<line x1="{_n(cx - 8)}" x2="{_n(cx + 8)}" y1="{_n(y_high)}" y2="{_n(y_high)}"/></g>')
        parts.append(f'<text x="{_n(cx + bar_w / 2 + 4)}" y="{_n(y + 12)}" style="{FONT};fill:{charts.INK}">'
                     f"{_e(percent(arm.rate))}</text>"
                     f'<text x="{_n(cx)}" y="{_n(base + 16)}" text-anchor="middle" '
                     f'style="{FONT};fill:{charts.MUTED}">{_e(name)}</text></g>')
    parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(base)}" y2="{_n(base)}" '
                 f'stroke="{charts.MUTED}"/></svg>')
    return Markup("".join(parts))
