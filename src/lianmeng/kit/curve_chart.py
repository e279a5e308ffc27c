"""A curve chart as SVG markup built on the server, in the manner of kit/charts.py (no JavaScript, no CDN).

`curve_chart` draws, over a numeric x axis from 0: a shaded band (a confidence interval), lines (a fitted curve
solid, a reference curve dashed), and dots with their own tooltips (observed rates, with counts). y is a fraction
0–1 shown as a percentage. Pure: data in, one `<svg>` out; every text from data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from lianmeng.kit.charts import EMPTY_TEXT, FONT, GRID, INK, MUTED, _e, _empty, _n, _open


@dataclass(frozen=True)
class Line:
    name: str
    points: Sequence[tuple[float, float]]  # (x, y)
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    name: str
    points: Sequence[tuple[float, float, float]]  # (x, low, high)
    colour: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str
    radius: float = 5.0


def nice_top(largest: float, steps: Sequence[float] = (0.1, 0.2, 0.25, 0.5, 0.75, 1.0)) -> float:
    """The smallest of `steps` at or above `largest` (a y axis of fractions); 1.0 beyond."""
    return next((s for s in steps if s >= largest - 1e-9), 1.0)


def curve_chart(lines: Sequence[Line], *, label: str, x_title: str, band: Band | None = None,
                dots: Sequence[Dot] = (), dot_colour: str = "#1f2933", dot_name: str = "", width: float = 640,
                height: float = 300, x_step: float = 2.0, empty_text: str = EMPTY_TEXT) -> Markup:
    """Lines (`<path class="chart-line">`), the band under them (`<path class="chart-band">`) and dots
    (`<circle class="chart-dot">`), x from 0 to the largest x given, y in percent from 0 to a nice top."""
    xs = [x for line in lines for x, _ in line.points] + [d.x for d in dots]
    if not xs:
        return _empty(label, "curve", empty_text, width)
    ys = [y for line in lines for _, y in line.points] + [d.y for d in dots]
    ys += [high for _, _, high in band.points] if band else []
    left, right, top_margin, bottom = 48.0, 16.0, 30.0, 40.0
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    x_max = max(max(xs), x_step)
    y_top = nice_top(max(ys, default=0.0))
    base = top_margin + plot_h

    def px(x: float) -> float:
        return left + x / x_max * plot_w

    def py(y: float) -> float:
        return base - min(max(y, 0.0), y_top) / y_top * plot_h

    parts = _open(width, height, label, "curve")
    legend_x = left
    legend = [(line.name, line.colour, line.dashed) for line in lines]
    if band:
        legend.append((band.name, band.colour, False))
    for name, colour, dashed in legend:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        parts.append(f'<line x1="{_n(legend_x)}" x2="{_n(legend_x + 16)}" y1="12" y2="12" stroke="{_e(colour)}" '
                     f'stroke-width="{8 if band and name == band.name else 2}"{dash}/>'
                     f'<text x="{_n(legend_x + 20)}" y="16" style="{FONT};fill:{INK}">{_e(name)}</text>')
        legend_x += 30 + 12 * len(name)
    if dots and dot_name:
        parts.append(f'<circle cx="{_n(legend_x + 6)}" cy="12" r="4" fill="{_e(dot_colour)}"/>'
                     f'<text x="{_n(legend_x + 14)}" y="16" style="{FONT};fill:{INK}">{_e(dot_name)}</text>')
    parts.append('<g class="axis">')
    for i in range(5):
        tick = y_top * i / 4
        y = py(tick)
        parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>'
                     f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end" style="{FONT};fill:{MUTED}">'
                     f"{_n(tick * 100)}%</text>")
    for i in range(math.floor(x_max / x_step) + 1):
        x = px(i * x_step)
        parts.append(f'<text x="{_n(x)}" y="{_n(base + 16)}" text-anchor="middle" style="{FONT};fill:{MUTED}">'
                     f"{_n(i * x_step)}</text>")
    parts.append(f'<text class="axis-title" x="{_n(left + plot_w / 2)}" y="{_n(height - 6)}" text-anchor="middle" '
                 f'style="{FONT};fill:{INK}">{_e(x_title)}</text></g>')
    if band and band.points:
        upper = " ".join(f"{_n(px(x))},{_n(py(high))}" for x, _, high in band.points)
        lower = " ".join(f"{_n(px(x))},{_n(py(low))}" for x, low, _ in reversed(band.points))
        parts.append(f'<path class="chart-band" d="M{upper} L{lower} Z" fill="{_e(band.colour)}" '
                     f'fill-opacity="0.35" stroke="none"><title>{_e(band.name)}</title></path>')
    for line in lines:
        if not line.points:
            continue
        d = " L".join(f"{_n(px(x))},{_n(py(y))}" for x, y in line.points)
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        parts.append(f'<path class="chart-line" d="M{d}" fill="none" stroke="{_e(line.colour)}" stroke-width="2"'
                     f'{dash} data-series="{_e(line.name)}"><title>{_e(line.name)}</title></path>')
    for dot in dots:
        parts.append(f'<circle class="chart-dot" cx="{_n(px(dot.x))}" cy="{_n(py(dot.y))}" r="{_n(dot.radius)}" '
                     f'fill="{_e(dot_colour)}" fill-opacity="0.8"><title>{_e(dot.title)}</title></circle>')
    parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(base)}" y2="{_n(base)}" '
                 f'stroke="{MUTED}"/></svg>')
    return Markup("".join(parts))
