"""The charts' markup: mirrored right to left, no text set below 12 px, every point numbered in a key."""
from __future__ import annotations

import re

from voice.review import charts

POINTS = [{"label": "Las Palmas", "x": 4.8, "y": 32.0}, {"label": "North End", "x": -3.0, "y": 20.0}]


def quadrant(rtl: bool) -> str:
    return str(charts.quadrant_chart(POINTS, y_split=25.0, title="t", desc="d", x_label="x", y_label="y",
                                     quadrant_labels=["a", "b", "c", "d"], ident="q", number=lambda v: f"{v:.0f}%",
                                     signed=lambda v: f"{v:+.1f}", rtl=rtl))


def dot_positions(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<circle cx="([\d.]+)%" cy="[\d.]+" r="11"', svg)]


def test_the_quadrant_is_mirrored_right_to_left():
    ltr, rtl = dot_positions(quadrant(False)), dot_positions(quadrant(True))
    assert len(ltr) == 2 and ltr[0] > 50 > ltr[1]  # worse than average: towards the end of the line
    assert [round(100 - x, 2) for x in ltr] == rtl


def test_quadrant_places_are_named_in_a_key_not_beside_their_dots():
    html = quadrant(False)
    plot = html.split('class="plot"')[1].split("</svg>")[0]
    assert "Las Palmas" not in plot and re.findall(r">(\d)</text>", plot) == ["1", "2"]
    assert '<bdi>Las Palmas</bdi> <bdi dir="ltr">+4.8</bdi>' in html


def test_no_chart_sets_text_below_12_px():
    areas = [{"label": "North", "value": 40.0, "geometry": {"type": "Polygon", "coordinates": [
        [[34.8, 32.0], [34.82, 32.0], [34.82, 32.02], [34.8, 32.0]]]}}]
    drawn = [quadrant(False), str(charts.trend_chart(["2024", "2025"], [{"label": "North", "values": [50.0, 55.0]}],
                                                     title="t", desc="d", ident="t", number=str, y_label="y")),
             str(charts.map_chart(areas, title="t", desc="d", hidden_label="h", number=str, ident="m")),
             str(charts.bar_chart([{"label": "Cost", "value": 55.0}], title="t", desc="d", hidden_label="h",
                                  ident="b", number=str))]
    sizes = [int(size) for html in drawn for size in re.findall(r'font-size="(\d+)"', html)]
    assert sizes and min(sizes) >= 12
