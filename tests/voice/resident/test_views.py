"""The resident's survey, with JavaScript off (server-side paging and skip logic), and the JSON intake."""
from __future__ import annotations

import re
import types
import uuid

import pytest
from sqlalchemy import func, select

from voice import create_app
from voice.extensions import db
from voice.resident import ratelimit
from voice.surveys import operations as survey_operations
from voice.models import AuditEvent, Geography, RateCounter, Response, SurveyProgress, VoiceItem

from ...helpers import require_redis
from ..conftest import definition, q

URL = "/s/growing-up"


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return match.group(1)


def start(client, language="he") -> str:
    page = client.get(f"{URL}?lang={language}").get_data(as_text=True)
    key = hidden(page, "uuid")
    response = client.post(f"{URL}?lang={language}", data={
        "csrf_token": hidden(page, "csrf_token"), "step": "consent", "uuid": key, "language": language,
        "consent": "yes"})
    assert response.status_code == 302
    return key


def answer(client, data: dict, *, language="he"):
    """Post the page the resident is on, as a browser without JavaScript would."""
    page = client.get(URL).get_data(as_text=True)
    shown = hidden(page, "shown")
    form = {"csrf_token": hidden(page, "csrf_token"), "step": "page", "uuid": hidden(page, "uuid"),
            "page": hidden(page, "page"), "shown": shown, "action": "next", **data}
    return client.post(f"{URL}?lang={language}", data=form)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_language_picker_names_each_language_in_itself(client, survey):
    page = client.get(URL).get_data(as_text=True)
    assert 'lang="he"' in page and "עברית" in page and "English" in page
    assert "לגדול כאן" in page and "Growing up here" in page


def test_a_resident_completes_the_survey_without_javascript(client, survey):
    key = start(client)
    page = client.get(URL).get_data(as_text=True)
    assert 'dir="rtl"' in page and "את/ה" in page and "צפון" in page  # Hebrew labels and place names
    assert answer(client, {"role": "parent", "area": "N1", "kids": "2"}).status_code == 302
    # The care page shows; "what else" depends on an answer on the same page, so it is hidden...
    page = client.get(URL).get_data(as_text=True)
    assert "מה אתם צריכים?" in page
    assert re.search(r'data-name="other_need"[^>]*hidden', page)
    # ... and appears once "other" is ticked, without JavaScript: the server shows the page again.
    response = answer(client, {"needs": ["care", "other"]})
    assert response.status_code == 200 and "מה עוד?" in response.get_data(as_text=True)
    assert not re.search(r'data-name="other_need"[^>]*hidden', response.get_data(as_text=True))
    assert answer(client, {"needs": ["care", "other"], "other_need": "מקום לנוער"}).status_code == 302
    response = answer(client, {"hard": "הגן יקר מדי"})
    assert response.status_code == 302 and f"/thanks/{key}" in response.headers["Location"]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    stored = db.session.scalar(select(Response))
    assert str(stored.uuid) == key and stored.language == "he" and stored.channel == "online"
    assert stored.geography.code == "N1" and stored.groups == {"language": "he", "role": "parent"}
    assert {a.question: a.value for a in stored.answers} == {
        "role": "parent", "area": "N1", "kids": "2", "needs": "care other", "other_need": "מקום לנוער",
        "hard": "הגן יקר מדי"}
    assert count(VoiceItem) == 2 and count(SurveyProgress) == 0
    assert thanks  # the thank-you page renders


def test_skip_logic_skips_a_page_on_the_server(client, survey):
    start(client, "en")
    answer(client, {"role": "youth", "kids": "0"}, language="en")
    page = client.get(URL).get_data(as_text=True)
    assert "What is hardest?" in page and "What do you need?" not in page


def test_required_and_constraint_messages_are_announced(client, survey):
    start(client)
    response = answer(client, {"kids": "25"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert"' in page and "ספרו לנו מי אתם." in page and "בין 0 ל-20." in page
    assert 'aria-invalid="true"' in page
    # A constraint is not checked on an empty answer, as ODK does.
    assert answer(client, {"role": "parent", "kids": ""}).status_code == 302


def test_a_number_that_does_not_read_as_one_is_shown_again_with_its_problem(client, survey):
    # The page is drawn again with the text as typed: relevance must read it without failing.
    start(client, "en")
    response = answer(client, {"role": "parent", "kids": "two"}, language="en")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number, such as 3." in page and 'value="two"' in page


def test_a_reload_resumes_where_the_resident_was(client, survey):
    key = start(client)
    answer(client, {"role": "parent", "kids": "1"})
    page = client.get(URL).get_data(as_text=True)
    assert "מה אתם צריכים?" in page and hidden(page, "uuid") == key
    # Back keeps the answers.
    form = {"csrf_token": hidden(page, "csrf_token"), "step": "page", "uuid": key, "page": hidden(page, "page"),
            "shown": hidden(page, "shown"), "action": "back"}
    client.post(URL, data=form)
    page = client.get(URL).get_data(as_text=True)
    assert re.search(r'name="role" value="parent" checked', page)


def test_a_replayed_last_page_is_stored_once_and_thanks_again(client, survey):
    start(client, "en")
    answer(client, {"role": "parent", "kids": "0"}, language="en")
    page = client.get(URL).get_data(as_text=True)
    form = {"csrf_token": hidden(page, "csrf_token"), "step": "page", "uuid": hidden(page, "uuid"),
            "page": hidden(page, "page"), "shown": hidden(page, "shown"), "action": "next", "hard": "Buses"}
    first = client.post(URL, data=form)
    again = client.post(URL, data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"].split("?")[0] == again.headers["Location"].split("?")[0]
    assert count(Response) == 1


def test_same_uuid_with_other_content_is_refused_and_audited(client, survey):
    key = start(client, "en")
    stored = client.post(f"{URL}/responses", json={"uuid": key, "language": "en", "consent": True,
                                                    "answers": {"role": "youth"}})
    assert stored.status_code == 201
    answer(client, {"role": "parent", "kids": "0"}, language="en")
    response = answer(client, {"hard": "Different"}, language="en")
    assert response.status_code == 409
    assert count(Response) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.replay_conflict"))


def test_the_honeypot_thanks_a_bot_and_stores_nothing(client, survey):
    start(client, "en")
    answer(client, {"role": "parent", "kids": "0"}, language="en")
    response = answer(client, {"hard": "buy cheap pills", "website": "http://spam.example"}, language="en")
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert count(Response) == 0


def test_declining_consent_stores_nothing(client, survey):
    page = client.get(f"{URL}?lang=en").get_data(as_text=True)
    response = client.post(URL, data={"csrf_token": hidden(page, "csrf_token"), "step": "consent",
                                      "uuid": hidden(page, "uuid"), "language": "en", "consent": "no"})
    assert response.status_code == 200 and count(SurveyProgress) == 0


def test_a_closed_survey_is_not_found(client, survey):
    survey.is_open = False
    db.session.commit()
    assert client.get(URL).status_code == 404


def test_the_first_load_is_light_and_has_no_inline_script(client, survey):
    start(client, "en")
    page = client.get(URL).get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page
    assets = [client.get(path) for path in ("/static/css/voice.css", "/static/js/expressions.js",
                                            "/static/js/survey.js")]
    total = len(page.encode()) + sum(len(asset.get_data()) for asset in assets)
    for asset in assets:
        asset.close()
    assert total < 100 * 1024


# --- JSON intake ---------------------------------------------------------------------------------

def payload(**changes):
    return {"uuid": str(uuid.uuid4()), "language": "en", "consent": True,
            "answers": {"role": "parent", "area": "S1", "kids": 1, "needs": ["transport"], "hard": "Buses"},
            **changes}


def test_json_intake_created_replayed_conflict(client, survey):
    body = payload()
    first = client.post(f"{URL}/responses", json=body)
    assert first.status_code == 201 and first.json["status"] == "created"
    replay = client.post(f"{URL}/responses", json=body)
    assert replay.status_code == 200 and replay.json["uuid"] == body["uuid"]
    changed = client.post(f"{URL}/responses", json={**body, "answers": {**body["answers"], "hard": "Rent"}})
    assert changed.status_code == 409 and "error" in changed.json
    assert count(Response) == 1
    stored = db.session.scalar(select(Response))
    assert stored.geography.code == "S1" and {a.question: a.value for a in stored.answers}["needs"] == "transport"


def test_json_intake_refuses_invalid_submissions_with_messages(client, survey):
    bad = client.post(f"{URL}/responses", json=payload(
        uuid="nope", language="xx", consent=False,
        answers={"kids": 30, "needs": ["care"], "ghost": "boo"}))
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert set(errors) >= {"uuid", "language", "consent", "ghost"}
    valid_uuid = client.post(f"{URL}/responses", json=payload(answers={"kids": 30}))
    assert valid_uuid.status_code == 422
    assert valid_uuid.json["errors"] == {"role": "Tell us who you are.", "kids": "Between 0 and 20."}
    assert client.post(f"{URL}/responses", data="x").status_code == 415
    assert count(Response) == 0


def test_json_intake_drops_answers_to_skipped_questions(client, survey):
    body = payload(answers={"role": "youth", "kids": 0, "needs": ["care"]})
    assert client.post(f"{URL}/responses", json=body).status_code == 201
    stored = db.session.scalar(select(Response))
    assert {a.question for a in stored.answers} == {"role", "kids"}


@pytest.fixture
def mid_window(monkeypatch):
    """A clock in the middle of a rate-limit window, so that no test straddles the hour."""
    frozen = types.SimpleNamespace(time=lambda: 1_800_000_000.0 + ratelimit.WINDOW_SECONDS / 2)
    monkeypatch.setattr(ratelimit, "time", frozen)


@pytest.mark.usefixtures("mid_window")
def test_rate_limit_holds_across_server_processes(app, client, survey, database_url, tmp_path):
    app.config["INTAKE_PER_HOUR"] = 2
    for _ in range(2):
        assert client.post(f"{URL}/responses", json=payload()).status_code == 201
    # Another process on the same database counts the same address together.
    other = create_app({**{key: app.config[key] for key in ("SECRET_KEY", "DATA_KEYS", "SERVER_NAME")},
                        "TESTING": True, "INSTANCE_PATH": str(tmp_path / "other"),
                        "SQLALCHEMY_DATABASE_URI": database_url, "INTAKE_PER_HOUR": 2})
    with other.app_context():
        refused = other.test_client().post(f"{URL}/responses", json=payload())
        db.session.remove()
        db.engine.dispose()
    assert refused.status_code == 429
    assert count(Response) == 2
    keys = list(db.session.scalars(select(RateCounter.key)))
    assert keys and all("127.0.0.1" not in key and len(key) == 64 for key in keys)


@pytest.mark.usefixtures("mid_window")
def test_rate_limit_applies_to_the_form_too(app, client, survey):
    app.config["INTAKE_PER_HOUR"] = 1
    assert client.post(f"{URL}/responses", json=payload()).status_code == 201
    start(client, "en")
    answer(client, {"role": "parent", "kids": "0"}, language="en")
    assert answer(client, {"hard": "x"}, language="en").status_code == 429
    assert count(Response) == 1


@pytest.mark.usefixtures("mid_window")
def test_rate_limit_uses_redis_when_configured(app, client, survey):
    url = require_redis()
    app.config.update(RATELIMIT_STORAGE_URL=url, INTAKE_PER_HOUR=1)
    assert client.post(f"{URL}/responses", json=payload()).status_code == 201
    assert client.post(f"{URL}/responses", json=payload()).status_code == 429
    assert count(RateCounter) == 0




def _proxied_app(app, tmp_path, database_url, proxies: int):
    settings = {key: app.config[key] for key in ("SECRET_KEY", "DATA_KEYS", "SERVER_NAME")}
    return create_app({**settings, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "proxied"),
                       "SQLALCHEMY_DATABASE_URI": database_url, "INTAKE_PER_HOUR": 1,
                       "TRUSTED_PROXIES": proxies})


def _post_through_proxy(proxied, forwarded_for: str):
    with proxied.app_context():
        response = proxied.test_client().post(f"{URL}/responses", json=payload(),
                                              headers={"X-Forwarded-For": forwarded_for})
        db.session.remove()
        db.engine.dispose()
    return response.status_code


@pytest.mark.usefixtures("mid_window")
def test_behind_a_trusted_proxy_each_resident_has_an_allowance(app, survey, database_url, tmp_path):
    proxied = _proxied_app(app, tmp_path, database_url, proxies=1)
    assert _post_through_proxy(proxied, "203.0.113.7") == 201
    assert _post_through_proxy(proxied, "198.51.100.9") == 201  # another resident, same proxy
    assert _post_through_proxy(proxied, "203.0.113.7") == 429


@pytest.mark.usefixtures("mid_window")
def test_without_trusted_proxies_a_forwarded_address_is_not_believed(app, survey, database_url, tmp_path):
    direct = _proxied_app(app, tmp_path, database_url, proxies=0)
    assert _post_through_proxy(direct, "203.0.113.7") == 201
    assert _post_through_proxy(direct, "198.51.100.9") == 429  # a forged header gives no new allowance





def test_json_intake_refuses_deep_huge_and_odd_json_with_a_message(client, survey):
    """Hole 5: JSON nested 5,000 deep was a RecursionError: a 500 and a traceback per request."""
    deep = client.post(f"{URL}/responses", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert deep.status_code == 400 and "nested too deeply" in deep.json["error"]
    huge = client.post(f"{URL}/responses", json=payload(answers={"hard": "x" * 300_000}))
    assert huge.status_code == 413 and huge.json["error"]
    for body in ('{"uuid": NaN}', '{"language": "\\ud800"}', '{"kids": 1e999}', "\xff"):
        odd = client.post(f"{URL}/responses", data=body, content_type="application/json")
        assert odd.status_code == 400 and odd.json["error"], body
    assert count(Response) == 0


@pytest.mark.usefixtures("mid_window")
def test_replays_of_a_stored_submission_do_not_spend_the_allowance(app, client, survey):
    app.config["INTAKE_PER_HOUR"] = 1
    body = payload()
    assert client.post(f"{URL}/responses", json=body).status_code == 201
    for _ in range(3):  # a tablet or a browser retrying after a lost answer
        replay = client.post(f"{URL}/responses", json=body)
        assert replay.status_code == 200 and replay.json["status"] == "already_stored"
    assert client.post(f"{URL}/responses", json=payload()).status_code == 429


@pytest.mark.usefixtures("mid_window")
def test_last_page_whose_uuid_is_stored_does_not_spend_the_allowance(app, client, survey):
    app.config["INTAKE_PER_HOUR"] = 1
    key = start(client, "en")
    answer(client, {"role": "youth", "kids": "0"}, language="en")
    # The same resident's answers already arrived through the JSON intake, using the allowance.
    body = payload(uuid=key, answers={"role": "youth", "kids": 0, "hard": "x"})
    assert client.post(f"{URL}/responses", json=body).status_code == 201
    response = answer(client, {"hard": "x"}, language="en")
    assert response.status_code == 302 and f"/thanks/{key}" in response.headers["Location"]
    assert count(Response) == 1


# --- XLSForm question types, each published and answered the way a resident would ---------------

def published(campaign, slug: str, items: list) -> str:
    """A two-language survey of ``items`` at /s/<slug>, published; its address."""
    form = survey_operations.create_survey(campaign, slug=slug, title={}, languages=["en", "he"], actor=None,
                                           definition={**definition(), "form_id": slug, "items": items})
    assert survey_operations.publish(form, actor=None) is not None
    return f"/s/{slug}"


def consented(client, url: str) -> str:
    """Consent in English, as the first page asks; the page the survey then shows."""
    page = client.get(f"{url}?lang=en").get_data(as_text=True)
    client.post(f"{url}?lang=en", data={"csrf_token": hidden(page, "csrf_token"), "step": "consent",
                                        "uuid": hidden(page, "uuid"), "language": "en", "consent": "yes"})
    return client.get(url).get_data(as_text=True)


def send_page(client, url: str, data: dict):
    """Post the page the resident is on, without JavaScript."""
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": hidden(page, "csrf_token"), "step": "page", "uuid": hidden(page, "uuid"),
                                  "page": hidden(page, "page"), "shown": hidden(page, "shown"), "action": "next",
                                  **data})


def stored_answers() -> dict:
    return {a.question: a.value for a in db.session.scalar(select(Response)).answers}


def test_times_of_day_and_dates_with_times_are_asked_and_checked_without_javascript(client, campaign):
    url = published(campaign, "clock", [
        {"kind": "group", "name": "when", "label": {"en": "When", "he": "מתי"}, "appearance": "field-list",
         "relevant": None, "children": [q("at", "time", "At what time?", "באיזו שעה?"),
                                         q("since", "datetime", "Since when?", "ממתי?")]}])
    page = consented(client, url)
    assert '<input type="time"' in page and '<input type="datetime-local"' in page
    refused = send_page(client, url, {"at": "25:00", "since": "2024-02-30T10:00"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Enter a time as hours:minutes, such as 14:30." in text
    assert "Enter a date and a time, such as 2024-09-01 14:30." in text
    assert send_page(client, url, {"at": "07:45", "since": "2024-09-01 18:30"}).status_code == 302
    assert stored_answers() == {"at": "07:45", "since": "2024-09-01T18:30"}


def test_a_calculation_is_worked_out_and_stored_never_taken_from_the_sender(client, campaign):
    url = published(campaign, "household", [  # a calculation needs no label to be published
        q("adults", "integer", "Adults?", "מבוגרים?"), q("children", "integer", "Children?", "ילדים?"),
        {"kind": "question", "name": "size", "type": "calculate", "label": {}, "calculation": "${adults} + ${children}"},
        q("why", "text", "Why so many?", "למה רבים כל כך?", relevant="${size} > 5")])
    body = {"uuid": str(uuid.uuid4()), "language": "en", "consent": True,
            "answers": {"adults": 2, "children": 4, "size": "1", "why": "Cousins"}}
    response = client.post(f"{url}/responses", json=body)
    assert response.status_code == 201, response.get_json()
    assert stored_answers() == {"adults": "2", "children": "4", "size": "6", "why": "Cousins"}


def test_defaults_start_the_survey_and_a_read_only_answer_cannot_be_changed(client, campaign):
    url = published(campaign, "visit", [
        {"kind": "group", "name": "visit", "label": {"en": "Visit", "he": "ביקור"}, "appearance": "field-list",
         "relevant": None, "children": [q("round", "integer", "Round", "סבב", default="2", read_only=True),
                                         q("people", "integer", "People?", "כמה אנשים?", default="4")]}])
    page = consented(client, url)
    assert re.search(r'<fieldset class="read-only" disabled>\s*<label for="q-round"', page)
    assert 'name="round" value="2"' in page and 'name="people" value="4"' in page
    assert send_page(client, url, {"round": "9", "people": "5"}).status_code == 302
    assert stored_answers() == {"round": "2", "people": "5"}


def test_a_label_shows_the_answers_it_names_as_odk_does(client, campaign):
    url = published(campaign, "echo", [
        q("kids", "integer", "Children?", "ילדים?"),
        {"kind": "question", "name": "size", "type": "calculate", "label": {}, "calculation": "${kids} + 2"},
        q("seen", "note", "You told us ${kids} children: ${size} at home.", "סיפרת על ${kids} ילדים.",
          hint={"en": "Not ${kids}? Go back.", "he": "לא ${kids}? אפשר לחזור."})])
    consented(client, url)
    send_page(client, url, {"kids": "3"})
    page = client.get(url).get_data(as_text=True)
    assert ('You told us <output data-ref="kids">3</output> children: <output data-ref="size">5</output> at home.'
            in page)
    assert 'Not <output data-ref="kids">3</output>? Go back.' in page


def test_a_position_is_typed_without_javascript_and_checked(client, campaign):
    url = published(campaign, "door", [q("door", "geopoint", "Where is the door?", "איפה הדלת?", required=True)])
    page = consented(client, url)
    assert 'data-locate="q-door"' in page
    assert re.search(r"Use this device(&#39;|'|’)s position</button>", page)
    refused = send_page(client, url, {"door": "31.77"})
    assert refused.status_code == 422
    assert "Enter a position as latitude and longitude, such as 31.7767 35.2345." in refused.get_data(as_text=True)
    assert send_page(client, url, {"door": "31.7767 35.2345"}).status_code == 302
    assert stored_answers() == {"door": "31.7767 35.2345"}


def test_a_range_is_asked_with_its_limits_and_checked_on_its_steps(client, campaign):
    url = published(campaign, "stars", [
        q("stars", "range", "How many stars?", "כמה כוכבים?", parameters={"start": "1", "end": "5", "step": "1"})])
    page = consented(client, url)
    assert 'min="1" max="5" step="1"' in page and "1 – 5" in page
    refused = send_page(client, url, {"stars": "7"})
    assert refused.status_code == 422 and "Choose a number within the range shown." in refused.get_data(as_text=True)
    assert send_page(client, url, {"stars": "4"}).status_code == 302
    assert stored_answers() == {"stars": "4"}


def test_a_barcode_is_typed_stored_as_text_and_never_a_voice_item(client, campaign):
    url = published(campaign, "meter", [q("meter", "barcode", "Meter number?", "מספר מונה?", required=True),
                                        q("why", "text", "Why?", "למה?")])
    page = consented(client, url)
    assert re.search(r'<input type="text" id="q-meter" name="meter"', page)
    assert send_page(client, url, {"meter": ""}).status_code == 422
    assert send_page(client, url, {"meter": " 4006381333931 "}).status_code == 302
    assert send_page(client, url, {"why": "It hums at night"}).status_code == 302
    assert stored_answers() == {"meter": "4006381333931", "why": "It hums at night"}
    assert [item.original_text for item in db.session.scalars(select(VoiceItem))] == ["It hums at night"]


def test_a_rank_is_ordered_with_a_number_per_choice_without_javascript(client, campaign):
    url = published(campaign, "needs", [
        q("needs", "rank", "Put these in order", "סדרו לפי החשיבות", choice_list="needs", required=True)])
    page = consented(client, url)
    choices = re.findall(r'<select name="needs:([^"]+)"', page)
    assert choices == ["care", "transport", "other"]
    assert 'aria-label="Place of Daycare"' in page
    refused = send_page(client, url, {"needs:care": "1", "needs:transport": "1", "needs:other": "2"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Give every option its own place in the order: 1 for the first, 2 for the next, and so on." in text
    assert re.search(r'<select name="needs:other"[^>]*>\s*<option value="">–</option>\s*<option>1</option>'
                     r'<option selected>2</option>', text)  # shown again as the resident gave it
    assert send_page(client, url, {"needs:care": "2", "needs:transport": "3", "needs:other": "1"}).status_code == 302
    assert stored_answers() == {"needs": "other care transport"}


def test_a_trigger_is_one_ok_box_and_is_stored_as_ok(client, campaign):
    url = published(campaign, "rules", [q("rules", "trigger", "I have read the rules", "קראתי את הכללים", required=True)])
    page = consented(client, url)
    assert re.search(r'<input type="checkbox" id="q-rules" name="rules" value="OK"> OK</label>', page)
    refused = send_page(client, url, {})
    assert refused.status_code == 422
    assert send_page(client, url, {"rules": "OK"}).status_code == 302
    assert stored_answers() == {"rules": "OK"}


def test_a_calculation_pulls_its_value_from_the_surveys_table(client, campaign):
    form = survey_operations.create_survey(campaign, slug="fruit", title={}, languages=["en", "he"], actor=None,
                                           definition={**definition(), "form_id": "fruit", "items": [
                                               q("fruit", "text", "Which fruit?", "איזה פרי?"),
                                               {"kind": "question", "name": "price", "type": "calculate", "label": {},
                                                "calculation": "pulldata('prices', 'price', 'fruit', ${fruit})"}],
                                               "data_files": {"prices.csv": [{"fruit": "mango", "price": "3"}]}})
    assert survey_operations.publish(form, actor=None) is not None
    body = {"uuid": str(uuid.uuid4()), "language": "en", "consent": True, "answers": {"fruit": "mango", "price": "0"}}
    response = client.post("/s/fruit/responses", json=body)
    assert response.status_code == 201, response.get_json()
    assert stored_answers() == {"fruit": "mango", "price": "3"}


# --- Repeats ------------------------------------------------------------------------------------

def roster_items(count=None) -> list:
    """A household roster: a repeat of members (a count, when given), each with a name, an age
    and a question relevant on that member's own age, and the household size counted."""
    repeat = {"kind": "group", "name": "members", "label": {"en": "Member", "he": "בן/בת בית"}, "appearance": "field-list",
              "relevant": None, "repeat": True, "children": [
                  q("first", "text", "Name?", "שם?", required=True),
                  q("age", "integer", "Age of ${first}?", "גיל של ${first}?", constraint=". < 120"),
                  q("school", "text", "Which school?", "איזה בית ספר?", relevant="${age} < 18")]}
    if count:
        repeat["repeat_count"] = count
    return [q("adults", "integer", "How many live here?", "כמה גרים כאן?"), repeat,
            {"kind": "question", "name": "size", "type": "calculate", "label": {}, "calculation": "count(${members})"},
            q("hard", "text", "What is hard for ${size} people?", "מה קשה ל-${size} אנשים?")]


def instances() -> dict:
    return {(a.instance, a.question): a.value for a in db.session.scalar(select(Response)).answers}


def test_json_intake_takes_a_repeat_as_a_list_of_instances_and_checks_each(client, campaign):
    url = published(campaign, "roster", roster_items())
    members = [{"first": "Ana", "age": 40, "school": "ignored: not relevant for her"}, {"first": "Ben", "age": 9, "school": "Oak"}]
    body = {"uuid": str(uuid.uuid4()), "language": "en", "consent": True,
            "answers": {"adults": 1, "members": members + [{"first": "", "age": 200}], "hard": "Rent"}}
    refused = client.post(f"{url}/responses", json=body)
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"members/3/first", "members/3/age"}
    misplaced = client.post(f"{url}/responses", json={**body, "answers": {"first": "Ana"}})
    assert misplaced.status_code == 422 and set(misplaced.json["errors"]) == {"first"}
    body["answers"]["members"] = members
    assert client.post(f"{url}/responses", json=body).status_code == 201
    assert instances() == {("", "adults"): "1", ("members/1", "first"): "Ana", ("members/1", "age"): "40",
                           ("members/2", "first"): "Ben", ("members/2", "age"): "9", ("members/2", "school"): "Oak",
                           ("", "size"): "2", ("", "hard"): "Rent"}
    assert client.post(f"{url}/responses", json=body).status_code == 200  # a replay stores nothing new
    assert count(Response) == 1 and count(VoiceItem) == 4  # Ana, Ben, Oak, Rent


def press(client, url: str, action: str, data: dict):
    """Post the page the resident is on with one of its buttons, without JavaScript."""
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": hidden(page, "csrf_token"), "step": "page", "uuid": hidden(page, "uuid"),
                                  "page": hidden(page, "page"), "shown": hidden(page, "shown"), "action": action,
                                  **data})


def test_a_resident_adds_and_removes_household_members_without_javascript(client, campaign):
    url = published(campaign, "members", roster_items())
    consented(client, url)
    assert send_page(client, url, {"adults": "2"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    # One member to begin with, its fields named by instance; buttons to add one or remove the last.
    assert 'name="members/1/first"' in page and 'name="members/2/first"' not in page
    assert "Member: number 1" in page and 'value="add:members"' in page and 'value="remove:members"' in page
    assert press(client, url, "add:members", {"members/1/first": "Ana", "members/1/age": "40"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Member: number 2" in page and 'name="members/2/first"' in page and ">Ana</textarea>" in page
    assert press(client, url, "add:members", {"members/1/first": "Ana", "members/1/age": "40",
                                              "members/2/first": "Ben", "members/2/age": "9"}).status_code == 302
    assert press(client, url, "remove:members", {"members/1/first": "Ana", "members/1/age": "40",
                                                 "members/2/first": "Ben", "members/2/age": "9",
                                                 "members/3/first": ""}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'name="members/3/first"' not in page and 'name="members/2/first"' in page
    # Each member's questions read that member's answers: Ben's school is asked (he is 9), Ana's is not.
    assert 'Age of <output data-ref="first">Ben</output>?' in page and '<output data-ref="first">Ana</output>' in page
    assert re.search(r'data-name="members/1/school"[^>]*hidden', page)
    assert not re.search(r'data-name="members/2/school"[^>]*hidden', page)
    refused = send_page(client, url, {"members/1/first": "", "members/1/age": "40", "members/2/first": "Ben",
                                      "members/2/age": "9", "members/2/school": "Oak"})
    assert refused.status_code == 422 and 'href="#q-members/1/first"' in refused.get_data(as_text=True)
    assert send_page(client, url, {"members/1/first": "Ana", "members/1/age": "40", "members/2/first": "Ben",
                                   "members/2/age": "9", "members/2/school": "Oak"}).status_code == 302
    assert 'What is hard for <output data-ref="size">2</output> people?' in client.get(url).get_data(as_text=True)
    assert send_page(client, url, {"hard": "Space"}).status_code == 302
    assert instances() == {("", "adults"): "2", ("members/1", "first"): "Ana", ("members/1", "age"): "40",
                           ("members/2", "first"): "Ben", ("members/2", "age"): "9", ("members/2", "school"): "Oak",
                           ("", "size"): "2", ("", "hard"): "Space"}


def test_a_repeat_with_a_count_shows_that_many_members_and_no_buttons(client, campaign):
    url = published(campaign, "counted", roster_items(count="${adults}"))
    consented(client, url)
    send_page(client, url, {"adults": "3"})
    page = client.get(url).get_data(as_text=True)
    assert 'name="members/3/first"' in page and 'name="members/4/first"' not in page
    assert "add:members" not in page and "remove:members" not in page
    answers = {f"members/{n}/first": name for n, name in ((1, "Ana"), (2, "Ben"), (3, "Cy"))}
    assert send_page(client, url, answers).status_code == 302
    assert send_page(client, url, {"hard": ""}).status_code == 302
    assert {(i, q) for (i, q) in instances() if i} == {(f"members/{n}", "first") for n in (1, 2, 3)}


# --- What the resident reads: the page count, the button, headings, place names ---------------

def _page_count(page: str) -> tuple[int, int]:
    match = re.search(r"Page (\d+) of (\d+)", page)
    assert match, "no page count"
    return int(match.group(1)), int(match.group(2))


def _consent_first(campaign) -> str:
    """The survey's own consent question opens the pages after it; the care page also
    depends on an answer given later."""
    yes = "${agree} = 'yes'"
    return published(campaign, "consent-first", [
        {"kind": "question", "name": "agree", "type": "consent", "label": {"en": "I agree", "he": "אני מסכים/ה"},
         "required": True},
        {"kind": "group", "name": "about", "label": {"en": "About you", "he": "עליך"}, "appearance": "field-list",
         "relevant": yes, "children": [q("role", "select_one", "You are", "את/ה", choice_list="roles"),
                                        q("kids", "integer", "How many children?", "כמה ילדים?")]},
        {"kind": "group", "name": "care", "label": {"en": "Childcare", "he": "מסגרות"}, "appearance": "field-list",
         "relevant": f"{yes} and ${{kids}} > 0", "children": [q("needs", "text", "What do you need?", "מה צריך?")]},
        q("hard", "text", "What is hardest?", "מה הכי קשה?", relevant=yes)])


def test_the_page_count_is_known_from_the_consent_page_and_only_the_last_page_sends(client, campaign):
    url = _consent_first(campaign)
    page = consented(client, url)
    assert _page_count(page) == (1, 4)  # not "1 of 1": the pages consent opens are counted
    assert "Send my answers" not in page and ">Next<" in page
    assert send_page(client, url, {"agree": "yes"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert _page_count(page) == (2, 4) and "Send my answers" not in page
    assert send_page(client, url, {"role": "parent", "kids": "2"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert _page_count(page) == (3, 4) and "Send my answers" not in page
    assert send_page(client, url, {"needs": "Daycare"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert _page_count(page) == (4, 4) and "Send my answers" in page


def test_a_page_that_another_answer_skips_leaves_the_count(client, campaign):
    url = _consent_first(campaign)
    consented(client, url)
    send_page(client, url, {"agree": "yes"})
    send_page(client, url, {"role": "youth", "kids": "0"})
    page = client.get(url).get_data(as_text=True)
    assert _page_count(page) == (3, 3) and "What is hardest?" in page and "Send my answers" in page


def test_a_page_heading_never_says_one_of_its_questions_again(client, campaign):
    url = published(campaign, "headings", [
        {"kind": "group", "name": "borrowed", "label": {"en": "How many children?", "he": "כמה ילדים?"},
         "appearance": "field-list", "relevant": None,
         "children": [q("role", "text", "You are", "את/ה"), q("kids", "integer", "How many children?", "כמה ילדים?")]},
        {"kind": "group", "name": "own", "label": {"en": "Your street", "he": "הרחוב שלך"},
         "appearance": "field-list", "relevant": None,
         "children": [q("lights", "text", "Lights?", "תאורה?"), q("trees", "text", "Trees?", "עצים?")]}])
    page = consented(client, url)
    assert page.count("How many children?") == 1  # the question's label, no heading saying it again
    assert re.search(r'<h1 class="survey-title">', page)  # the page keeps one heading: the title
    send_page(client, url, {"role": "parent", "kids": "1"})
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<h1 dir="auto">Your street</h1>', page) and page.count("<h1") == 1


def test_a_place_without_a_name_in_the_interview_language_keeps_its_own_name(client, campaign):
    db.session.add(Geography(code="OM", name="Old Market", names={"he": "השוק הישן"}, level="neighbourhood"))
    db.session.commit()
    url = published(campaign, "places", [q("area", "geography", "Where do you live?", "איפה?")])
    page = consented(client, url)
    assert ">Old Market</option>" in page and "השוק הישן" not in page
    assert ">North</option>" in page  # North has only a Hebrew translation, too
