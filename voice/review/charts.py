"""Charts drawn on the server: bars, trends, the quadrant and the map.

Every chart fills its panel at any width and keeps its text at 12 px or more: bars are HTML
rows (each bar a one-rectangle SVG as wide as its share), the trend and the quadrant are SVGs
of a fixed height whose horizontal positions are percentages (text is never scaled down), and
their axis titles, legends and quadrant names are HTML that wraps. With ``rtl`` (Hebrew,
Arabic) a chart is mirrored: bars grow from the right, the horizontal axis runs right to left.

The CSP forbids ``style=`` attributes, so colours and sizes are SVG presentation attributes
(``fill=``, ``stroke=``, ``font-size=``) and layout is in the stylesheet. Each chart carries
a title and a description; the page shows the same figures as a table next to it (the text
alternative). ``number`` formats a value for the reader's locale (a callable, so that this
module stays free of Flask).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from markupsafe import Markup, escape

PALETTE = ["#1f5fa8", "#d1495b", "#2e8540", "#9a6a00", "#6a4c93", "#00798c", "#8d6e63", "#c2185b"]
# Sequential blues for the map, light to dark; grey hatch for hidden or missing values.
SHADES = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
HIDDEN = "#d9d9d9"
FONT = "system-ui, 'Noto Sans', 'Noto Sans Hebrew', 'Noto Sans Arabic', 'Noto Sans Ethiopic', sans-serif"
TEXT_SIZE = 13  # px, in SVGs that are never scaled down
PLOT_HEIGHT = 300
AXIS_WIDTH = 52  # px: the column of the vertical axis' numbers, beside the plot

Number = Callable[[float], str]


def _svg(attributes: str, body: list[str], *, title: str = "", desc: str = "", ident: str = "") -> Markup:
    labelled = (f'role="img" aria-labelledby="{ident}-t {ident}-d"' if ident
                else 'aria-hidden="true" focusable="false"')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" {attributes} {labelled} direction="ltr" '
            f'font-family="{escape(FONT)}" font-size="{TEXT_SIZE}">')
    if ident:
        head += f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float | str, y: float, text: str, **attributes: Any) -> str:
    attrs = " ".join(f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items())
    x = f"{x:.2f}%" if isinstance(x, float) else x
    return f'<text x="{x}" y="{y:.1f}" {attrs}>{escape(text)}</text>'


def _x(percent: float, rtl: bool) -> float:
    """A horizontal position in percent of the width, mirrored right to left."""
    return 100 - percent if rtl else percent


def _anchor(anchor: str, rtl: bool) -> str:
    return {"start": "end", "end": "start"}.get(anchor, anchor) if rtl else anchor


def _isolated(text: str) -> Markup:
    return Markup('<bdi dir="ltr">%s</bdi>') % text


def bar_chart(rows: Sequence[dict[str, Any]], *, title: str, desc: str, hidden_label: str, ident: str,
              number: Number) -> Markup:
    """Horizontal bars: rows of {"label", "value" (0–100 or None when hidden)}, as HTML rows. A
    bar is an SVG as wide as its share of the track, its value written at its end: the row runs
    in the page's direction, so bars grow from the right in Hebrew and Arabic."""
    html = [f'<div class="bar-chart" role="img" aria-labelledby="{ident}-t {ident}-d">'
            f'<span class="visually-hidden" id="{ident}-t">{escape(title)}</span>'
            f'<span class="visually-hidden" id="{ident}-d">{escape(desc)}</span>']
    for row in rows:
        value = row.get("value")
        html.append(f'<div class="bar-row"><span class="bar-label"><bdi>{escape(row["label"])}</bdi></span>')
        if value is None:
            html.append(f'<span class="bar-track bar-hidden">{escape(hidden_label)}</span></div>')
            continue
        # 85% of the track at most: the value stays beside a full bar.
        length = 0.85 * max(0.0, min(100.0, value))
        bar = _svg(f'class="bar" width="{length:.2f}%" height="18"',
                   [f'<rect width="100%" height="100%" fill="{PALETTE[0]}"/>'])
        html.append(f'<span class="bar-track">{bar}<span class="bar-value">{_isolated(number(value))}</span>'
                    '</span></div>')
    return Markup("".join(html) + "</div>")


def _axis(ticks: Sequence[tuple[float, str]]) -> Markup:
    """The vertical axis' numbers in their own column ({y in px: label}), beside the plot (on its
    left or right as the page runs). Centred: a renderer that reads start and end by the page's
    direction (WeasyPrint) draws them in the same place as one that does not."""
    body = [_text(f"{AXIS_WIDTH / 2:.0f}", y + 4, label, text_anchor="middle", fill="#4a5466") for y, label in ticks]
    return _svg(f'class="axis" width="{AXIS_WIDTH}" height="{PLOT_HEIGHT}"', body)


def _plot(title: str, desc: str, ident: str, body: list[str]) -> Markup:
    return _svg(f'class="plot" width="100%" height="{PLOT_HEIGHT}"', body, title=title, desc=desc, ident=ident)


def _gridline(y: float) -> str:
    return f'<line x1="0%" x2="100%" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dbe5"/>'


def trend_chart(periods: Sequence[str], series: Sequence[dict[str, Any]], *, title: str, desc: str,
                ident: str, number: Number, y_label: str, rtl: bool = False) -> Markup:
    """Lines over periods: series of {"label", "values": [float|None per period]}."""
    values = [v for s in series for v in s["values"] if v is not None]
    if not values or not periods:
        return Markup('<p class="empty">%s</p>') % desc
    low, high = math.floor(min(values) / 10) * 10, math.ceil(max(values) / 10) * 10
    high = high if high > low else low + 10
    top, bottom = 12, PLOT_HEIGHT - 28

    def xy(i: int, v: float) -> tuple[float, float]:
        x = 8 + (84 * i / (len(periods) - 1) if len(periods) > 1 else 42)
        return _x(x, rtl), top + (bottom - top) * (1 - (v - low) / (high - low))

    ticks = [(xy(0, low + (high - low) * step / 4)[1], number(low + (high - low) * step / 4)) for step in range(5)]
    body = [_gridline(y) for y, _label in ticks]
    body += [_text(xy(i, low)[0], PLOT_HEIGHT - 8, period, text_anchor="middle", fill="#4a5466")
             for i, period in enumerate(periods)]
    legend = []
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [xy(i, v) for i, v in enumerate(s["values"]) if v is not None]
        body += [f'<line x1="{a[0]:.2f}%" y1="{a[1]:.1f}" x2="{b[0]:.2f}%" y2="{b[1]:.1f}" stroke="{colour}" '
                 f'stroke-width="2.5"/>' for a, b in zip(points, points[1:])]
        body += [f'<circle cx="{x:.2f}%" cy="{y:.1f}" r="4" fill="{colour}"/>' for x, y in points]
        legend.append(f'<li>{_swatch(colour)}<bdi>{escape(s["label"])}</bdi></li>')
    return Markup(f'<div class="xy-chart"><p class="axis-title">{escape(y_label)}</p>'
                  f'<div class="plot-row">{_axis(ticks)}{_plot(title, desc, ident, body)}</div>'
                  f'<ul class="chart-legend">{"".join(legend)}</ul></div>')


def _swatch(colour: str, text: str = "") -> str:
    """A legend's colour key (a circle holding ``text`` when given: the quadrant's numbers)."""
    inner = _text("50%", 15, text, text_anchor="middle", fill="#ffffff", font_size="12", font_weight="700") \
        if text else ""
    return _svg('class="swatch" width="22" height="22"',
                [f'<circle cx="11" cy="11" r="10" fill="{colour}"/>{inner}'])


def quadrant_chart(points: Sequence[dict[str, Any]], *, y_split: float | None, title: str, desc: str,
                   x_label: str, y_label: str, quadrant_labels: Sequence[str], ident: str,
                   number: Number, signed: Number, rtl: bool = False) -> Markup:
    """Indicator shortfall (x; towards the end = worse than average) against the share raising the
    linked barriers (y). Dots are numbered; the key below names them, so no label overlaps or
    runs off the edge. ``quadrant_labels``: top-end, top-start, bottom-start, bottom-end."""
    xs = [p["x"] for p in points] or [0.0]
    ys = [p["y"] for p in points] or [0.0]
    span_x = max(5.0, max(abs(x) for x in xs) * 1.15)
    high_y = max(10.0, math.ceil(max(ys) * 1.15 / 5) * 5)
    split = y_split if y_split is not None else sum(ys) / len(ys)
    top, bottom = 56, PLOT_HEIGHT - 56  # bands above and below for the quadrants' names

    def xy(x: float, y: float) -> tuple[float, float]:
        return _x(6 + 88 * (x + span_x) / (2 * span_x), rtl), bottom - (bottom - top) * y / high_y

    ticks = [(xy(0, v)[1], number(v)) for v in (0, high_y / 2, high_y)]
    cx, cy = xy(0, split)
    shaded_x = min(cx, 100.0) if not rtl else 0.0
    body = [f'<rect x="{shaded_x:.2f}%" y="0" width="{(100 - cx) if not rtl else cx:.2f}%" height="{cy:.1f}" '
            f'fill="#fdecea"/>']
    body += [_gridline(y) for y, _label in ticks]
    body.append(f'<line x1="{cx:.2f}%" x2="{cx:.2f}%" y1="0" y2="{PLOT_HEIGHT}" stroke="#5b6577" stroke-dasharray="4 3"/>')
    body.append(f'<line x1="0%" x2="100%" y1="{cy:.1f}" y2="{cy:.1f}" stroke="#5b6577" stroke-dasharray="4 3"/>')
    for value, anchor in ((-span_x, "start"), (0.0, "middle"), (span_x, "end")):
        x, _y = xy(value, 0)
        body.append(_text(x, PLOT_HEIGHT - 8, signed(value), fill="#4a5466",
                          text_anchor=_anchor(anchor, rtl)))
    key = []
    for index, p in enumerate(points):
        x, y = xy(p["x"], p["y"])
        colour = PALETTE[index % len(PALETTE)]
        body.append(f'<circle cx="{x:.2f}%" cy="{y:.1f}" r="11" fill="{colour}" stroke="#ffffff"/>')
        body.append(_text(x, y + 4.5, str(index + 1), text_anchor="middle", fill="#ffffff", font_size="12",
                          font_weight="700"))
        key.append(f'<li>{_swatch(colour, str(index + 1))}<bdi>{escape(p["label"])}</bdi> '
                   f'{_isolated(signed(p["x"]))} · {_isolated(number(p["y"]))}</li>')
    corners = "".join(f'<span class="corner {place}">{escape(label)}</span>' for place, label in
                      zip(("top-end", "top-start", "bottom-start", "bottom-end"), quadrant_labels))
    return Markup(f'<div class="xy-chart quadrant-chart"><p class="axis-title">{escape(y_label)}</p>'
                  f'<div class="plot-row">{_axis(ticks)}<div class="plot-area">'
                  f'{_plot(title, desc, ident, body)}{corners}</div></div>'
                  f'<p class="axis-title x-title">{escape(x_label)}</p>'
                  f'<ol class="chart-legend point-key">{"".join(key)}</ol></div>')


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


# The map keeps its shape, so it scales as a whole: drawn this wide, its 13-unit labels stay at
# 12 px or more down to a 300 px panel; the stylesheet stops it growing past a readable size.
MAP_WIDTH, MAP_HEIGHT = 320, 300


def map_chart(areas: Sequence[dict[str, Any]], *, title: str, desc: str, hidden_label: str,
              number: Number, ident: str) -> Markup:
    """Areas {"label", "geometry", "value" (None: hidden or missing)} shaded in five classes."""
    rings = [(a, ring) for a in areas if a.get("geometry") for ring in _rings(a["geometry"])]
    if not rings:
        return Markup('<p class="empty">%s</p>') % desc
    lons = [pt[0] for _, ring in rings for pt in ring]
    lats = [pt[1] for _, ring in rings for pt in ring]
    mid_lat = math.radians((min(lats) + max(lats)) / 2)
    span_x = (max(lons) - min(lons)) * math.cos(mid_lat) or 1
    span_y = (max(lats) - min(lats)) or 1
    scale = min((MAP_WIDTH - 8) / span_x, (MAP_HEIGHT - 8) / span_y)
    height = span_y * scale + 8

    def project(lon: float, lat: float) -> tuple[float, float]:
        return 4 + (lon - min(lons)) * math.cos(mid_lat) * scale, 4 + (max(lats) - lat) * scale

    shown = [a["value"] for a in areas if a.get("value") is not None]
    bounds = classes(shown) if shown else []

    def shade(value: float | None) -> str | None:
        if value is None or not bounds:
            return None
        return next((SHADES[i] for i, (_low, high) in enumerate(bounds) if value <= high + 1e-9), SHADES[-1])

    body = [f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{HIDDEN}"/><path d="M0,6 L6,0" stroke="#9a9a9a"/></pattern></defs>']
    for area, ring in rings:
        path = "M" + " L".join("{:.1f},{:.1f}".format(*project(lon, lat)) for lon, lat in ring) + " Z"
        value = hidden_label if area.get("value") is None else number(area["value"])
        fill = shade(area.get("value")) or f"url(#{ident}-hatch)"
        body.append(f'<path d="{path}" fill="{fill}" stroke="#ffffff" stroke-width="2">'
                    f'<title>{escape(area["label"])}: {escape(value)}</title></path>')
    for area in areas:
        if area.get("geometry"):
            body += _area_label(area, [project(lon, lat) for ring in _rings(area["geometry"]) for lon, lat in ring[:-1]],
                                shade(area.get("value")), number)
    svg = _svg(f'class="map-svg" viewBox="0 0 {MAP_WIDTH} {height:.0f}"', body, title=title, desc=desc, ident=ident)
    legend = [f'<li>{_box(SHADES[i])}{_isolated(number(low))}–{_isolated(number(high))}</li>'
              for i, (low, high) in enumerate(bounds)]
    legend.append(f'<li>{_box(HIDDEN)}{escape(hidden_label)}</li>')
    return Markup(f'{svg}<ul class="chart-legend">{"".join(legend)}</ul>')


def _area_label(area: dict[str, Any], points: list[tuple[float, float]], fill: str | None, number: Number) -> list[str]:
    x, y = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    ink = "#ffffff" if fill in SHADES[3:] else "#1d2430"
    value = [] if area.get("value") is None else [
        f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" font-weight="700" fill="{ink}">'
        f'{escape(number(area["value"]))}</text>']
    return [f'<text x="{x:.1f}" y="{y - 2:.1f}" text-anchor="middle" fill="{ink}">{escape(area["label"])}</text>',
            *value]


def _box(colour: str) -> str:
    return _svg('class="swatch" width="22" height="14"', [f'<rect width="22" height="14" fill="{colour}"/>'])
