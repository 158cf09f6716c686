"""A person in Chromium: signs in, creates a campaign and a committee user, reads Hebrew RTL."""
from __future__ import annotations

import pytest

from voice.accounts import create_user

from ..helpers import PASSWORD
from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(live_app):
    with live_app.app_context():
        create_user(email="admin@example.org", password=PASSWORD, display_name="Dana Admin", role="admin")


def _sign_in(page, base, email="admin@example.org"):
    page.goto(f"{base}/auth/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def test_admin_creates_a_campaign_and_a_committee_user(page, live_server, admin):
    _sign_in(page, live_server.url)
    assert page.locator("h1").inner_text().startswith("Welcome")
    page.goto(f"{live_server.url}/campaigns/new")
    page.fill("input[name=name]", "Neve Tikva listens")
    page.fill("input[name=slug]", "neve-tikva")
    page.check("input[name=languages][value=he]")
    page.check("input[name=languages][value=am]")
    page.fill("input[name=group_keys]", "role, age_band")
    page.click("main button[type=submit]")
    assert "Neve Tikva listens" in page.locator(".cards").inner_text()
    page.goto(f"{live_server.url}/auth/users/new")
    page.fill("input[name=email]", "rivka@example.org")
    page.fill("input[name=display_name]", "Rivka Committee")
    page.select_option("select[name=role]", "committee")
    page.select_option("select[name=locale]", "he")
    page.fill("input[name=password]", "another long password")
    page.click("main button[type=submit]")
    assert "Rivka Committee" in page.locator("table").inner_text()
    screenshot(page, "users")


def test_hebrew_and_arabic_pages_are_right_to_left(page, live_server, admin):
    for locale in ("he", "ar"):
        page.goto(f"{live_server.url}/auth/sign-in?lang={locale}")
        direction = page.evaluate("getComputedStyle(document.documentElement).direction")
        assert direction == "rtl"
        # The form's label starts at the right edge: logical properties flip the layout.
        label = page.locator("label[for=email]").bounding_box()
        field = page.locator("input[name=email]").bounding_box()
        assert label["x"] + label["width"] == pytest.approx(field["x"] + field["width"], abs=2)
        screenshot(page, f"sign-in-{locale}")
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/?lang=he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    screenshot(page, "home-he")


def test_pages_load_nothing_from_outside_and_run_no_inline_script(page, live_server, admin):
    outside, violations = [], []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else outside.append(request.url))
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    _sign_in(page, live_server.url)
    for path in ("/", "/campaigns/", "/auth/users"):
        page.goto(live_server.url + path)
    assert outside == [] and violations == []
