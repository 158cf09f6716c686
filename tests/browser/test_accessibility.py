"""Every page of every role, in English, Hebrew, Arabic and Amharic, checked by axe-core for
WCAG 2.1 A and AA: no violation anywhere. Pages that work without JavaScript are checked as
they render with it off too: drawn by a browser with JavaScript disabled, then that same HTML
checked by axe in a context that may run axe but blocks the page's own scripts.

axe-core is vendored (``vendor/axe-core``, see its README): nothing is fetched at test time.
One browser, one server and one demo database for the whole module; a page per role reused.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from voice import create_app
from voice.coding import double_coding
from voice.extensions import db
from voice.models import Code, ListeningSession, Survey, Tag, User, VoiceItem
from voice.nlp_adapter import run_tagging

from ..conftest import _base_config
from .conftest import LiveServer

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
LANGUAGES = ("en", "he", "ar", "am")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}


@pytest.fixture(scope="module")
def demo_server(sqlite_template, tmp_path_factory):
    """The demo (every role, a campaign with a survey, sessions and coded items) on loopback."""
    from voice.demo.loader import DEMO_PASSWORD, load_demo
    folder = tmp_path_factory.mktemp("a11y")
    path = folder / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    config = _base_config(folder / "instance", f"sqlite:///{path}")
    config.pop("SERVER_NAME")
    app = create_app(config)
    with app.app_context():
        load_demo()
        # Machine tags on the first items (enough for the review card); all 750 would take long.
        run_tagging(item_ids=list(db.session.scalars(select(VoiceItem.id).order_by(VoiceItem.id).limit(40))))
        ids = {
            "session": db.session.scalar(select(ListeningSession.id).order_by(ListeningSession.id)),
            "code": db.session.scalar(select(Code.id).where(Code.parent_id.is_(None)).order_by(Code.id)),
            "user": db.session.scalar(select(User.id).where(User.role == "facilitator")),
            "survey": db.session.scalar(select(Survey.slug)),
            # An item with machine tags, so that the review card shows its decisions.
            "tagged": db.session.scalar(select(Tag.item_id).where(Tag.source == "rule").order_by(Tag.item_id)),
        }
        users = {role: email for role, email in db.session.execute(select(User.role, User.email))}
        # One machine tag a person rejected: the review card draws a rejected decision too.
        rejected = db.session.scalar(select(Tag).where(Tag.item_id == ids["tagged"], Tag.source == "rule"))
        db.session.add(Tag(item_id=rejected.item_id, code_id=rejected.code_id, source="human", applies=False,
                           confidence=1.0, evidence=[], coder_id=ids["user"]))
        db.session.commit()
        # A double-coding round the analyst takes part in: its page and its coding page.
        coders = list(db.session.scalars(select(User).where(User.role.in_(("analyst", "admin")))))
        ids["round"] = double_coding.start_round("Round one", 4, coders, actor=coders[0], seed=1).id
    with LiveServer(app) as server:
        server.ids, server.users, server.password = ids, users, DEMO_PASSWORD
        yield server
    with app.app_context():
        db.engine.dispose()


def staff_pages(ids: dict) -> dict[str, list[str]]:
    """The pages each staff role works in (GET addresses; those needing a record use the demo's)."""
    survey, session, code = ids["survey"], ids["session"], ids["code"]
    return {
        "admin": ["/", "/auth/users", "/auth/users/new", f"/auth/users/{ids['user']}", "/campaigns/new",
                  "/campaigns/demo/edit"],
        "analyst": ["/campaigns/", "/campaigns/demo/surveys/", "/campaigns/demo/surveys/new",
                    "/campaigns/demo/surveys/import", f"/surveys/{survey}/", f"/surveys/{survey}/settings",
                    f"/surveys/{survey}/responses", f"/surveys/{survey}/pages/about", f"/surveys/{survey}/pages/new",
                    f"/surveys/{survey}/questions/role", f"/surveys/{survey}/questions/new",
                    "/coding/", "/coding/review", f"/coding/review?item={ids['tagged']}", "/coding/codebook",
                    f"/coding/codebook/{code}",
                    f"/coding/codebook/{code}/split", "/coding/codebook/new", "/coding/codebook/import",
                    "/coding/model", "/coding/nlp", "/coding/rounds", f"/coding/rounds/{ids['round']}",
                    f"/coding/rounds/{ids['round']}/code", "/coding/themes",
                    "/canvass/turfs", "/canvass/coverage", "/canvass/import-queue",
                    "/indicators/", "/indicators/import", "/indicators/geographies/import"],
        "facilitator": ["/", "/sessions/", "/sessions/new", f"/sessions/{session}", f"/sessions/{session}/edit",
                        f"/sessions/{session}/import"],
        "committee": ["/review/", "/review/demo", "/review/demo/indicators", "/review/demo/actions",
                      "/review/demo/report"],
    }


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations'], iframes: false})", WCAG_21_AA)
    return [f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            for violation in result["violations"]]


class Walker:
    """One context with JavaScript, one without, both signed in as the same person; the page
    drawn without JavaScript is checked by axe in a third that runs only axe."""

    def __init__(self, chromium, server, viewport, email: str | None):
        self.server, self.failures = server, []
        self.live = chromium.new_context(viewport=viewport, bypass_csp=True, locale="en-US")
        self.static = chromium.new_context(viewport=viewport, java_script_enabled=False, locale="en-US")
        self.checker = chromium.new_context(viewport=viewport, bypass_csp=True, locale="en-US")
        self.checker.route("**/static/js/**", lambda route: route.abort())
        self.page, self.static_page, self.checker_page = (self.live.new_page(), self.static.new_page(),
                                                          self.checker.new_page())
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if email:
            for page in (self.page, self.static_page):
                page.goto(f"{server.url}/auth/sign-in?lang=en")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", server.password)
                page.click("main button[type=submit]")
                page.wait_for_load_state()

    def check(self, name: str, page=None) -> None:
        page = page or self.page
        self.failures += [f"{name}: {line}" for line in axe_violations(page)]

    def check_without_javascript(self, name: str, html: str, url: str) -> None:
        """The HTML a browser without JavaScript drew, checked at its own address."""
        self.checker_page.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        self.checker_page.goto(url)
        self.checker_page.unroute(url)
        self.check(f"{name} (JavaScript off)", self.checker_page)

    def visit(self, path: str, language: str, *, without_javascript: bool = True) -> None:
        separator = "&" if "?" in path else "?"
        url = f"{self.server.url}{path}{separator}lang={language}"
        response = self.page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        self.check(f"{path} [{language}]")
        # A page without a script of its own is the same HTML with JavaScript off: checked once.
        if without_javascript and self.page.locator("script[src]").count():
            self.static_page.goto(url)
            self.check_without_javascript(f"{path} [{language}]", self.static_page.content(), url)

    def close(self) -> None:
        for context in (self.live, self.static, self.checker):
            context.close()


@pytest.mark.parametrize("role", ["admin", "analyst", "facilitator", "committee"])
def test_staff_pages_have_no_axe_violations(chromium, demo_server, role):
    walker = Walker(chromium, demo_server, DESKTOP, demo_server.users[role])
    try:
        for language in LANGUAGES:
            for path in staff_pages(demo_server.ids)[role]:
                walker.visit(path, language)
    finally:
        walker.close()
    assert not walker.errors, walker.errors
    assert not walker.failures, "\n".join(walker.failures)


def test_canvass_tablet_has_no_axe_violations(chromium, demo_server):
    walker = Walker(chromium, demo_server, TABLET, demo_server.users["canvasser"])
    try:
        for language in LANGUAGES:
            walker.page.goto(f"{demo_server.url}/canvass/?lang={language}")
            walker.page.wait_for_selector("#canvass-app[data-ready=true]")
            walker.check(f"/canvass/ [{language}]")
            door = walker.page.locator("a[data-door]").first
            door.click()
            walker.page.wait_for_selector("[data-start]")
            walker.check(f"/canvass/ door [{language}]")
            walker.page.click("[data-start]")
            walker.page.locator("[data-language]").first.wait_for()
            walker.check(f"/canvass/ interview language [{language}]")
            walker.page.locator("[data-language]").first.click()
            walker.page.locator("[data-consent='yes']").wait_for()
            walker.check(f"/canvass/ consent [{language}]")
            walker.page.click("[data-consent='yes']")
            walker.page.wait_for_selector("#interview-page")
            walker.check(f"/canvass/ first page [{language}]")
            walker.page.goto(f"{demo_server.url}/canvass/")  # leave the draft for the next round
    finally:
        walker.close()
    assert not walker.errors, walker.errors
    assert not walker.failures, "\n".join(walker.failures)


def test_resident_survey_has_no_axe_violations(chromium, demo_server):
    survey = demo_server.ids["survey"]
    walker = Walker(chromium, demo_server, PHONE, None)
    try:
        walker.visit(f"/s/{survey}", "en")  # the language choice
        walker.visit("/auth/sign-in", "en")
        for language in LANGUAGES:
            walker.visit("/auth/sign-in", language)
            for page, javascript in ((walker.page, True), (walker.static_page, False)):
                page.context.clear_cookies()
                page.goto(f"{demo_server.url}/s/{survey}?lang={language}")
                steps = 0
                while True:
                    name = f"/s/{survey} step {steps} [{language}]"
                    if javascript:
                        walker.check(name)
                    else:
                        walker.check_without_javascript(name, page.content(), page.url)
                    if page.locator("form#survey-page").count() == 0 and steps:
                        break  # thanks
                    _answer_what_is_asked(page)
                    steps += 1
                    assert steps < 10, "the survey did not end"
    finally:
        walker.close()
    assert not walker.errors, walker.errors
    assert not walker.failures, "\n".join(walker.failures)


def _answer_what_is_asked(page) -> None:
    """Agree, pick the first choice of each question, answer numbers and text, and go on."""
    with page.expect_navigation():
        if page.locator("form#survey-page").count() == 0:
            page.locator("button[name=consent][value=yes]").click()
            return
        for box in page.locator("input[type=checkbox][value=yes]:visible").all():
            box.check()
        for dropdown in page.locator("select:visible").all():
            dropdown.select_option(index=1)
        names = set()
        for radio in page.locator("input[type=radio]:visible").all():
            name = radio.get_attribute("name")
            if name not in names:
                names.add(name)
                radio.check()
        for number in page.locator("input[type=number]:visible").all():
            number.fill("1")
        for text in page.locator("textarea:visible").all():
            text.fill("More places in the kindergarten, please.")
        page.locator("button[name=action][value=next]").click()
