"""Analysts in Chromium: code 50 demo items by keyboard alone, retrain and see the model's figures
change, preview keywords live, and run a blind double-coding round to read kappa per code."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from voice.accounts import create_user
from voice.extensions import db
from voice.models import Campaign, Tag, VoiceItem
from voice.nlp_adapter import import_codebook, run_tagging, train_model

from ..helpers import PASSWORD
from .conftest import screenshot

pytestmark = pytest.mark.browser

FALLBACK_TEXTS = [
    "The kindergarten is too expensive for us", "There is no bus to the clinic", "Forms only in English",
    "Opening hours clash with my shifts", "The park is dirty at night", "We need more places in daycare",
    "Rent went up again this year", "The library is wonderful", "Nobody told us about the program",
    "The ramp at the school entrance is broken",
]


def _load_items() -> str:
    """The demo when it is there; otherwise enough fixture items to code 50."""
    try:
        from voice.demo.loader import load_demo
    except ImportError:
        load_demo = None
    if load_demo is not None:
        load_demo()
        return "demo"
    import_codebook()
    campaign = Campaign(slug="c", name="C", languages=["en"], group_keys=[])
    db.session.add(campaign)
    db.session.flush()
    for n in range(80):
        db.session.add(VoiceItem(campaign_id=campaign.id, source="answer", source_id=n, channel="online",
                                 original_text=f"{FALLBACK_TEXTS[n % len(FALLBACK_TEXTS)]} ({n})", language="en"))
    db.session.commit()
    return "fixture"


@pytest.fixture
def coding_app(live_app):
    with live_app.app_context():
        _load_items()
        run_tagging()
        train_model()  # a first model from keyword tags only: no human-coded item yet
        for n in (1, 2):
            create_user(email=f"coder{n}@example.org", password=PASSWORD, display_name=f"Coder {n}",
                        role="analyst", locale="en")
    return live_app


def _sign_in(page, base, email):
    page.goto(f"{base}/auth/sign-in?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _key(page, key):
    with page.expect_navigation():
        page.keyboard.press(key)


def _human_items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(func.distinct(Tag.item_id))).where(Tag.source == "human"))


def test_an_analyst_codes_fifty_items_by_keyboard_and_retrains(page, live_server, coding_app):
    base = live_server.url
    _sign_in(page, base, "coder1@example.org")
    page.goto(f"{base}/coding/model")
    before = page.locator("table.health tbody").inner_text()
    summary_before = page.locator("[data-model-summary]").inner_text()
    assert "trained on 0 items coded by people" in summary_before

    page.goto(f"{base}/coding/review")
    screenshot(page, "coding-review")
    # From here on, only the keyboard.
    for n in range(50):
        item_id = page.locator("[data-review] .comment-meta span").last.inner_text()
        if page.locator("[data-current]").count():
            _key(page, "r" if n % 5 == 4 else "a")
            assert page.locator("[data-review] .comment-meta span").last.inner_text() == item_id
        else:
            page.keyboard.press("c")
            page.keyboard.type("cost")
            _key(page, "Enter")
        if n == 0:
            screenshot(page, "coding-review-decided")
        _key(page, "n")
        assert page.locator("[data-review] .comment-meta span").last.inner_text() != item_id
    assert _human_items(coding_app) == 50

    page.goto(f"{base}/coding/model")
    with page.expect_navigation(timeout=300_000):  # training runs in the request without a broker
        page.click("[data-retrain]", no_wait_after=True)
    page.goto(f"{base}/coding/model")
    summary_after = page.locator("[data-model-summary]").inner_text()
    assert "trained on 50 items coded by people" in summary_after
    assert re.search(r"F1 across all tags: \d\.\d\d", summary_after)
    after = page.locator("table.health tbody").inner_text()
    assert after != before
    screenshot(page, "coding-model")

    page.goto(f"{base}/coding/review?lang=he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    screenshot(page, "coding-review-he")


def test_keyword_preview_and_themes(page, live_server, coding_app):
    base = live_server.url
    _sign_in(page, base, "coder1@example.org")
    page.goto(f"{base}/coding/codebook")
    screenshot(page, "coding-codebook")
    page.click("text=New code")
    page.fill("textarea[name=keywords_en]", "bus, expensive")
    page.wait_for_selector("[data-preview-output] mark")
    assert "Matches" in page.locator("[data-preview-output]").first.inner_text()
    screenshot(page, "coding-code-preview")
    page.goto(f"{base}/coding/themes")
    screenshot(page, "coding-themes")


def test_two_analysts_double_code_and_read_kappa(chromium, page, live_server, coding_app):
    base = live_server.url
    _sign_in(page, base, "coder1@example.org")
    page.goto(f"{base}/coding/rounds")
    page.fill("input[name=name]", "April check")
    page.fill("input[name=size]", "8")
    for label in ("Coder 1", "Coder 2"):
        page.get_by_label(label, exact=True).check()
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    def code_all(page, pattern):
        page.click("text=Code my items")
        for n in range(8):
            if pattern(n):
                page.check("input[name=codes][value='barrier.cost']")
            if n % 3 == 0:
                page.check("input[name=codes][value='barrier.transport']")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
        assert "You have coded every item" in page.content()

    code_all(page, lambda n: n % 2 == 0)
    second = chromium.new_context(viewport={"width": 412, "height": 915}, locale="en-US").new_page()
    _sign_in(second, base, "coder2@example.org")
    second.goto(f"{base}/coding/rounds")
    second.click("text=April check")
    screenshot(second, "coding-round-blind")
    code_all(second, lambda n: n < 4)
    kappas = {row.get_attribute("data-code"): row.locator("[data-kappa]").inner_text()
              for row in second.locator("table.agreement tbody tr").all()}
    # Cost: coder 1 on items 0, 2, 4, 6; coder 2 on 0-3: p_o = 4/8, p_e = 1/2, kappa 0.
    assert kappas["barrier.cost"] == "0.00" and kappas["barrier.transport"] == "1.00"
    screenshot(second, "coding-round-agreement")
    second.context.close()


@pytest.fixture
def few_items(live_app):
    """A handful of keyword-tagged items and one analyst: enough to press each shortcut."""
    with live_app.app_context():
        import_codebook()
        campaign = Campaign(slug="c", name="C", languages=["en"], group_keys=[])
        db.session.add(campaign)
        db.session.flush()
        for n, text in enumerate(FALLBACK_TEXTS[:4]):
            db.session.add(VoiceItem(campaign_id=campaign.id, source="answer", source_id=n, channel="online",
                                     original_text=text, language="en"))
        db.session.commit()
        run_tagging()
        create_user(email="coder1@example.org", password=PASSWORD, display_name="Coder 1", role="analyst",
                    locale="he")
    return live_app


def _press_on_layout(page, key: str, code: str):
    """A key as a Hebrew or Arabic keyboard sends it: the letter of that script, the key's place."""
    with page.expect_navigation():
        page.evaluate("([key, code]) => document.body.dispatchEvent(new KeyboardEvent('keydown', "
                      "{key: key, code: code, bubbles: true, cancelable: true}))", [key, code])


@pytest.mark.parametrize("accept, next_item", [("ש", "מ"), ("ش", "ى")], ids=["hebrew", "arabic"])
def test_shortcuts_work_on_hebrew_and_arabic_keyboards(page, live_server, few_items, accept, next_item):
    base = live_server.url
    _sign_in(page, base, "coder1@example.org")
    page.goto(f"{base}/coding/review?lang=he")
    item_id = page.locator("[data-review] .comment-meta span").last.inner_text()
    assert page.locator("[data-current]").count() == 1
    _press_on_layout(page, accept, "KeyA")  # the key marked A
    assert _human_items(few_items) == 1
    assert page.locator("[data-review] .comment-meta span").last.inner_text() == item_id
    _press_on_layout(page, next_item, "KeyN")
    assert page.locator("[data-review] .comment-meta span").last.inner_text() != item_id
