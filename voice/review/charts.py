"""Charts drawn on the server as SVG: bars, trends, the quadrant and the map.

The CSP forbids ``style=`` attributes, so colours and sizes are SVG presentation attributes
(``fill=``, ``stroke=``, ``font-size=``). Each chart carries a <title> and <desc>; the page
shows the same figures as a table next to it (the text alternative).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from markupsafe import Markup, escape

PALETTE = ["#1f5fa8", "#d1495b", "#2e8540", "#edae49", "#6a4c93", "#00798c", "#8d6e63", "#c2185b"]
# Sequential blues for the map, light to dark; grey hatch for hidden or missing values.
SHADES = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
HIDDEN = "#d9d9d9"
FONT = "system-ui, 'Noto Sans', 'Noto Sans Hebrew', 'Noto Sans Arabic', 'Noto Sans Ethiopic', sans-serif"


def _svg(width: int, height: int, title: str, desc: str, body: list[str], ident: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d" direction="ltr" '
            f'font-family="{escape(FONT)}" font-size="12">'
            f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, **attributes: Any) -> str:
    attrs = " ".join(f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {attrs}>{escape(text)}</text>'


def bar_chart(rows: Sequence[dict[str, Any]], *, title: str, desc: str, hidden_label: str,
              ident: str) -> Markup:
    """Horizontal bars: rows of {"label", "value" (0–100 or None when hidden)}.

    Charts are drawn left to right in every language (numbers read that way); labels in
    Hebrew or Arabic still read right to left inside their own text runs.
    """
    width, bar_area, row_height = 560, 300, 26
    label_width = width - bar_area - 60
    height = row_height * len(rows) + 10
    body = []
    for i, row in enumerate(rows):
        y = 5 + i * row_height
        value = row.get("value")
        body.append(_text(label_width - 6, y + 16, row["label"][:38], text_anchor="end"))
        if value is None:
            body.append(_text(label_width, y + 16, hidden_label, fill="#5b6577"))
            continue
        length = bar_area * max(0.0, min(100.0, value)) / 100
        body.append(f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row_height - 8}" '
                    f'fill="{PALETTE[0]}"/>')
        body.append(_text(label_width + length + 4, y + 16, f"{value:.0f}%"))
    return _svg(width, height, title, desc, body, ident)


def trend_chart(periods: Sequence[str], series: Sequence[dict[str, Any]], *, title: str, desc: str,
                ident: str) -> Markup:
    """Lines over periods: series of {"label", "values": [float|None per period]}."""
    width, height, left, right, top, bottom = 560, 260, 44, 150, 14, 30
    values = [v for s in series for v in s["values"] if v is not None]
    if not values or not periods:
        return _svg(width, 40, title, desc, [], ident)
    low, high = math.floor(min(values) / 10) * 10, math.ceil(max(values) / 10) * 10
    high = high if high > low else low + 10
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (len(periods) - 1) if len(periods) > 1 else plot_w / 2)
        return x, top + plot_h * (1 - (v - low) / (high - low))

    body = []
    for step in range(5):
        v = low + (high - low) * step / 4
        _, y = xy(0, v)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dbe5"/>')
        body.append(_text(left - 6, y + 4, f"{v:.0f}", text_anchor="end", fill="#5b6577"))
    for i, period in enumerate(periods):
        x, _ = xy(i, low)
        body.append(_text(x, height - 8, period, text_anchor="middle", fill="#5b6577"))
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [xy(i, v) for i, v in enumerate(s["values"]) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for x, y in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
        ly = top + 14 + index * 18
        body.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="12" height="12" fill="{colour}"/>')
        body.append(_text(left + plot_w + 30, ly + 1, s["label"][:20]))
    return _svg(width, height, title, desc, body, ident)


def quadrant_chart(points: Sequence[dict[str, Any]], *, y_split: float | None, title: str, desc: str,
                   x_label: str, y_label: str, quadrant_labels: Sequence[str], ident: str) -> Markup:
    """Indicator shortfall (x; right = worse than average) against the share raising linked barriers (y)."""
    width, height, left, top, size_w, size_h = 560, 400, 56, 20, 470, 330
    xs = [p["x"] for p in points] or [0.0]
    ys = [p["y"] for p in points] or [0.0]
    span_x = max(5.0, max(abs(x) for x in xs) * 1.2)
    high_y = max(10.0, math.ceil(max(ys) * 1.2 / 5) * 5)
    split = y_split if y_split is not None else sum(ys) / len(ys)

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + size_w * (x + span_x) / (2 * span_x), top + size_h * (1 - y / high_y)

    body = [f'<rect x="{left}" y="{top}" width="{size_w}" height="{size_h}" fill="#ffffff" stroke="#9aa5b5"/>']
    cx, cy = xy(0, split)
    body.append(f'<rect x="{cx:.1f}" y="{top}" width="{left + size_w - cx:.1f}" height="{cy - top:.1f}" fill="#fdecea"/>')
    body.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top}" y2="{top + size_h}" stroke="#5b6577" stroke-dasharray="4 3"/>')
    body.append(f'<line x1="{left}" x2="{left + size_w}" y1="{cy:.1f}" y2="{cy:.1f}" stroke="#5b6577" stroke-dasharray="4 3"/>')
    corners = [(left + size_w - 6, top + 14, "end"), (left + 6, top + 14, "start"),
               (left + 6, top + size_h - 8, "start"), (left + size_w - 6, top + size_h - 8, "end")]
    for (x, y, anchor), label in zip(corners, quadrant_labels):
        body.append(_text(x, y, label, text_anchor=anchor, fill="#5b6577", font_size="11"))
    for index, p in enumerate(points):
        x, y = xy(p["x"], p["y"])
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{PALETTE[index % len(PALETTE)]}" stroke="#ffffff"/>')
        body.append(_text(x + 9, y + 4, p["label"], font_size="11"))
    body.append(_text(left + size_w / 2, height - 14, x_label, text_anchor="middle"))
    body.append(f'<text x="14" y="{top + size_h / 2:.1f}" text-anchor="middle" '
                f'transform="rotate(-90 14 {top + size_h / 2:.1f})">{escape(y_label)}</text>')
    for v in (0, high_y / 2, high_y):
        _, y = xy(0, v)
        body.append(_text(left - 6, y + 4, f"{v:.0f}%", text_anchor="end", fill="#5b6577", font_size="10"))
    return _svg(width, height, title, desc, body, ident)


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def classes(values: Sequence[float]) -> list[tuple[float, float]]:
    """Five equal-width classes over the visible values (their bounds, for the legend)."""
    low, high = min(values), max(values)
    if high == low:
        high = low + 1
    step = (high - low) / len(SHADES)
    return [(low + i * step, low + (i + 1) * step) for i in range(len(SHADES))]


def map_chart(areas: Sequence[dict[str, Any]], *, title: str, desc: str, hidden_label: str,
              unit_suffix: str, ident: str) -> Markup:
    """Areas {"label", "geometry", "value" (None: hidden or missing)} shaded in five classes."""
    rings = [(a, ring) for a in areas if a.get("geometry") for ring in _rings(a["geometry"])]
    width, height, legend_h = 560, 420, 120
    if not rings:
        return _svg(width, 40, title, desc, [], ident)
    lons = [pt[0] for _, ring in rings for pt in ring]
    lats = [pt[1] for _, ring in rings for pt in ring]
    mid_lat = math.radians((min(lats) + max(lats)) / 2)
    span_x = (max(lons) - min(lons)) * math.cos(mid_lat) or 1
    span_y = (max(lats) - min(lats)) or 1
    scale = min((width - 20) / span_x, (height - legend_h - 20) / span_y)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - min(lons)) * math.cos(mid_lat) * scale, 10 + (max(lats) - lat) * scale

    shown = [a["value"] for a in areas if a.get("value") is not None]
    bounds = classes(shown) if shown else []

    def shade(value: float | None) -> str:
        if value is None or not bounds:
            return HIDDEN
        for index, (_low, high) in enumerate(bounds):
            if value <= high + 1e-9:
                return SHADES[index]
        return SHADES[-1]

    body = ['<defs><pattern id="{0}-hatch" width="6" height="6" patternUnits="userSpaceOnUse">'
            '<rect width="6" height="6" fill="{1}"/><path d="M0,6 L6,0" stroke="#9a9a9a"/></pattern></defs>'
            .format(ident, HIDDEN)]
    for area, ring in rings:
        path = "M" + " L".join("{:.1f},{:.1f}".format(*project(lon, lat)) for lon, lat in ring) + " Z"
        fill = shade(area.get("value")) if area.get("value") is not None else f"url(#{ident}-hatch)"
        body.append(f'<path d="{path}" fill="{fill}" stroke="#ffffff" stroke-width="2"><title>'
                    f'{escape(area["label"])}: {escape(_fmt(area.get("value"), unit_suffix, hidden_label))}</title></path>')
    for area in areas:
        if not area.get("geometry"):
            continue
        points = [project(lon, lat) for ring in _rings(area["geometry"]) for lon, lat in ring[:-1]]
        x, y = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
        dark = area.get("value") is not None and shade(area["value"]) in SHADES[3:]
        body.append(_text(x, y - 2, area["label"], text_anchor="middle", font_size="11",
                          fill="#ffffff" if dark else "#1d2430"))
        body.append(_text(x, y + 12, _fmt(area.get("value"), unit_suffix, hidden_label), text_anchor="middle",
                          font_size="11", font_weight="700", fill="#ffffff" if dark else "#1d2430"))
    ly = height - legend_h + 20
    for index, (low, high) in enumerate(bounds):
        body.append(f'<rect x="{10 + index * 90}" y="{ly}" width="86" height="14" fill="{SHADES[index]}"/>')
        body.append(_text(10 + index * 90, ly + 30, f"{low:.0f}–{high:.0f}{unit_suffix}", font_size="11"))
    body.append(f'<rect x="10" y="{ly + 48}" width="30" height="14" fill="url(#{ident}-hatch)"/>')
    body.append(_text(48, ly + 60, hidden_label, font_size="11"))
    return _svg(width, height, title, desc, body, ident)


def _fmt(value: float | None, suffix: str, hidden_label: str) -> str:
    return hidden_label if value is None else f"{value:.0f}{suffix}"
