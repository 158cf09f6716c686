"""A committee member in Chromium, on the demo, in Hebrew: the joined view for kindergarten
readiness with its linked barriers by neighbourhood, the map, the quadrant, and the PDF."""
from __future__ import annotations

import pytest

from voice.demo.loader import DEMO_PASSWORD, load_demo
from voice.nlp_adapter import run_tagging

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def demo(live_app):
    with live_app.app_context():
        load_demo()
        run_tagging()


@pytest.fixture
def desk(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="he-IL", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def test_committee_member_reads_the_joined_view_in_hebrew_and_exports_the_pdf(desk, live_server, demo, tmp_path):
    page, base = desk, live_server.url
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/auth/sign-in?lang=he")
    page.fill("input[name=email]", "committee@demo.example.org")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{base}/review/demo?lang=he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("table.figures").count() >= 2
    screenshot(page, "review-dashboard-he")

    page.goto(f"{base}/review/demo/indicators?indicator=kindergarten_readiness&lang=he")
    assert "מוכנות לגן חובה" in page.locator("#joined-title").inner_text()
    barriers = page.locator("table.barriers-table")
    assert "נווה תקווה" in barriers.inner_text()  # the linked barriers, by neighbourhood
    assert barriers.locator("thead th").count() >= 3
    assert page.locator("figure.map svg > path").count() == 7  # seven neighbourhoods on the map
    assert page.locator("#quadrant-title").is_visible()
    assert page.locator("svg[role=img]").count() >= 3
    screenshot(page, "review-joined-he")

    with page.expect_download() as download_info:
        page.click("a.pdf-link")
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF") and path.name.endswith("-he.pdf")
    assert not [error for error in errors if "Content Security Policy" in error], errors


def test_joined_view_on_a_phone(page, live_server, demo):
    page.goto(f"{live_server.url}/auth/sign-in?lang=he")
    page.fill("input[name=email]", "committee@demo.example.org")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/review/demo/indicators?indicator=kindergarten_readiness&lang=he")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 420  # charts and tables scroll inside their boxes, the page does not
    screenshot(page, "review-joined-he-phone")
