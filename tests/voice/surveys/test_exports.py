"""The analysts' responses table and its CSV and XLSX exports: a column per question."""
from __future__ import annotations

import csv
import io
import zipfile
import uuid
from datetime import datetime, timezone

from openpyxl import load_workbook

from voice.extensions import db
from voice.intake.responses import store_response

FIXED = ["uuid", "version", "received_at", "channel", "language", "geography", "consent"]
COLUMNS = FIXED + ["group:language", "group:role", "role", "area", "kids", "needs/care", "needs/transport",
                   "needs/other", "other_need", "hard"]


def store(survey, language, answers, channel="online"):
    return store_response(survey.current_version, uuid=uuid.uuid4(), channel=channel, language=language,
                          answers=answers, consent=True).response


def fill(survey):
    store(survey, "he", {"role": "parent", "area": "N1", "kids": "2", "needs": ["care", "other"],
                         "other_need": "=HYPERLINK(\"http://evil\")", "hard": "הגן יקר"})
    old = store(survey, "en", {"role": "youth", "area": "S1", "kids": "0", "hard": "Buses"}, channel="canvass")
    old.received_at = datetime(2024, 1, 5, tzinfo=timezone.utc)
    db.session.commit()


def test_csv_has_a_column_per_question_and_a_column_per_choice(client, signed_in, survey):
    fill(survey)
    signed_in("analyst")
    response = client.get("/surveys/growing-up/responses.csv?labels=he")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == COLUMNS and len(rows) == 3
    hebrew = dict(zip(rows[0], rows[1]))
    assert hebrew["role"] == "הורה" and hebrew["group:role"] == "parent" and hebrew["group:language"] == "he"
    assert (hebrew["needs/care"], hebrew["needs/transport"], hebrew["needs/other"]) == ("1", "0", "1")
    assert hebrew["other_need"].startswith("'=")  # never run as a formula
    assert hebrew["geography"] == "N1" and hebrew["hard"] == "הגן יקר"


def test_xlsx_export_opens_with_the_same_columns_and_filters(client, signed_in, survey):
    fill(survey)
    signed_in("admin")
    response = client.get("/surveys/growing-up/responses.xlsx?channel=canvass")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS and len(rows) == 2
    youth = dict(zip(rows[0], rows[1]))
    assert youth["role"] == "youth" and youth["kids"] == 0 and youth["needs/care"] == 0
    assert workbook.worksheets[1].cell(row=COLUMNS.index("hard") + 1, column=2).value == "What is hardest?"


def test_the_table_filters_by_language_place_and_date(client, signed_in, survey):
    fill(survey)
    signed_in("analyst")
    page = client.get("/surveys/growing-up/responses?language=he").get_data(as_text=True)
    assert "הגן יקר" in page and "Buses" not in page
    page = client.get("/surveys/growing-up/responses?geography=S1").get_data(as_text=True)
    assert "Buses" in page and "הגן יקר" not in page
    page = client.get("/surveys/growing-up/responses?since=2024-01-01&until=2024-01-31").get_data(as_text=True)
    assert "Buses" in page and "הגן יקר" not in page


def test_committee_never_reaches_responses(client, signed_in, survey):
    signed_in("committee")
    for path in ("/surveys/growing-up/responses", "/surveys/growing-up/responses.csv",
                 "/surveys/growing-up/responses.xlsx"):
        assert client.get(path).status_code == 403


def test_exports_and_the_table_show_times_in_the_campaigns_zone(client, signed_in, survey):
    survey.campaign.time_zone = "America/New_York"
    response = store(survey, "en", {"role": "youth", "area": "S1", "kids": "0", "hard": "Buses"})
    response.received_at = datetime(2026, 1, 6, 2, 30, tzinfo=timezone.utc)  # still the 5th in New York
    db.session.commit()
    signed_in("analyst")
    rows = list(csv.reader(io.StringIO(client.get("/surveys/growing-up/responses.csv").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert dict(zip(rows[0], rows[1]))["received_at"] == "2026-01-05 21:30:00-05:00"
    sheet = load_workbook(io.BytesIO(client.get("/surveys/growing-up/responses.xlsx").get_data())).worksheets[0]
    assert [row for row in sheet.iter_rows(values_only=True)][1][2] == "2026-01-05 21:30:00-05:00"
    page = client.get("/surveys/growing-up/responses?since=2026-01-05&until=2026-01-05").get_data(as_text=True)
    assert "2026-01-05 21:30:00-05:00" in page  # the New York day, not the UTC one


# --- Repeats ------------------------------------------------------------------------------------

def roster(campaign):
    """A household roster: members (a select and a number each), each with their visits."""
    from voice.surveys import operations
    from ..conftest import definition, q

    items = [q("hard", "text", "What is hard?", "מה קשה?"),
             {"kind": "group", "name": "members", "label": {"en": "Member", "he": "בן/בת בית"}, "relevant": None,
              "appearance": None, "repeat": True, "children": [
                  q("role", "select_one", "Role?", "תפקיד?", choice_list="roles"), q("age", "integer", "Age?", "גיל?"),
                  {"kind": "group", "name": "visits", "label": {"en": "Visit", "he": "ביקור"}, "relevant": None,
                   "appearance": None, "repeat": True, "children": [q("why", "text", "Why?", "למה?")]}]}]
    survey = operations.create_survey(campaign, slug="roster", title={}, languages=["en", "he"], actor=None,
                                      definition={**definition(), "form_id": "roster", "items": items})
    operations.publish(survey, actor=None)
    return survey


def store_nested(survey, answers):
    from voice.intake.responses import SurveyDefinition, flat_answers
    flat = flat_answers(SurveyDefinition.from_dict(survey.current_version.definition), answers)
    return store(survey, "en", flat)


def fill_roster(survey):
    store_nested(survey, {"hard": "Rent", "members": [
        {"role": "parent", "age": 41, "visits": [{"why": "clinic"}, {"why": "=school"}]},
        {"role": "youth", "age": 15}]})
    store_nested(survey, {"hard": "Bus", "members": [{"role": "youth", "age": 17, "visits": [{"why": "club"}]}]})


def test_xlsx_gives_each_repeat_its_sheet_joined_by_the_parents_index(client, signed_in, campaign):
    survey = roster(campaign)
    fill_roster(survey)
    signed_in("analyst")
    workbook = load_workbook(io.BytesIO(client.get("/surveys/roster/responses.xlsx").get_data()))
    assert workbook.sheetnames == ["Responses", "members", "visits", "Columns"]
    main = [list(row) for row in workbook["Responses"].iter_rows(values_only=True)]
    assert main[0][-2:] == ["hard", "_index"] and "age" not in main[0]
    index_of = {row[-2]: row[-1] for row in main[1:]}  # hard -> _index (rows come newest first)
    members = [list(row) for row in workbook["members"].iter_rows(values_only=True)]
    assert members[0] == ["_index", "_parent_index", "_parent_table", "uuid", "role", "age"]
    by_parent = sorted((row[1], row[4], row[5]) for row in members[1:])
    assert by_parent == sorted([(index_of["Rent"], "parent", 41), (index_of["Rent"], "youth", 15),
                                (index_of["Bus"], "youth", 17)])
    assert all(row[2] == "responses" for row in members[1:])
    visits = [list(row) for row in workbook["visits"].iter_rows(values_only=True)]
    member_of = {row[0]: row[5] for row in members[1:]}  # member _index -> age
    assert sorted((member_of[row[1]], row[4]) for row in visits[1:]) == [(17, "club"), (41, "'=school"), (41, "clinic")]
    assert all(row[2] == "members" for row in visits[1:])
    assert ["members:age", "Age?"] in [list(row) for row in workbook["Columns"].iter_rows(values_only=True)]


def test_csv_of_a_survey_with_repeats_is_a_zip_of_one_file_per_table(client, signed_in, campaign):
    survey = roster(campaign)
    fill_roster(survey)
    signed_in("analyst")
    response = client.get("/surveys/roster/responses.csv?labels=he")
    assert response.mimetype == "application/zip" and "roster-responses.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == ["members.csv", "roster-responses.csv", "visits.csv"]
    members = list(csv.reader(io.StringIO(archive.read("members.csv").decode("utf-8-sig"))))
    assert len(members) == 4 and {row[4] for row in members[1:]} == {"הורה", "צעיר/ה"}
def test_each_export_is_audited_with_what_it_decrypted(client, signed_in, survey):
    from sqlalchemy import func, select

    from voice.models import Answer, AuditEvent, Response

    fill(survey)
    analyst = signed_in("analyst")
    assert client.get("/surveys/growing-up/responses.csv").status_code == 200
    assert client.get("/surveys/growing-up/responses.xlsx?channel=canvass").status_code == 200
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "responses.export")
                                     .order_by(AuditEvent.id)))
    stored = db.session.scalar(select(func.count(Answer.id)))
    canvass = db.session.scalar(select(func.count(Answer.id)).join(Response).where(Response.channel == "canvass"))
    assert [(event.actor_id, event.record_id, event.details["format"], event.details["decrypted"])
            for event in events] == [
        (analyst.id, str(survey.id), "csv", {"answers.value": stored}),
        (analyst.id, str(survey.id), "xlsx", {"answers.value": canvass})]
    assert events[1].details["filters"] == {"channel": "canvass"} and 0 < canvass < stored
