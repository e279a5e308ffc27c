"""Server-side SVG charts: labels and values present and escaped, one shape per datum, proportional scales, empty
data handled, accessible names and tooltips."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from lianmeng.kit.charts import (
    ZERO_FILL,
    Edge,
    Node,
    Series,
    axis,
    bar_chart,
    circle_layout,
    heat_colour,
    heat_map,
    horizontal_bar_chart,
    network,
    nice_step,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """Well-formed XML with an accessible name."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root[0].tag == f"{SVG}title" and root[0].text == root.get("aria-label")
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == "chart-bar"]


@pytest.mark.parametrize(("raw", "step"), [(0, 1), (0.3, 1), (1, 1), (1.2, 2), (3, 5), (7, 10), (12, 20),
                                           (49, 50), (51, 100), (2_500, 5_000)])
def test_nice_steps(raw: float, step: int) -> None:
    assert nice_step(raw) == step


@pytest.mark.parametrize(("largest", "top", "step"), [(0, 1, 1), (3, 3, 1), (7, 8, 2), (10, 10, 5), (19, 20, 5),
                                                      (101, 150, 50), (195_000, 200_000, 50_000)])
def test_axis_reaches_the_largest_value_with_at_most_four_ticks(largest: int, top: int, step: int) -> None:
    assert axis(largest) == (top, step)
    assert top >= largest and top // step <= 4 and top % step == 0


def test_grouped_bars_one_per_week_and_series_proportional_to_the_values() -> None:
    weeks = ["W45", "W46", "W47"]
    svg = bar_chart(weeks, [Series("引流", [10, 4, 0], "#999"), Series("到店", [5, 2, 0], "#2f80ed"),
                            Series("成交", [3, 1, 0], "#c8102e")], label="每周引流漏斗")
    assert isinstance(svg, Markup) and isinstance(svg, str)
    root = parse(svg)
    shapes = bars(root)
    assert len(shapes) == 9
    heights = {(b.get("data-series"), b.get("data-value")): float(b.get("height") or 0) for b in shapes}
    assert heights[("引流", "10")] == pytest.approx(2 * heights[("到店", "5")], abs=0.2)
    assert heights[("引流", "10")] == pytest.approx(10 * heights[("成交", "1")], abs=0.2)
    assert heights[("成交", "0")] == 0
    bottoms = {round(float(b.get("y") or 0) + float(b.get("height") or 0), 1) for b in shapes}
    assert len(bottoms) == 1  # every bar stands on the same baseline
    text = "".join(root.itertext())
    for label in ("W45", "W46", "W47", "引流", "到店", "成交"):
        assert label in text
    assert "W46 · 到店: 2" in text  # tooltip
    assert 'aria-label="每周引流漏斗"' in svg
    assert 'class="bar"' not in svg  # the site's CSS gives `.bar` a fixed height: it would flatten the bars


def test_stacked_bars_sit_on_each_other_and_scale_on_the_sum() -> None:
    root = parse(bar_chart(["a", "b"], [Series("x", [3, 1], "#111"), Series("y", [5, 1], "#222")], label="s",
                           stacked=True))
    first = [b for b in bars(root) if b.get("x") == bars(root)[0].get("x")]
    lower, upper = first
    assert float(upper.get("y") or 0) + float(upper.get("height") or 0) == pytest.approx(float(lower.get("y") or 0))
    # 3 + 5 = 8 is the top of the axis, so the stack fills the plot height
    assert float(lower.get("height") or 0) / float(upper.get("height") or 0) == pytest.approx(3 / 5, rel=0.01)
    assert {t.text for t in root.iter(f"{SVG}text")} >= {"0", "2", "4", "6", "8"}


def test_bar_values_can_be_money() -> None:
    svg = bar_chart(["W1"], [Series("营业额", [195_000], "#c8102e")], label="rev",
                    value_format=lambda fen: f"¥{fen // 100:,}")
    assert "W1 · 营业额: ¥1,950" in svg and "¥2,000" in svg  # the axis tops at ¥2,000


def test_text_is_escaped() -> None:
    svg = bar_chart(['<script>"x"</script>'], [Series("a&b", [1], "#000")], label="<b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    parse(svg)


def test_mismatched_series_are_refused() -> None:
    with pytest.raises(ValueError, match="values"):
        bar_chart(["a", "b"], [Series("x", [1], "#000")], label="x")
    with pytest.raises(ValueError, match="values"):
        horizontal_bar_chart(["a"], [Series("x", [1, 2], "#000")], label="x")


@pytest.mark.parametrize("svg", [
    bar_chart([], [Series("x", [], "#000")], label="空"),
    bar_chart(["a"], [], label="空"),
    horizontal_bar_chart([], [], label="空", empty_text="暂无数据"),
    heat_map([], [], [], label="空"),
    network([], [], label="空", colours={}),
])
def test_empty_data_says_so(svg: str) -> None:
    root = parse(svg)
    assert not bars(root) and not re.search(r'class="(cell|node|edge)', svg)
    assert "暂无数据" in svg


def test_horizontal_bars_per_partner_in_and_out() -> None:
    partners = ["健身房", "早教中心", "餐厅"]
    root = parse(horizontal_bar_chart(partners, [Series("接收", [8, 2, 0], "#c8102e"),
                                                 Series("送出", [4, 6, 1], "#2f80ed")], label="客流"))
    shapes = bars(root)
    assert len(shapes) == 6
    widths = {(b.get("data-series"), b.get("data-value")): float(b.get("width") or 0) for b in shapes}
    assert widths[("接收", "8")] == pytest.approx(2 * widths[("送出", "4")], abs=0.2)
    assert widths[("接收", "0")] == 0
    assert len({b.get("x") for b in shapes}) == 1  # all start at the axis
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]
    assert [g.get("data-label") for g in rows] == partners
    assert "早教中心 · 送出: 6" in "".join(root.itertext())


def test_heat_map_cells_numbers_labels_and_colour_by_count() -> None:
    names = ["汽车服务中心", "健身房", "早教"]
    counts = [[0, 5, 1], [2, 0, 0], [0, 10, 0]]
    svg = heat_map(names, names, counts, label="客流矩阵", row_title="推荐商户", col_title="接待商户",
                   skip_diagonal=True)
    root = parse(svg)
    cells = [g for g in root.iter(f"{SVG}g") if g.get("class") == "cell"]
    assert len(cells) == 9
    by_pair = {(g.get("data-row"), g.get("data-col")): g for g in cells}
    hot = by_pair[("早教", "健身房")]
    assert hot.find(f"{SVG}text") is not None and hot.findtext(f"{SVG}text") == "10"
    assert by_pair[("汽车服务中心", "健身房")].findtext(f"{SVG}text") == "5"
    assert by_pair[("健身房", "健身房")].findtext(f"{SVG}text") == "—"  # the diagonal
    assert by_pair[("早教", "健身房")].findtext(f"{SVG}rect/{SVG}title") == "早教 → 健身房: 10"
    fills = {pair: g.find(f"{SVG}rect").get("fill") for pair, g in by_pair.items()}  # type: ignore[union-attr]
    assert fills[("早教", "健身房")] == "#c8102e"  # the largest count: full accent
    assert fills[("健身房", "早教")] == ZERO_FILL
    text = "".join(root.itertext())
    assert "推荐商户" in text and "接待商户" in text and "汽车服务中心" in text
    assert text.count("健身房") >= 2  # as a row label and as a column label


def test_heat_colours_get_darker_with_the_count() -> None:
    def red(colour: str) -> int:
        return int(colour[1:3], 16) + int(colour[3:5], 16) + int(colour[5:7], 16)

    shades = [heat_colour(n, 10) for n in (1, 4, 7, 10)]
    assert [red(s) for s in shades] == sorted((red(s) for s in shades), reverse=True)
    assert heat_colour(0, 10) == ZERO_FILL and heat_colour(3, 0) == ZERO_FILL
    assert heat_colour(10, 10) == "#c8102e" and heat_colour(20, 10) == "#c8102e"


def test_heat_map_shape_must_match_labels() -> None:
    with pytest.raises(ValueError):
        heat_map(["a", "b"], ["a"], [[1]], label="x")


def test_network_places_nodes_on_a_circle_and_colours_edges_by_status() -> None:
    nodes = [Node("1", "汽车服务"), Node("2", "健身房"), Node("3", "早教"), Node("4", "餐厅")]
    edges = [Edge("1", "2", "active", "健身房 ↔ 服务中心 · 生效中"), Edge("1", "2", "draft"),
             Edge("2", "3", "terminated"), Edge("3", "9", "active"), Edge("4", "4", "active")]
    svg = network(nodes, edges, label="协议网络", colours={"active": "#27ae60", "draft": "#bdbdbd"})
    root = parse(svg)
    drawn = [e for e in root.iter(f"{SVG}path") if (e.get("class") or "").startswith("edge")]
    assert [e.get("data-status") for e in drawn] == ["active", "draft", "terminated"]  # unknown/self skipped
    assert drawn[0].get("stroke") == "#27ae60" and drawn[1].get("stroke") == "#bdbdbd"
    assert drawn[2].get("stroke") == "#6b7785"  # a status without a colour: muted
    assert drawn[0].get("d") != drawn[1].get("d")  # two agreements between one pair stay apart
    assert drawn[0].findtext(f"{SVG}title") == "健身房 ↔ 服务中心 · 生效中"
    circles = [c for c in root.iter(f"{SVG}circle")]
    assert len(circles) == 4
    text = "".join(root.itertext())
    assert all(n.label in text for n in nodes)


def test_circle_layout_is_even_and_starts_at_the_top() -> None:
    points = circle_layout(4, 100, 200, 200)
    assert points[0] == pytest.approx((200, 100))
    assert points[1] == pytest.approx((300, 200))
    assert points[2] == pytest.approx((200, 300))
    for x, y in points:
        assert ((x - 200) ** 2 + (y - 200) ** 2) ** 0.5 == pytest.approx(100)
