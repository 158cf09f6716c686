"""A household roster on the tablet, offline: three members added with the repeat's button, a
household size counted from them, the door's position and a select per member. Synced once,
the server holds one response with three instances, and the export gives the repeat its sheet."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from voice.extensions import db
from voice.models import Response, Survey, SurveyVersion
from voice.surveys import exports

from .conftest import LiveServer, screenshot
from .test_canvass import canvass_field, open_tablet, wait_until  # noqa: F401 (canvass_field is a fixture)

pytestmark = pytest.mark.browser


def text(name, type_, label, **extra):
    return {"kind": "question", "name": name, "type": type_, "label": {"en": label}, **extra}


ROSTER = {
    "format": 1, "form_id": "roster", "version": "1", "title": {"en": "Household roster"}, "default_language": "en",
    "languages": ["en"],
    "items": [
        text("where", "geopoint", "Where is the door?", required=True),
        {"kind": "group", "name": "members", "label": {"en": "Member"}, "appearance": "field-list", "relevant": None,
         "repeat": True, "children": [text("first", "text", "Name?", required=True),
                                      text("relation", "select_one", "Relation to the head?", choice_list="relations")]},
        {"kind": "question", "name": "size", "type": "calculate", "label": {}, "calculation": "count(${members})"},
        text("hard", "text", "What is hard for ${size} people?"),
    ],
    "choice_lists": {"relations": [{"name": name, "label": {"en": name.title()}, "attributes": {}}
                                   for name in ("head", "partner", "child")]},
}
MEMBERS = [("Ana", "head"), ("Ben", "partner"), ("Cy", "child")]


def test_a_household_roster_filled_offline_is_synced_once_with_its_three_members(chromium, live_app, canvass_field):
    with live_app.app_context():
        field_survey = db.session.scalar(select(Survey).where(Survey.slug == "door-survey"))
        roster = Survey(campaign=field_survey.campaign, slug="roster", title=ROSTER["title"], draft=ROSTER, is_open=True)
        db.session.add_all([roster, SurveyVersion(survey=roster, number=1, definition=ROSTER)])
        db.session.commit()
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        page.wait_for_selector("a[data-door='n-1']")
        context.set_offline(True)
        page.reload()  # the app opens from the service worker's cache
        page.wait_for_selector("#canvass-app[data-ready=true]")
        page.click("a[data-door='n-1']")
        page.click("[data-start='roster']")
        page.click("[data-consent='yes']")
        page.fill("#q-where", "31.7767 35.2345 754 4.5")
        page.click("#interview-next")
        for number, (first, relation) in enumerate(MEMBERS, 1):
            if number > 1:
                page.click("[data-add='members']")
            page.wait_for_selector(f'[id="q-members/{number}/first"]')
            assert page.locator(".instance-heading").nth(number - 1).inner_text() == f"Member: number {number}"
            page.fill(f'[id="q-members/{number}/first"]', first)
            page.check(f'input[name="members/{number}/relation"][value={relation}]')
        # Each member's answers stay their own when the page is drawn again.
        assert page.locator('[id="q-members/1/first"]').input_value() == "Ana"
        assert page.locator('input[name="members/2/relation"][value=partner]').is_checked()
        screenshot(page, "canvass-roster-members")
        page.click("#interview-next")
        assert "What is hard for 3 people?" in page.locator(".question[data-name=hard]").inner_text()
        page.fill("#q-hard", "Space")
        page.click("#interview-next")
        page.wait_for_selector("#interview-done")
        page.wait_for_selector("[data-waiting][data-count='2']")  # the visit and the interview, held offline
        with live_app.app_context():
            assert db.session.scalar(select(Response.id)) is None

        context.set_offline(False)
        page.wait_for_selector("[data-waiting][data-count='0']", timeout=60000)
        page.click("#canvass-sync-now")  # a second sync sends nothing again
        wait_until(page, "() => document.querySelector('[data-waiting]').getAttribute('data-count') === '0'")
        assert errors == []
        context.close()

    with live_app.app_context():
        (response,) = db.session.scalars(select(Response)).all()
        answers = {(a.instance, a.question): a.value for a in response.answers}
        assert answers == {("", "where"): "31.7767 35.2345 754 4.5", ("", "size"): "3", ("", "hard"): "Space",
                           **{(f"members/{n}", "first"): first for n, (first, _r) in enumerate(MEMBERS, 1)},
                           **{(f"members/{n}", "relation"): relation for n, (_f, relation) in enumerate(MEMBERS, 1)}}
        survey = db.session.scalar(select(Survey).where(Survey.slug == "roster"))
        table = exports.Table(survey)
        content = exports.to_xlsx(table, db.session.scalars(exports.responses_query(survey, exports.Filters())),
                                  sheet_title="Responses", columns_title="Columns")
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Responses", "members", "Columns"]
    rows = [list(row) for row in workbook["members"].iter_rows(values_only=True)]
    assert [(row[1], row[4], row[5]) for row in rows[1:]] == [(1, first, relation) for first, relation in MEMBERS]
