"""The committee's charts in Chromium, in Hebrew on a phone and on a desktop: they fill their
panel, run right to left, and no text in them is drawn smaller than 12 px."""
from __future__ import annotations

import pytest

from voice.demo.loader import DEMO_PASSWORD, load_demo
from voice.nlp_adapter import run_tagging

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every chart's box against its panel's content box, and the smallest text drawn in any chart:
# an SVG's text is measured as the screen draws it (its font size times the SVG's scale).
MEASURE = """() => {
  const charts = [...document.querySelectorAll('.chart-figure')].map(figure => {
    const chart = figure.querySelector('.bar-chart, .xy-chart, svg');
    const style = getComputedStyle(figure);
    const inner = figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {width: chart.getBoundingClientRect().width, panel: inner, kind: chart.className.baseVal ?? chart.className};
  });
  const sizes = [];
  for (const figure of document.querySelectorAll('.chart-figure')) {
    const walker = document.createTreeWalker(figure, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const element = walker.currentNode.parentElement;
      if (!walker.currentNode.textContent.trim() || element.closest('title, desc, .visually-hidden')) continue;
      let size = parseFloat(getComputedStyle(element).fontSize);
      if (element instanceof SVGElement) size *= element.getScreenCTM().a;
      sizes.push({size, text: walker.currentNode.textContent.trim().slice(0, 30)});
    }
  }
  const smallest = sizes.reduce((a, b) => (b.size < a.size ? b : a), {size: Infinity});
  return {charts, smallest, count: sizes.length, scroll: document.documentElement.scrollWidth};
}"""

# Where the first bar's label, track, bar and value sit (mirrored: the label on the right, the
# bar growing leftwards from the track's right edge, its value to its left).
BAR = """() => {
  const chart = document.querySelector('#main .bar-chart');
  const box = selector => { const r = chart.querySelector(selector).getBoundingClientRect(); return [r.left, r.right]; };
  return {label: box('.bar-label'), track: box('.bar-track'), bar: box('svg.bar'), value: box('.bar-value')};
}"""


@pytest.fixture
def demo(live_app):
    with live_app.app_context():
        load_demo()
        run_tagging()


def sign_in(page, base):
    page.goto(f"{base}/auth/sign-in?lang=he")
    page.fill("input[name=email]", "committee@demo.example.org")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")


@pytest.mark.parametrize("width", [390, 1280])
def test_hebrew_dashboard_charts_fill_their_panel_mirrored_with_readable_text(chromium, live_server, demo, width):
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="he-IL")
    page = context.new_page()
    try:
        sign_in(page, live_server.url)
        for address, name in (("/review/demo?period=all&lang=he", "dashboard"),
                              ("/review/demo/indicators?period=all&indicator=kindergarten_readiness&lang=he",
                               "joined")):
            page.goto(live_server.url + address)
            assert page.evaluate("document.documentElement.dir") == "rtl"
            measured = page.evaluate(MEASURE)
            screenshot(page, f"review-charts-{name}-he-{width}")
            assert measured["scroll"] <= width, f"{name}: the page scrolls sideways"
            assert len(measured["charts"]) >= 2 and measured["count"] > 10
            for chart in measured["charts"]:
                if "map-svg" in chart["kind"]:  # a map keeps its shape: it may stop short of a wide panel
                    assert chart["width"] >= min(chart["panel"], 576) - 1, (name, chart)
                else:
                    assert chart["width"] >= chart["panel"] - 1, (name, chart)
            assert measured["smallest"]["size"] >= 12, (name, measured["smallest"])
            if name == "dashboard":
                bar = page.evaluate(BAR)
                assert bar["label"][0] > bar["track"][1] - 1  # the label to the right of its bar
                assert abs(bar["bar"][1] - bar["track"][1]) < 1 and bar["bar"][0] > bar["track"][0]
                assert bar["value"][1] <= bar["bar"][0] + 1  # the value at the bar's end
    finally:
        context.close()
