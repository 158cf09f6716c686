"""Authoring in the browser's forms, publishing versions, XLSForm upload (page and CLI) and export."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from voice.extensions import db
from voice.models import AuditEvent, Survey, SurveyAttachment, SurveyVersion
from voice.intake.definition import SurveyDefinition
from voice.surveys import operations
from voice.surveys.commands import FilesBeside
from voice.surveys.xlsform import import_xlsform, read_xlsform

from ...helpers import SHARED_FIXTURES, post_form, tiny_png
from .test_xlsform import FILE_FORM, IMPORTED, REFUSED, REGIONS_CSV, TOWNS_XML, xlsx

XLSFORMS = SHARED_FIXTURES / "xlsform"
needs_shared = pytest.mark.skipif(not XLSFORMS.is_dir(), reason=f"shared XLSForm fixtures not found at {XLSFORMS}")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def question_form(name, type_="text", en="", he="", page="", **extra):
    return {"name": name, "type": type_, "page": page, "label__en": en, "label__he": he, "role": "", **extra}


def test_an_analyst_builds_and_publishes_a_survey(client, signed_in, campaign):
    signed_in("analyst")
    response = post_form(client, "/campaigns/north/surveys/new", {"slug": "kids", "languages": ["en", "he"]})
    assert response.status_code == 302
    post_form(client, "/surveys/kids/settings", {"title__en": "Kids", "title__he": "ילדים"})
    post_form(client, "/surveys/kids/pages/new", {"name": "family", "label__en": "Family", "label__he": "משפחה"})
    post_form(client, "/surveys/kids/questions/new", question_form(
        "role", "select_one", "You are", "את/ה", page="family", required="y", role="group:role",
        choices="parent | Parent | הורה\nyouth | Young person", required_message__en="Please answer."))
    post_form(client, "/surveys/kids/questions/new", question_form(
        "age", "integer", "Age", "גיל", page="family", constraint=". < 120", relevant="${role} = 'youth'"))
    post_form(client, "/surveys/kids/questions/new", question_form("hard", "text", "What is hard?"))
    survey = db.session.scalar(select(Survey).where(Survey.slug == "kids"))
    definition = SurveyDefinition.from_dict(survey.draft)
    family = definition.items[0]
    assert [q.name for q in family.children] == ["role", "age"]
    assert family.children[0].role == "group:role" and family.children[1].relevant == "${role} = 'youth'"
    assert definition.choice_lists["role"][0].label == {"en": "Parent", "he": "הורה"}

    # Missing translations block publishing, and are listed.
    post_form(client, "/surveys/kids/publish", {}, token_from="/surveys/kids/")
    assert survey.versions == []
    page = client.get("/surveys/kids/").get_data(as_text=True)
    assert "choices/role/youth" in page and "hard" in page and "required_message" not in page
    post_form(client, "/surveys/kids/questions/hard", question_form("hard", "text", "What is hard?", "מה קשה?"))
    post_form(client, "/surveys/kids/questions/role", question_form(
        "role", "select_one", "You are", "את/ה", page="family", required="y", role="group:role",
        choices="parent | Parent | הורה\nyouth | Young person | צעיר/ה", required_message__en="Please answer.",
        required_message__he="נא לענות."))
    response = post_form(client, "/surveys/kids/publish", {}, token_from="/surveys/kids/")
    db.session.refresh(survey)
    assert response.status_code == 302 and [v.number for v in survey.versions] == [1] and survey.is_open
    assert client.get("/s/kids?lang=he").status_code == 200

    # Publishing again without a change makes no version; an edit makes version 2, the first unchanged.
    post_form(client, "/surveys/kids/publish", {}, token_from="/surveys/kids/")
    post_form(client, "/surveys/kids/items/hard/move", {"direction": "up"}, token_from="/surveys/kids/")
    post_form(client, "/surveys/kids/publish", {}, token_from="/surveys/kids/")
    db.session.refresh(survey)
    assert [v.number for v in survey.versions] == [1, 2]
    assert [item["name"] for item in survey.versions[0].definition["items"]] == ["family", "hard"]
    assert [item["name"] for item in survey.versions[1].definition["items"]] == ["hard", "family"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "survey.publish")) == 2


def test_a_bad_expression_and_duplicate_names_are_refused(client, signed_in, survey):
    signed_in("analyst")
    response = post_form(client, "/surveys/growing-up/questions/new", question_form(
        "x", "text", "X", "X", relevant="${kids > "))
    assert response.status_code == 200 and "cannot be read" in response.get_data(as_text=True)
    response = post_form(client, "/surveys/growing-up/questions/new", question_form("kids", "text", "K", "K"))
    assert "used more than once" in response.get_data(as_text=True)


def test_removing_a_question_and_moving_it_to_another_page(client, signed_in, survey):
    signed_in("admin")
    post_form(client, "/surveys/growing-up/questions/hard",
              question_form("hard", "text", "What is hardest?", "מה הכי קשה?", page="about"),
              token_from="/surveys/growing-up/questions/hard")
    post_form(client, "/surveys/growing-up/items/other_need/delete", {}, token_from="/surveys/growing-up/")
    db.session.refresh(survey)
    about = survey.draft["items"][0]
    assert [q["name"] for q in about["children"]][-1] == "hard"
    assert "other_need" not in str(survey.draft) and len(survey.draft["items"]) == 2
    assert survey.current_version.definition["items"][2]["name"] == "hard"  # the published version stays


def test_export_reimports_to_the_same_definition(client, signed_in, survey):
    signed_in("analyst")
    response = client.get("/surveys/growing-up/form.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    assert import_xlsform(response.get_data()) == SurveyDefinition.from_dict(survey.draft)


# --- XLSForm upload: the page and the command ------------------------------------------------------

def upload(client, content: bytes, name="form.xlsx", slug=""):
    return post_form(client, "/campaigns/north/surveys/import",
                     {"file": (io.BytesIO(content), name), "slug": slug}, content_type="multipart/form-data")


@needs_shared
@pytest.mark.parametrize("name", sorted(set(IMPORTED) | set(REFUSED)))
def test_every_shared_xlsform_is_imported_or_refused_precisely_on_the_page(client, signed_in, campaign, name):
    signed_in("analyst")
    response = upload(client, (XLSFORMS / name).read_bytes(), name)
    if name in IMPORTED:
        assert response.status_code == 302, response.get_data(as_text=True)
        survey = db.session.scalar(select(Survey))
        names, languages = IMPORTED[name]
        definition = SurveyDefinition.from_dict(survey.draft)
        found = {q["name"]: q["type"] for q in _questions(survey.draft["items"])}
        assert {k: found[k] for k in names} == names and definition.languages == languages
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.import"))
    else:
        sheet, row, column, _code = REFUSED[name]
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f"Sheet {sheet}, row {row}" in page and (column is None or f"column {column}" in page)
        assert count(Survey) == 0
        assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("survey.%")))


def _questions(items):
    for item in items:
        if item["kind"] == "group":
            yield from _questions(item["children"])
        else:
            yield item


@needs_shared
@pytest.mark.parametrize("name", sorted(set(IMPORTED) | set(REFUSED)))
def test_every_shared_xlsform_through_the_command(runner, campaign, name):
    result = runner.invoke(args=["surveys", "import", str(XLSFORMS / name), "--campaign", "north"])
    if name in IMPORTED:
        assert result.exit_code == 0, result.output
        assert "Imported" in result.output and count(Survey) == 1
    else:
        sheet, row, _column, _code = REFUSED[name]
        assert result.exit_code == 1
        assert f"{name}: Sheet {sheet}, row {row}" in result.output
        assert "Traceback" not in result.output and count(Survey) == 0


def test_a_multilingual_form_uploads_and_publishes_from_the_command(runner, campaign, tmp_path):
    path = tmp_path / "he.xlsx"
    path.write_bytes(xlsx(
        survey=[["type", "name", "label::English (en)", "label::Hebrew (he)", "label::Amharic (am)", "relevant"],
                ["select_one yn", "kids", "Children?", "ילדים?", "ልጆች?", None],
                ["text", "why", "Why?", "למה?", "ለምን?", "${kids} = 'yes'"]],
        choices=[["list_name", "name", "label::English (en)", "label::Hebrew (he)", "label::Amharic (am)"],
                 ["yn", "yes", "Yes", "כן", "አዎ"], ["yn", "no", "No", "לא", "አይ"]],
        settings=[["form_id", "form_title"], ["family_he", "Family"]]))
    result = runner.invoke(args=["surveys", "import", str(path), "--campaign", "north", "--slug", "fam"])
    assert result.exit_code == 0, result.output
    survey = db.session.scalar(select(Survey))
    assert survey.slug == "fam" and survey.draft["languages"] == ["en", "he", "am"]
    # The title exists in English only: publishing is refused, naming what is missing.
    result = runner.invoke(args=["surveys", "import", str(path), "--campaign", "north", "--slug", "fam2",
                                 "--publish"])
    assert result.exit_code == 1 and "missing translations" in result.output
    assert count(SurveyVersion) == 0


def test_unknown_campaign_and_broken_files_from_the_command(runner, campaign, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(xlsx(survey=[["type", "name", "label"], ["begin loop", "kids", "Kids"],
                                  ["text", "name", "Name"], ["end loop"]]))
    assert "no campaign" in runner.invoke(args=["surveys", "import", str(path), "--campaign", "nope"]).output
    result = runner.invoke(args=["surveys", "import", str(path), "--campaign", "north"])
    assert result.exit_code == 1 and "Sheet survey, row 2" in result.output and "begin loop" in result.output
    path.write_bytes(b"not a workbook")
    result = runner.invoke(args=["surveys", "import", str(path), "--campaign", "north"])
    assert result.exit_code == 1 and ".xlsx" in result.output and count(Survey) == 0


def test_an_empty_attachments_field_as_a_browser_sends_it_is_no_attachment(client, signed_in, campaign):
    signed_in("analyst")
    response = post_form(client, "/campaigns/north/surveys/import",
                         {"file": (io.BytesIO(roster("Why?")), "roster.xlsx"), "attachments": (io.BytesIO(b""), "")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)


def test_an_attachment_that_is_no_table_or_media_is_refused_on_the_page(client, signed_in, campaign):
    signed_in("analyst")
    response = post_form(client, "/campaigns/north/surveys/import",
                         {"file": (io.BytesIO(roster("Why?")), "roster.xlsx"),
                          "attachments": (io.BytesIO(b"MZ"), "tool.exe")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Attach .csv or .xml files, images, sounds or videos." in response.get_data(as_text=True)
    assert count(Survey) == 0


def test_upload_page_refuses_a_non_xlsx_without_storing(client, signed_in, campaign):
    signed_in("analyst")
    response = upload(client, b"PK not really", "form.xlsx")
    assert response.status_code == 422 and "not an Excel workbook" in response.get_data(as_text=True)
    assert count(Survey) == 0


# --- Where an imported form goes: a new survey, or the next version of one -----------------------

def roster(title: str, settings: bool = True) -> bytes:
    return xlsx(survey=[["type", "name", "label"], ["text", "why", title], ["phonenumber", "phone", "Phone"]],
                settings=[["form_id", "form_title"], ["roster", title]] if settings else None)


def test_the_same_form_id_again_is_the_surveys_next_version_as_central_does(runner, campaign, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster("Why here?"))
    first = runner.invoke(args=["surveys", "import", str(path), "--campaign", "north", "--publish"])
    assert first.exit_code == 0, first.output
    assert "roster.xlsx: Sheet survey, row 3, column type: phonenumber questions" in first.output
    path.write_bytes(roster("Why here, really?"))
    second = runner.invoke(args=["surveys", "import", str(path), "--campaign", "north", "--publish"])
    assert second.exit_code == 0, second.output
    assert "as the new draft of the survey roster" in second.output and "Published version 2." in second.output
    (survey,) = db.session.scalars(select(Survey))
    assert [v.number for v in survey.versions] == [1, 2]
    assert survey.versions[1].definition["items"][0]["label"] == {"en": "Why here, really?"}
    assert [q["name"] for q in survey.versions[1].definition["items"]] == ["why"]  # the phone is never kept


def test_forms_without_form_id_get_addresses_of_their_own(client, signed_in, campaign):
    signed_in("analyst")
    for name in ("roster.xlsx", "Visits 2026.xlsx", "roster.xlsx"):
        response = upload(client, roster("Why?", settings=False), name)
        assert response.status_code == 302, response.get_data(as_text=True)
    assert sorted(s.slug for s in db.session.scalars(select(Survey))) == ["roster", "visits-2026"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The XLSForm is the new draft of roster." in page
    assert "phonenumber questions collect contact or device details" in page


def test_an_address_taken_by_another_form_gets_a_number(client, signed_in, campaign):
    signed_in("analyst")
    other = xlsx(survey=[["type", "name", "label"], ["text", "q", "Q"]],
                 settings=[["form_id", "form_title"], ["other", "Other"]])
    assert upload(client, other, "a.xlsx", slug="roster").status_code == 302
    assert upload(client, roster("Why?"), "roster.xlsx").status_code == 302
    assert sorted(s.slug for s in db.session.scalars(select(Survey))) == ["roster", "roster-2"]
    # An address asked for by name is never renumbered: it is refused.
    response = upload(client, xlsx(survey=[["type", "name", "label"], ["text", "q", "Q"]],
                                   settings=[["form_id"], ["third"]]), "c.xlsx", slug="roster")
    assert response.status_code == 422 and "Another survey already uses the address roster" in \
        response.get_data(as_text=True)


@needs_shared
@pytest.mark.parametrize("name", ["yes_or_no_question.xls", "yes_or_no_question.csv"])
def test_xls_and_csv_forms_upload_on_the_page(client, signed_in, campaign, name):
    signed_in("analyst")
    response = upload(client, (XLSFORMS / "pyxform" / name).read_bytes(), name)
    assert response.status_code == 302, response.get_data(as_text=True)
    (survey,) = db.session.scalars(select(Survey))
    assert [q["name"] for q in _questions(survey.draft["items"])] == ["good_day"]


def test_a_question_the_editor_cannot_show_is_sent_back_to_its_xlsform(client, signed_in, campaign):
    signed_in("analyst")
    form = xlsx(survey=[["type", "name", "label", "calculation"], ["integer", "adults", "Adults?", None],
                        ["calculate", "size", None, "${adults} + 1"]])
    assert upload(client, form, "household.xlsx").status_code == 302
    response = client.get("/surveys/household/questions/size")
    assert response.status_code == 302 and response.headers["Location"].endswith("#item-size")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The question size is edited in its XLSForm" in page
    assert client.get("/surveys/household/questions/adults").status_code == 200


# --- Media in labels and choices: uploaded with the form, served once published -------------------

def fruit_form() -> bytes:
    return xlsx(survey=[["type", "name", "label::English (en)", "label::Hebrew (he)", "media::image::English (en)",
                         "image::he", "audio"],
                        ["select_one fruit", "fruit", "Fruit?", "פרי?", "fruit-en.png", "fruit-he.png", "ask.mp3"]],
                choices=[["list_name", "name", "label::English (en)", "label::Hebrew (he)", "image"],
                         ["fruit", "apple", "Apple", "תפוח", "apple.png"], ["fruit", "pear", "Pear", "אגס", None]],
                settings=[["form_id", "form_title::English (en)", "form_title::Hebrew (he)"],
                          ["fruit", "Fruit", "פרי"]])


FRUIT_FILES = {"fruit-en.png": tiny_png(1), "fruit-he.png": tiny_png(2), "apple.png": tiny_png(3)}


def upload_with_media(client, files: dict[str, bytes]):
    return post_form(client, "/campaigns/north/surveys/import",
                     {"file": (io.BytesIO(fruit_form()), "fruit.xlsx"), "slug": "",
                      "attachments": [(io.BytesIO(content), name) for name, content in files.items()]},
                     content_type="multipart/form-data")


def media_url(survey: Survey, name: str) -> str:
    return f"/s/{survey.slug}/media/{survey.draft['attachments'][name]}/{name}"


def test_media_upload_with_the_form_are_served_once_published_and_shown_with_the_label_as_alt(client, signed_in,
                                                                                               campaign):
    signed_in("analyst")
    response = upload_with_media(client, FRUIT_FILES)
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file ask.mp3 was not uploaded with the form: the text is shown without it." in detail
    survey = db.session.scalar(select(Survey))
    stored = {a.name: (a.content_type, a.content) for a in db.session.scalars(select(SurveyAttachment))}
    assert stored == {name: ("image/png", content) for name, content in FRUIT_FILES.items()}
    url = media_url(survey, "fruit-en.png")
    assert client.get(url).status_code == 404  # a draft's files stay private
    operations.publish(survey, actor=None)
    served = client.get(url)
    assert served.status_code == 200 and served.data == FRUIT_FILES["fruit-en.png"]
    assert served.mimetype == "image/png" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert {"public", "immutable", "max-age=31536000"} <= {part.strip() for part in
                                                           served.headers["Cache-Control"].split(",")}
    assert client.get(url, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    assert client.get(url.replace(survey.draft["attachments"]["fruit-en.png"], "0" * 64)).status_code == 404

    page = client.get(f"/s/{survey.slug}?lang=he").get_data(as_text=True)
    token, key = (re.search(rf'name="{name}" value="([^"]*)"', page).group(1) for name in ("csrf_token", "uuid"))
    client.post(f"/s/{survey.slug}?lang=he", data={"csrf_token": token, "step": "consent", "uuid": key,
                                                  "language": "he", "consent": "yes"})
    page = client.get(f"/s/{survey.slug}").get_data(as_text=True)
    assert f'<img src="{media_url(survey, "fruit-he.png")}" alt="פרי?">' in page
    assert f'<img src="{media_url(survey, "apple.png")}" alt="תפוח">' in page
    assert "<audio" not in page  # ask.mp3 never came: the label shows its text alone


def test_a_media_file_that_is_not_an_image_sound_or_video_refuses_the_upload(client, signed_in, campaign):
    signed_in("analyst")
    response = upload_with_media(client, {**FRUIT_FILES, "apple.png": b"<svg onload='alert(1)'></svg>"})
    assert response.status_code == 422
    assert ("The file apple.png is not an image, a sound or a video that the survey can show"
            in response.get_data(as_text=True))
    assert count(Survey) == 0 and count(SurveyAttachment) == 0


def test_the_command_takes_media_from_the_form_media_folder_and_beside_the_form(runner, campaign, tmp_path):
    (tmp_path / "fruit.xlsx").write_bytes(fruit_form())
    (tmp_path / "fruit-media").mkdir()
    for name in ("fruit-en.png", "fruit-he.png"):
        (tmp_path / "fruit-media" / name).write_bytes(FRUIT_FILES[name])
    (tmp_path / "apple.png").write_bytes(FRUIT_FILES["apple.png"])
    result = runner.invoke(args=["surveys", "import", str(tmp_path / "fruit.xlsx"), "--campaign", "north"])
    assert result.exit_code == 0, result.output
    assert "Sheet survey, row 2, column audio: The file ask.mp3 was not uploaded with the form" in result.output
    assert {a.name for a in db.session.scalars(select(SurveyAttachment))} == set(FRUIT_FILES)
# --- Files a form uses: choice lists from a file, pulldata tables -----------------------------------

def test_the_page_takes_the_files_a_form_uses_and_refuses_without_them(client, signed_in, campaign):
    signed_in("analyst")
    form = xlsx(FILE_FORM, settings=[["form_id", "form_title"], ["places", "Places"]])
    page = client.get("/campaigns/north/surveys/import").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="attachments"[^>]*multiple', page)
    missing = post_form(client, "/campaigns/north/surveys/import",
                        {"file": (io.BytesIO(form), "places.xlsx"), "attachments": [(io.BytesIO(TOWNS_XML), "towns.xml")]},
                        content_type="multipart/form-data")
    assert missing.status_code == 422 and count(Survey) == 0
    assert "Sheet survey, row 2, column type: select_one_from_file regions.csv needs the file regions.csv" in \
        missing.get_data(as_text=True)
    response = post_form(client, "/campaigns/north/surveys/import",
                         {"file": (io.BytesIO(form), "places.xlsx"),
                          "attachments": [(io.BytesIO(REGIONS_CSV), "regions.csv"), (io.BytesIO(TOWNS_XML), "towns.xml")]},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    (survey,) = db.session.scalars(select(Survey))
    assert survey.draft["choice_files"] == {"regions": "regions.csv", "towns": "towns.xml"}
    assert [c["name"] for c in survey.draft["choice_lists"]["regions"]] == ["north", "south", "alps"]


def test_the_command_finds_the_files_beside_the_form_or_takes_them_attached(runner, campaign, tmp_path):
    form = tmp_path / "forms" / "places.xlsx"
    form.parent.mkdir()
    form.write_bytes(xlsx(FILE_FORM, settings=[["form_id", "form_title"], ["places", "Places"]]))
    (form.parent / "towns.xml").write_bytes(TOWNS_XML)
    refused = runner.invoke(args=["surveys", "import", str(form), "--campaign", "north"])
    assert refused.exit_code == 1 and "places.xlsx: Sheet survey, row 2" in refused.output
    assert "regions.csv" in refused.output and count(Survey) == 0
    elsewhere = tmp_path / "regions.csv"
    elsewhere.write_bytes(REGIONS_CSV)
    result = runner.invoke(args=["surveys", "import", str(form), "--campaign", "north", "--attach", str(elsewhere)])
    assert result.exit_code == 0, result.output
    (survey,) = db.session.scalars(select(Survey))
    assert [c["name"] for c in survey.draft["choice_lists"]["towns"]] == ["acre", "eilat"]


def test_a_form_with_files_exports_with_them_and_imports_again(runner, client, signed_in, campaign, tmp_path):
    form = tmp_path / "places.xlsx"
    form.write_bytes(xlsx(FILE_FORM, settings=[["form_id", "form_title"], ["places", "Places"]]))
    (tmp_path / "regions.csv").write_bytes(REGIONS_CSV)
    (tmp_path / "towns.xml").write_bytes(TOWNS_XML)
    assert runner.invoke(args=["surveys", "import", str(form), "--campaign", "north"]).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    exported = runner.invoke(args=["surveys", "export", "places", "-o", str(out / "places.xlsx")])
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in out.iterdir()) == ["places.xlsx", "regions.csv", "towns.xml"]
    again = import_xlsform_with_files(out / "places.xlsx")
    assert again == SurveyDefinition.from_dict(db.session.scalar(select(Survey)).draft)
    signed_in("analyst")
    page = client.get("/surveys/places/").get_data(as_text=True)
    assert 'href="/surveys/places/form.zip"' in page
    archive = client.get("/surveys/places/form.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        assert sorted(bundle.namelist()) == ["places.xlsx", "regions.csv", "towns.xml"]
        assert bundle.read("towns.xml") == (out / "towns.xml").read_bytes()


def import_xlsform_with_files(path):
    return read_xlsform(path, attachments=FilesBeside(path)).definition
