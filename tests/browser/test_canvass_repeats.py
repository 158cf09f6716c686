"""A household roster on the tablet, offline: three members added with the repeat's button, a
household size counted from them, the door's position and a select per member whose choices
come from a CSV attached to the XLSForm. Synced once,
the server holds one response with three instances, and the export gives the repeat its sheet."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from voice.extensions import db
from voice.models import Response, Survey
from voice.surveys import exports, operations

from .conftest import LiveServer, screenshot
from ..voice.surveys.test_xlsform import xlsx
from .test_canvass import canvass_field, open_tablet, wait_until  # noqa: F401 (canvass_field is a fixture)

pytestmark = pytest.mark.browser


# The roster as a partnership brings it: an XLSForm whose relations come from an attached CSV.
ROSTER_FORM = xlsx(
    survey=[["type", "name", "label", "required", "appearance", "calculation"],
            ["geopoint", "where", "Where is the door?", "yes", None, None],
            ["begin_repeat", "members", "Member", None, "field-list", None],
            ["text", "first", "Name?", "yes", None, None],
            ["select_one_from_file relations.csv", "relation", "Relation to the head?", None, None, None],
            ["end_repeat", None, None, None, None, None],
            ["calculate", "size", None, None, None, "count(${members})"],
            ["text", "hard", "What is hard for ${size} people?", None, None, None]],
    settings=[["form_title", "form_id"], ["Household roster", "roster"]])
RELATIONS_CSV = b"name,label\nhead,Head\npartner,Partner\nchild,Child\n"
MEMBERS = [("Ana", "head"), ("Ben", "partner"), ("Cy", "child")]


def test_a_household_roster_filled_offline_is_synced_once_with_its_three_members(chromium, live_app, canvass_field):
    with live_app.app_context():
        field_survey = db.session.scalar(select(Survey).where(Survey.slug == "door-survey"))
        imported = operations.import_survey(field_survey.campaign, ROSTER_FORM, slug="roster", actor=None,
                                            filename="roster.xlsx", publish_now=True,
                                            attachments={"relations.csv": RELATIONS_CSV})
        assert imported.survey.current_version.definition["choice_files"] == {"relations": "relations.csv"}
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
