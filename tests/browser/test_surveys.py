"""A Hebrew-speaking resident completes the demo survey on a phone in real Chromium."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from voice.demo.loader import DEMO_SURVEY, load_demo
from voice.extensions import db
from voice.models import Campaign, Response
from voice.surveys import operations

from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_app):
    with live_app.app_context():
        load_demo()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_hebrew_speaker_completes_the_demo_survey_on_a_phone(page, live_server, live_app, demo):
    outside, violations = [], []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/s/{DEMO_SURVEY}")
    screenshot(page, "survey-languages")
    page.click("a[hreflang=he]")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    screenshot(page, "survey-start-he")
    page.click("main button[type=submit]")

    # The survey's own consent question comes first; nothing else is asked without it.
    page.check("#q-consent")
    screenshot(page, "survey-consent-he")
    page.click("button[value=next]")

    page.select_option("#q-area", index=1)
    page.check("input[name=role][value=parent]")
    page.check("input[name=age_band]>> nth=1")
    _no_sideways_scroll(page)
    screenshot(page, "survey-about-he")
    page.click("button[value=next]")

    # Live skip logic: the childcare question appears as soon as there is a child under 6.
    uses_care = page.locator("[data-name=uses_care]")
    assert uses_care.is_hidden()
    page.fill("#q-children_under_6", "2")
    uses_care.wait_for(state="visible")
    page.check("input[name=uses_care] >> nth=0")
    screenshot(page, "survey-family-he")
    page.click("button[value=next]")

    page.fill("#q-hard", "אין מספיק מקומות בגן, והמחיר גבוה מדי")
    page.fill("#q-change", "גן ציבורי קרוב לבית")
    screenshot(page, "survey-voice-he")
    page.click("button[value=next]")

    page.wait_for_url("**/thanks/**")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    screenshot(page, "survey-thanks-he")
    with live_app.app_context():
        key = uuid.UUID(page.url.split("/thanks/")[1].split("?")[0])
        stored = db.session.scalar(select(Response).where(Response.uuid == key))
        answers = {a.question: a.value for a in stored.answers}
        assert stored.language == "he" and stored.consent and stored.groups["role"] == "parent"
        assert answers["hard"].startswith("אין מספיק") and answers["children_under_6"] == "2"
    assert outside == [] and violations == []


def test_errors_are_announced_and_focused(page, live_server, demo):
    page.goto(f"{live_server.url}/s/{DEMO_SURVEY}?lang=he")
    page.click("main button[type=submit]")
    page.click("button[value=next]")  # the consent question is required
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    screenshot(page, "survey-error-he")


def test_a_resident_gives_the_door_position_from_the_device(page, live_server, live_app):
    """No map and no network: the phone's own position fills the field, with its accuracy."""
    with live_app.app_context():
        campaign = Campaign(slug="doors", name="Doors", languages=["en"])
        db.session.add(campaign)
        db.session.commit()
        definition = {"format": 1, "form_id": "door", "version": "1", "title": {"en": "Door"},
                      "default_language": "en", "languages": ["en"], "choice_lists": {},
                      "items": [{"kind": "question", "name": "door", "type": "geopoint",
                                 "label": {"en": "Where is your door?"}, "required": True}]}
        survey = operations.create_survey(campaign, slug="door", title={}, languages=["en"], actor=None,
                                          definition=definition)
        operations.publish(survey, actor=None)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 31.7767, "longitude": 35.2345, "accuracy": 8})
    page.goto(f"{live_server.url}/s/door")
    page.click("main button[type=submit]")
    page.click("button[data-locate=q-door]")
    page.wait_for_function("document.getElementById('q-door').value !== ''")
    assert page.input_value("#q-door").startswith("31.7767 35.2345 ")
    assert page.text_content("#q-door-accuracy") == "Accuracy: about 8 m"
    screenshot(page, "survey-position")
    page.click("button[value=next]")
    page.wait_for_url("**/thanks/**")
    with live_app.app_context():
        (answer,) = db.session.scalar(select(Response)).answers
        assert answer.value.startswith("31.7767 35.2345 ") and answer.value.endswith(" 8")


def test_a_question_shown_by_a_pulled_value_follows_the_answer_online(page, live_server, live_app):
    """The page's own relevance reads the survey's pulldata() table as the server does, and a
    trigger is ticked as an OK box."""
    with live_app.app_context():
        campaign = Campaign(slug="market", name="Market", languages=["en"])
        db.session.add(campaign)
        db.session.commit()
        definition = {
            "format": 1, "form_id": "stall", "version": "1", "title": {"en": "Stall"},
            "default_language": "en", "languages": ["en"],
            "choice_lists": {"fruits": [{"name": "mango", "label": {"en": "Mango"}, "attributes": {}},
                                        {"name": "fig", "label": {"en": "Fig"}, "attributes": {}}]},
            "data_files": {"prices.csv": [{"fruit": "mango", "price": "3"}, {"fruit": "fig", "price": "1"}]},
            "items": [{"kind": "group", "name": "buy", "label": {"en": "Buy"}, "appearance": "field-list",
                       "relevant": None, "children": [
                           {"kind": "question", "name": "fruit", "type": "select_one", "choice_list": "fruits",
                            "label": {"en": "Which fruit?"}},
                           {"kind": "question", "name": "why", "type": "text", "label": {"en": "Why so dear?"},
                            "relevant": "pulldata('prices', 'price', 'fruit', ${fruit}) > 2"},
                           {"kind": "question", "name": "fair", "type": "trigger", "required": True,
                            "label": {"en": "I paid a fair price"}}]}]}
        survey = operations.create_survey(campaign, slug="stall", title={}, languages=["en"], actor=None,
                                          definition=definition)
        operations.publish(survey, actor=None)
    page.goto(f"{live_server.url}/s/stall")
    page.click("main button[type=submit]")
    why = page.locator("[data-name=why]")
    assert why.is_hidden()
    page.check("input[name=fruit][value=mango]")
    why.wait_for(state="visible")
    page.check("input[name=fruit][value=fig]")
    why.wait_for(state="hidden")
    page.check("#q-fair")
    page.click("button[value=next]")
    page.wait_for_url("**/thanks/**")
    with live_app.app_context():
        assert {a.question: a.value for a in db.session.scalar(select(Response)).answers} == {
            "fruit": "fig", "fair": "OK"}


def test_a_resident_adds_household_members_and_each_members_questions_follow_their_own_answers(
        page, live_server, live_app):
    """With JavaScript on, relevance is decided per member as the server decides it."""
    def question(name, type_, label, **extra):
        return {"kind": "question", "name": name, "type": type_, "label": {"en": label}, **extra}

    with live_app.app_context():
        campaign = Campaign(slug="homes", name="Homes", languages=["en"])
        db.session.add(campaign)
        db.session.commit()
        definition = {"format": 1, "form_id": "home", "version": "1", "title": {"en": "Home"},
                      "default_language": "en", "languages": ["en"], "choice_lists": {},
                      "items": [{"kind": "group", "name": "members", "label": {"en": "Member"}, "relevant": None,
                                 "appearance": "field-list", "repeat": True, "children": [
                                     question("first", "text", "Name?", required=True),
                                     question("age", "integer", "Age?"),
                                     question("school", "text", "Which school?", relevant="${age} < 18")]},
                                question("hard", "text", "What is hard?")]}
        survey = operations.create_survey(campaign, slug="home", title={}, languages=["en"], actor=None,
                                          definition=definition)
        operations.publish(survey, actor=None)
    page.goto(f"{live_server.url}/s/home")
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    page.fill('[id="q-members/1/first"]', "Ana")
    page.fill('[id="q-members/1/age"]', "40")
    assert page.locator('.question[data-name="members/1/school"]').is_hidden()
    page.click("button[value='add:members']")
    page.wait_for_load_state("load")  # survey.js (deferred) is running: what follows is its doing
    page.fill('[id="q-members/2/first"]', "Ben")
    page.fill('[id="q-members/2/age"]', "9")
    page.wait_for_selector('.question[data-name="members/2/school"]', state="visible", timeout=5000)
    assert page.locator('.question[data-name="members/1/school"]').is_hidden()
    page.fill('[id="q-members/2/school"]', "Oak")
    screenshot(page, "survey-members")
    page.click("button[value=next]")
    page.fill("#q-hard", "Space")
    page.click("button[value=next]")
    page.wait_for_url("**/thanks/**")
    with live_app.app_context():
        answers = {(a.instance, a.question): a.value for a in db.session.scalar(select(Response)).answers}
    assert answers == {("members/1", "first"): "Ana", ("members/1", "age"): "40", ("members/2", "first"): "Ben",
                       ("members/2", "age"): "9", ("members/2", "school"): "Oak", ("", "hard"): "Space"}
