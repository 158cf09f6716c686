"""A facilitator in Chromium records a house party by keyboard alone, and reviews a pasted transcript."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from voice.accounts import create_user
from voice.extensions import db
from voice.models import Campaign, Comment, ListeningSession, VoiceItem

from ..helpers import PASSWORD
from .conftest import screenshot

pytestmark = pytest.mark.browser

COMMENTS = [
    "The bus stops running at eight, so night-shift parents walk home.",
    "Daycare costs more than our rent.",
    "There is no after-school programme within walking distance.",
    "The clinic only has forms in Hebrew.",
    "Our street has no lights near the park.",
    "Teenagers have nowhere to go in the evening.",
    "The waitlist for the kindergarten is a year long.",
    "Nobody told us about the council meeting.",
    "My name is Dana and my number is 050-123-4567, call me about the crossing.",
    "The playground is broken and nobody fixes it.",
]


@pytest.fixture
def facilitator(live_app):
    with live_app.app_context():
        create_user(email="fac@example.org", password=PASSWORD, display_name="Tamar Facilitator", role="facilitator")
        db.session.add(Campaign(slug="neve", name="Neve Tikva listens", languages=["en", "he"],
                                group_keys=["role"]))
        db.session.commit()


def _sign_in(page, base):
    """Sign in by keyboard too: the e-mail box has the focus, Tab to the password, Enter."""
    page.goto(f"{base}/auth/sign-in")
    expect(page.locator("input[name=email]")).to_be_focused()  # autofocus, before typing: on a busy machine it lags
    page.keyboard.type("fac@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_house_party_with_thirty_comments_by_keyboard_only(page, live_server, live_app, facilitator):
    base = live_server.url
    _sign_in(page, base)
    started = time.monotonic()
    # No mouse from here on: an address, typing, Tab, Shift+Tab and Enter.
    page.goto(f"{base}/sessions/new")  # one campaign: straight to its form, the title focused
    page.keyboard.type("House party at the Levi home")
    page.keyboard.press("Enter")  # today, now, house party, the campaign's first language
    page.wait_for_selector("textarea[name=text]:focus")
    assert page.url.startswith(f"{base}/sessions/")
    for number in range(1, 31):
        text = COMMENTS[(number - 1) % len(COMMENTS)]
        if number % 3 == 0:
            page.keyboard.type(f"Parent: {text}")  # the role prefix, typed
        elif number % 5 == 0:
            page.keyboard.press("Shift+Tab")  # back from the text to the language, then the role
            page.keyboard.press("Shift+Tab")
            page.keyboard.type("Provider")  # a closed <select> picks by typing
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            page.keyboard.type(text)
        else:
            page.keyboard.type(text)
            if number == 1:
                page.keyboard.press("Shift+Enter")  # a new line, not a save
                page.keyboard.type("Second line of the same comment.")
        page.keyboard.press("Enter")
        expect(page.locator("[data-comment-count]")).to_have_text(str(number))
        assert page.evaluate("document.activeElement.name") == "text"
        assert page.input_value("textarea[name=text]") == ""
    elapsed = time.monotonic() - started
    assert elapsed < 300, f"30 comments took {elapsed:.0f} s"

    assert _count(live_app, Comment) == 30 and _count(live_app, VoiceItem) == 30
    with live_app.app_context():
        comments = db.session.scalars(select(Comment).order_by(Comment.position)).all()
        assert comments[0].text == COMMENTS[0] + "\nSecond line of the same comment."
        assert comments[2].speaker_role == "parent" and comments[2].text == COMMENTS[2]
        assert comments[4].speaker_role == "provider" and comments[4].text == COMMENTS[4]
        assert comments[1].speaker_role is None
        session = db.session.scalar(select(ListeningSession))
        assert session.kind == "house_party" and session.facilitator.email == "fac@example.org"
    # What the committee will read hides the name and the number typed into the notes.
    assert "[PHONE]" in page.locator("#comment-%d" % comments[8].id).inner_text()
    # Each comment came back tagged, without a reload: "Daycare costs more than our rent."
    assert page.locator("#comment-%d .tag-rule" % comments[1].id).count() >= 1
    page.reload()
    screenshot(page, "session-en")
    page.goto(f"{page.url.split('?')[0]}?lang=he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    entry = page.locator("textarea[name=text]").bounding_box()
    label = page.locator("label[for=text]").bounding_box()
    assert label["x"] + label["width"] == pytest.approx(entry["x"] + entry["width"], abs=2)
    screenshot(page, "session-he")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "session-he-laptop")


def test_pasted_transcript_becomes_reviewed_comments(page, live_server, live_app, facilitator):
    base = live_server.url
    _sign_in(page, base)
    page.goto(f"{base}/sessions/new")
    page.keyboard.type("Parents' forum")
    page.keyboard.press("Enter")
    page.wait_for_selector("textarea[name=text]:focus")
    session_url = page.url.split("?")[0].split("#")[0]
    page.goto(f"{session_url}/import")
    page.fill("textarea[name=pasted]", "Miriam: The clinic closes at four.\nIt takes two buses to get there.\n"
                                       "Parent: Call me on 052-555-1234 about the daycare fees.\n"
                                       "[Provider] Our waitlist has forty children.\n"
                                       "Speaker 4: ok\n")
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Review comments"
    assert page.locator(".review-item").count() == 4
    assert "Miriam" not in page.content()
    assert "[PHONE]" in page.locator(".review-item").nth(1).inner_text()
    assert page.input_value("select[name=role-1]") == "parent"
    assert page.input_value("select[name=role-2]") == "provider"
    page.fill("textarea[name=text-0]", "The clinic closes at four; it takes two buses.")
    page.uncheck("input[name=keep-3]")  # "ok" is not a comment
    screenshot(page, "session-review-en")
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert page.locator(".comment").count() == 3
    with live_app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.position)).all()
        assert [(c.text, c.speaker_role) for c in rows] == [
            ("The clinic closes at four; it takes two buses.", None),
            ("Call me on 052-555-1234 about the daycare fees.", "parent"),
            ("Our waitlist has forty children.", "provider")]
        assert db.session.scalar(select(func.count(VoiceItem.id))) == 3


def test_the_plain_form_works_without_javascript(chromium, live_server, live_app, facilitator):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 412, "height": 915})
    page = context.new_page()
    try:
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/sessions/new")
        page.keyboard.type("Town hall")
        page.keyboard.press("Enter")
        page.wait_for_selector("textarea[name=text]")
        page.fill("textarea[name=text]", "The library should open on Saturdays.")
        page.click("form[data-quick-entry] button[type=submit]")
        page.wait_for_selector(".flash-success")
        assert page.locator(".comment").count() == 1
        expect(page.locator("textarea[name=text]")).to_be_focused()  # autofocus after the reload
    finally:
        context.close()


@pytest.mark.parametrize("language", ["he", "ar"])
def test_the_time_of_a_new_session_is_drawn_like_its_date_right_to_left(page, live_server, facilitator, language):
    _sign_in(page, live_server.url)
    for width in (412, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/sessions/new?lang={language}")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        date = page.locator("input[name=held_on]").bounding_box()
        time_box = page.locator("input[name=held_time]").bounding_box()
        # Drawn like the date beside it, not a sliver
        assert time_box["width"] == pytest.approx(date["width"], abs=2), (width, date, time_box)
        assert time_box["height"] == pytest.approx(date["height"], abs=2), (width, date, time_box)
    screenshot(page, f"session-form-{language}")
