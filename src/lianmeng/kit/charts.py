"""Charts as SVG markup built on the server: no JavaScript, no CDN, so report pages work offline and print well.

Every function is pure: data in, one `<svg>` element out (a `Markup`, i.e. a `str` Jinja does not escape again).
All text from data is escaped. Each chart carries `role="img"`, an `aria-label` and a `<title>`, and every bar,
cell, node and edge has its own `<title>` (the tooltip a browser shows on hover).

* `bar_chart`: categories along x (e.g. weeks), one bar per series, grouped side by side or stacked.
* `horizontal_bar_chart`: one row per label (e.g. partner), one thin bar per series (e.g. in / out).
* `heat_map`: a matrix of counts, colour intensity by count, the number in each cell, axis labels.
* `network`: nodes placed on a circle, edges coloured by a status.

Values are integers (counts, or fen formatted by the caller's `value_format`); scales start at 0 and end at a
"nice" number (1, 2 or 5 × 10ⁿ per tick) at or above the largest value, so bars are proportional to values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

EMPTY_TEXT = "暂无数据 · No data"
FONT = "font-family:inherit;font-size:11px"
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e7eb"
LOW = (0xFD, 0xEC, 0xEE)  # heat map: the colour of the smallest non-zero count
HIGH = (0xC8, 0x10, 0x2E)  # … and of the largest (the accent colour)
ZERO_FILL = "#f4f5f7"


@dataclass(frozen=True)
class Series:
    """One measure drawn across the categories: its name (legend, tooltips), values and colour."""

    name: str
    values: Sequence[int]
    colour: str


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    colour: str = "#2f80ed"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    status: str
    title: str = ""


def _e(text: object) -> str:
    return str(escape(str(text)))


def _n(value: float) -> str:
    """Coordinates with at most one decimal, without a trailing '.0'."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nice_step(raw: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … at or above `raw` (at least 1: values are integers)."""
    if raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def axis(largest: int, ticks: int = 4) -> tuple[int, int]:
    """(top, step) of a value axis from 0: `step` is nice and `top` = step × k ≥ `largest`, k ≤ `ticks`."""
    step = nice_step(max(largest, 1) / ticks)
    top = step * max(1, math.ceil(largest / step))
    return top, step


def _open(width: float, height: float, label: str, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" style="max-width:{_n(width)}px" role="img" '
        f'aria-label="{_e(label)}">',
        f"<title>{_e(label)}</title>",
    ]


def _empty(label: str, kind: str, text: str, width: float = 640, height: float = 120) -> Markup:
    parts = _open(width, height, label, kind)
    parts.append(f'<text class="empty" x="{_n(width / 2)}" y="{_n(height / 2)}" text-anchor="middle" '
                 f'style="{FONT};font-size:13px;fill:{MUTED}">{_e(text)}</text></svg>')
    return Markup("".join(parts))


def _legend(series: Sequence[Series], x: float, y: float) -> str:
    out = ['<g class="chart-legend">']
    for s in series:
        out.append(f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="10" height="10" rx="2" fill="{_e(s.colour)}"/>'
                   f'<text x="{_n(x + 14)}" y="{_n(y)}" style="{FONT};fill:{INK}">{_e(s.name)}</text>')
        x += 24 + 12 * len(s.name)
    out.append("</g>")
    return "".join(out)


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, label: str, stacked: bool = False,
              width: float = 640, height: float = 260, value_format: Callable[[int], str] = str,
              empty_text: str = EMPTY_TEXT) -> Markup:
    """Vertical bars over categories (periods): side by side per category, or stacked when `stacked`.
    One `<rect class="chart-bar">` per category and series, zero-height ones included."""
    if not categories or not series:
        return _empty(label, "bars", empty_text, width)
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories")
    left, right, top_margin, bottom = 48.0, 12.0, 30.0, 34.0
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    if stacked:
        largest = max(sum(s.values[i] for s in series) for i in range(len(categories)))
    else:
        largest = max(max(s.values) for s in series)
    top, step = axis(max(largest, 0))
    base = top_margin + plot_h

    def y_of(value: float) -> float:
        return base - value / top * plot_h

    parts = _open(width, height, label, "bars")
    parts.append(_legend(series, left, 16))
    parts.append('<g class="axis">')
    for tick in range(0, top + 1, step):
        y = y_of(tick)
        parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>'
                     f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end" style="{FONT};fill:{MUTED}">'
                     f"{_e(value_format(tick))}</text>")
    parts.append("</g>")
    group_w = plot_w / len(categories)
    inner = group_w * 0.8
    bar_w = inner if stacked else inner / len(series)
    for i, category in enumerate(categories):
        x0 = left + i * group_w + (group_w - inner) / 2
        parts.append(f'<g class="group" data-category="{_e(category)}">')
        stack = 0
        for k, s in enumerate(series):
            value = s.values[i]
            if stacked:
                x, y_top, y_bottom = x0, y_of(stack + value), y_of(stack)
                stack += value
            else:
                x, y_top, y_bottom = x0 + k * bar_w, y_of(value), base
            parts.append(
                f'<rect class="chart-bar" x="{_n(x)}" y="{_n(y_top)}" width="{_n(max(bar_w - 1, 1))}" '
                f'height="{_n(y_bottom - y_top)}" fill="{_e(s.colour)}" data-series="{_e(s.name)}" '
                f'data-value="{value}"><title>{_e(category)} · {_e(s.name)}: {_e(value_format(value))}</title></rect>')
        parts.append(f'<text x="{_n(left + (i + 0.5) * group_w)}" y="{_n(base + 16)}" text-anchor="middle" '
                     f'style="{FONT};fill:{MUTED}">{_e(_short(category, 12))}</text></g>')
    parts.append(f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(base)}" y2="{_n(base)}" stroke="{MUTED}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bar_chart(labels: Sequence[str], series: Sequence[Series], *, label: str, width: float = 640,
                         bar_height: float = 12, value_format: Callable[[int], str] = str,
                         empty_text: str = EMPTY_TEXT) -> Markup:
    """One row per label with one bar per series under each other (e.g. a partner's arrivals in and out), the
    value written after each bar. One `<rect class="chart-bar">` per label and series."""
    if not labels or not series:
        return _empty(label, "hbars", empty_text, width)
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")
    label_w, right, top_margin, gap = 140.0, 56.0, 28.0, 10.0
    row_h = bar_height * len(series) + gap
    height = top_margin + row_h * len(labels) + 8
    plot_w = width - label_w - right
    top, _ = axis(max(max(s.values) for s in series))
    parts = _open(width, height, label, "hbars")
    parts.append(_legend(series, label_w, 16))
    for i, text in enumerate(labels):
        y0 = top_margin + i * row_h
        parts.append(f'<g class="row" data-label="{_e(text)}">'
                     f'<text x="{_n(label_w - 8)}" y="{_n(y0 + bar_height * len(series) / 2 + 4)}" '
                     f'text-anchor="end" style="{FONT};fill:{INK}">{_e(_short(text, 14))}<title>{_e(text)}</title>'
                     f"</text>")
        for k, s in enumerate(series):
            value = s.values[i]
            w = max(value, 0) / top * plot_w
            y = y0 + k * bar_height
            parts.append(
                f'<rect class="chart-bar" x="{_n(label_w)}" y="{_n(y)}" width="{_n(w)}" height="{_n(bar_height - 2)}" '
                f'fill="{_e(s.colour)}" data-series="{_e(s.name)}" data-value="{value}">'
                f"<title>{_e(text)} · {_e(s.name)}: {_e(value_format(value))}</title></rect>"
                f'<text x="{_n(label_w + w + 4)}" y="{_n(y + bar_height - 3)}" style="{FONT};fill:{MUTED}">'
                f"{_e(value_format(value))}</text>")
        parts.append("</g>")
    parts.append(f'<line x1="{_n(label_w)}" x2="{_n(label_w)}" y1="{_n(top_margin - 4)}" '
                 f'y2="{_n(height - 8)}" stroke="{MUTED}"/></svg>')
    return Markup("".join(parts))


def heat_colour(count: int, largest: int) -> str:
    """Light pink for the smallest count up to the accent red for the largest; pale grey for zero."""
    if count <= 0 or largest <= 0:
        return ZERO_FILL
    share = min(count / largest, 1.0)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(LOW, HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(row_labels: Sequence[str], col_labels: Sequence[str], counts: Sequence[Sequence[int]], *, label: str,
             row_title: str = "", col_title: str = "", cell: float = 44, skip_diagonal: bool = False,
             empty_text: str = EMPTY_TEXT) -> Markup:
    """A matrix of counts: rows × columns cells (`<g class="cell">` with a `<rect>` and the number), colour by
    count relative to the largest, row labels on the left, column labels on top. `skip_diagonal` draws the
    cells where row i meets column i as "—" (e.g. a merchant referring to itself)."""
    if not row_labels or not col_labels:
        return _empty(label, "heat", empty_text)
    if len(counts) != len(row_labels) or any(len(row) != len(col_labels) for row in counts):
        raise ValueError("counts must have one row per row label and one value per column label")
    label_w, head_h = 132.0, 96.0
    left, top_margin = label_w + (18 if row_title else 0), head_h + (18 if col_title else 0)
    width = left + cell * len(col_labels) + 12
    height = top_margin + cell * len(row_labels) + 12
    largest = max((v for i, row in enumerate(counts) for j, v in enumerate(row)
                   if not (skip_diagonal and i == j)), default=0)
    parts = _open(width, height, label, "heat")
    if col_title:
        parts.append(f'<text class="axis-title" x="{_n(left + cell * len(col_labels) / 2)}" y="14" '
                     f'text-anchor="middle" style="{FONT};font-weight:600;fill:{INK}">{_e(col_title)}</text>')
    if row_title:
        cy = top_margin + cell * len(row_labels) / 2
        parts.append(f'<text class="axis-title" x="12" y="{_n(cy)}" text-anchor="middle" '
                     f'transform="rotate(-90 12 {_n(cy)})" style="{FONT};font-weight:600;fill:{INK}">'
                     f"{_e(row_title)}</text>")
    for j, text in enumerate(col_labels):
        x, y = left + (j + 0.5) * cell, top_margin - 6
        parts.append(f'<text class="col-label" x="{_n(x)}" y="{_n(y)}" transform="rotate(-45 {_n(x)} {_n(y)})" '
                     f'style="{FONT};fill:{INK}">{_e(_short(text, 12))}<title>{_e(text)}</title></text>')
    for i, row_text in enumerate(row_labels):
        y = top_margin + i * cell
        parts.append(f'<text class="row-label" x="{_n(left - 6)}" y="{_n(y + cell / 2 + 4)}" text-anchor="end" '
                     f'style="{FONT};fill:{INK}">{_e(_short(row_text, 14))}<title>{_e(row_text)}</title></text>')
        for j, col_text in enumerate(col_labels):
            x = left + j * cell
            value = counts[i][j]
            diagonal = skip_diagonal and i == j
            fill = ZERO_FILL if diagonal else heat_colour(value, largest)
            ink = "#fff" if not diagonal and largest and value / largest > 0.55 else (MUTED if value <= 0 else INK)
            shown = "—" if diagonal else str(value)
            parts.append(
                f'<g class="cell" data-row="{_e(row_text)}" data-col="{_e(col_text)}" data-value="{value}">'
                f'<rect x="{_n(x + 1)}" y="{_n(y + 1)}" width="{_n(cell - 2)}" height="{_n(cell - 2)}" rx="3" '
                f'fill="{fill}"><title>{_e(row_text)} → {_e(col_text)}: {shown}</title></rect>'
                f'<text x="{_n(x + cell / 2)}" y="{_n(y + cell / 2 + 4)}" text-anchor="middle" '
                f'style="{FONT};font-size:12px;fill:{ink}">{shown}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def circle_layout(count: int, radius: float, cx: float, cy: float) -> list[tuple[float, float]]:
    """`count` points evenly on a circle, the first at the top, clockwise."""
    return [(cx + radius * math.sin(2 * math.pi * i / count), cy - radius * math.cos(2 * math.pi * i / count))
            for i in range(count)]


def network(nodes: Sequence[Node], edges: Sequence[Edge], *, label: str, colours: Mapping[str, str],
            size: float = 460, empty_text: str = EMPTY_TEXT) -> Markup:
    """Nodes on a circle (`<g class="node">`), edges between them (`<path class="edge edge-…">`) coloured by
    `colours[status]`. Several edges between the same pair bow apart so each stays visible; edges naming an
    unknown node are skipped."""
    if not nodes:
        return _empty(label, "network", empty_text, size)
    width, height = size + 160, size
    cx, cy, radius = width / 2, height / 2, size / 2 - 40
    where = dict(zip((n.key for n in nodes), circle_layout(len(nodes), radius, cx, cy), strict=True))
    parts = _open(width, height, label, "network")
    seen: dict[frozenset[str], int] = {}
    parts.append('<g class="edges">')
    for edge in edges:
        if edge.source not in where or edge.target not in where or edge.source == edge.target:
            continue
        pair = frozenset((edge.source, edge.target))
        index = seen.get(pair, 0)
        seen[pair] = index + 1
        (x1, y1), (x2, y2) = where[edge.source], where[edge.target]
        bow = 0 if index == 0 else (18 * ((index + 1) // 2)) * (1 if index % 2 else -1)
        length = math.hypot(x2 - x1, y2 - y1) or 1
        mx, my = (x1 + x2) / 2 - (y2 - y1) / length * bow, (y1 + y2) / 2 + (x2 - x1) / length * bow
        colour = colours.get(edge.status, MUTED)
        parts.append(f'<path class="edge edge-{_e(edge.status)}" d="M{_n(x1)},{_n(y1)} Q{_n(mx)},{_n(my)} '
                     f'{_n(x2)},{_n(y2)}" fill="none" stroke="{_e(colour)}" stroke-width="3" '
                     f'data-status="{_e(edge.status)}"><title>{_e(edge.title or edge.status)}</title></path>')
    parts.append("</g>")
    for node in nodes:
        x, y = where[node.key]
        anchor = "middle" if abs(x - cx) < 1 else ("start" if x > cx else "end")
        lx, ly = x + (x - cx) / radius * 14, y + (y - cy) / radius * 16 + 4  # outside the circle
        parts.append(f'<g class="node" data-key="{_e(node.key)}"><circle cx="{_n(x)}" cy="{_n(y)}" r="9" '
                     f'fill="{_e(node.colour)}" stroke="#fff" stroke-width="2"><title>{_e(node.label)}</title>'
                     f'</circle><text x="{_n(lx)}" y="{_n(ly)}" text-anchor="{anchor}" style="{FONT};fill:{INK}">'
                     f"{_e(_short(node.label, 16))}</text></g>")
    parts.append("</svg>")
    return Markup("".join(parts))
