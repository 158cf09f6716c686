"""The sync API: stored once (201), replays answered with the same id (200), changed replays
refused (409, audited), bad records refused (422) with nothing stored, roles and turfs checked."""
from __future__ import annotations

import copy
import hashlib
import re
import uuid

import lxml.html
from sqlalchemy import func, select

from voice.extensions import db
from voice.models import AuditEvent, Response, SurveyAttachment, SurveyVersion, Visit

from ...helpers import sign_in, tiny_png
from .conftest import Api
from .field import response_payload, visit_payload


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_response_is_stored_once_and_inherits_the_door(api, field, users):
    payload = response_payload(field, door="s-1", area="N1")
    first = api.post("responses", payload)
    assert first.status_code == 201, first.get_json()
    replay = api.post("responses", payload)
    assert replay.status_code == 200
    assert replay.get_json()["id"] == first.get_json()["id"]
    assert replay.get_json()["status"] == "replayed"
    response = db.session.scalar(select(Response))
    assert count(Response) == 1
    assert response.channel == "canvass" and response.canvasser_id == users["canvasser"].id
    assert response.geography_id == field.south.id  # the door's place, not the answer's
    assert {a.question: a.value for a in response.answers}["needs"] == "care"
    assert response.device_submitted_at is not None and response.received_at is not None


def test_changed_replay_is_refused_and_audited(api, field):
    payload = response_payload(field)
    assert api.post("responses", payload).status_code == 201
    changed = api.post("responses", {**payload, "answers": {**payload["answers"], "hard": "Something else"}})
    assert changed.status_code == 409
    assert changed.get_json()["id"] == db.session.scalar(select(Response.id))
    assert count(Response) == 1
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "response.replay_conflict"))


def test_device_clock_is_not_part_of_the_record(api, field):
    payload = response_payload(field)
    assert api.post("responses", payload).status_code == 201
    later_clock = {**payload, "submitted_at": "2026-05-01T11:30:00Z"}  # another clock, still plausible
    assert api.post("responses", later_clock).status_code == 200


def test_visit_is_stored_once(api, field):
    payload = visit_payload(field, outcome="come_back", come_back_at="2026-05-02T18:00:00Z")
    first = api.post("visits", payload)
    assert first.status_code == 201, first.get_json()
    again = api.post("visits", payload)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert api.post("visits", {**payload, "outcome": "moved", "come_back_at": None}).status_code == 409
    assert count(Visit) == 1
    visit = db.session.scalar(select(Visit))
    assert visit.outcome == "come_back" and visit.come_back_at is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "visit.replay_conflict"))


def test_interview_links_to_its_visit(api, field):
    visit = visit_payload(field, outcome="completed")
    assert api.post("visits", visit).status_code == 201
    assert api.post("responses", {**response_payload(field), "visit": visit["uuid"]}).status_code == 201
    assert db.session.scalar(select(Response.visit_id)) == db.session.scalar(select(Visit.id))


def test_bad_json_is_refused_with_a_message(api, field):
    raw = api.client.post("/canvass/api/responses", data="{not json", content_type="application/json",
                          headers={"X-CSRFToken": api.token})
    assert raw.status_code == 422 and raw.get_json()["error"]
    for payload in ({"uuid": "nope"}, [], {**response_payload(field), "uuid": "x"},
                    {**response_payload(field), "answers": "x"},
                    {**response_payload(field), "language": "fr"},
                    response_payload(field, kids="40"),  # the constraint
                    response_payload(field, role=""),  # required
                    {**response_payload(field), "answers": {"nope": "1"}}):
        answer = api.post("responses", payload)
        assert answer.status_code == 422, (payload, answer.status_code)
        assert answer.get_json()["error"] and isinstance(answer.get_json()["problems"], list)
    assert api.post("visits", visit_payload(field, outcome="gone")).status_code == 422
    assert api.post("visits", visit_payload(field, outcome="come_back")).status_code == 422  # no time
    assert count(Response) == 0 and count(Visit) == 0


def test_messages_follow_the_canvassers_language(api, field):
    english = api.post("responses", {"uuid": "x"}).get_json()["error"]
    assert english
    answer = api.client.post("/canvass/api/responses?lang=he", json={"uuid": "x"},
                             headers={"X-CSRFToken": api.token})
    assert answer.status_code == 422 and answer.get_json()["error"]


def test_unknown_turf_and_door_are_refused(api, field):
    assert api.post("responses", {**response_payload(field), "turf": 999}).status_code == 422
    assert api.post("responses", response_payload(field, door="nowhere")).status_code == 422
    assert api.post("visits", visit_payload(field, door="nowhere")).status_code == 422
    assert api.post("visits", {**visit_payload(field), "turf": "1"}).status_code == 422
    assert count(Response) == 0 and count(Visit) == 0


def test_another_canvassers_turf_is_forbidden(api, field):
    payload = {**visit_payload(field, door="s-2"), "turf": field.other_turf.id}
    assert api.post("visits", payload).status_code == 403
    assert count(Visit) == 0


def test_consent_refused_stores_nothing(api, field):
    assert api.post("responses", response_payload(field, consent="")).status_code == 422
    assert count(Response) == 0


def test_other_roles_and_anonymous_cannot_sync(app, client, field, users):
    for role in ("analyst", "admin", "committee", "facilitator"):
        other = app.test_client()
        assert sign_in(other, f"{role}@example.org").status_code == 302
        answer = other.post("/canvass/api/visits", json=visit_payload(field))
        assert answer.status_code in (400, 403)  # no token to be had: GET /api/session is 403 too
        assert other.get("/canvass/api/session").status_code == 403
    anonymous = client.post("/canvass/api/visits", json=visit_payload(field))
    assert anonymous.status_code in (302, 400)
    assert count(Visit) == 0


def test_without_the_csrf_header_nothing_is_stored(client, field):
    assert sign_in(client, "canvasser@example.org").status_code == 302
    assert client.post("/canvass/api/visits", json=visit_payload(field)).status_code == 400
    assert count(Visit) == 0


def test_bundle_holds_turf_and_surveys(api, field):
    assert api.post("visits", visit_payload(field, door="n-2", outcome="moved")).status_code == 201
    assert api.post("visits", visit_payload(field, door="n-3", outcome="come_back",
                                            come_back_at="2026-05-02T16:30:00Z")).status_code == 201
    bundle = api.client.get("/canvass/api/bundle").get_json()
    assert [turf["name"] for turf in bundle["turfs"]] == ["North A"]
    doors = {door["id"]: door for door in bundle["turfs"][0]["doors"]}
    assert doors["n-2"]["last_outcome"] == "moved" and doors["n-1"]["last_outcome"] is None
    assert doors["n-3"]["last_outcome"] == "come_back" and doors["n-3"]["come_back_at"] == "2026-05-02T16:30:00+00:00"
    assert doors["n-2"]["come_back_at"] is None
    (survey,) = bundle["surveys"]
    assert survey["slug"] == "door-survey" and survey["languages"] == ["en", "he", "am"]
    assert set(survey["messages"]) == {"en", "he", "am"} and survey["directions"]["he"] == "rtl"
    assert [page["name"] for page in survey["pages"]] == ["consent", "about", "voice"]
    assert 'value="N1"' in survey["questions"]["en"]["area"] and 'value="S1"' in survey["questions"]["en"]["area"]
    assert survey["consent_question"] == "consent"


def test_app_shell_manifest_and_worker(api):
    page = api.client.get("/canvass/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="canvass-strings"' in html and "<script>" not in html
    manifest = api.client.get("/canvass/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.get_json()["scope"] == "/canvass/"
    icons = {icon["sizes"]: icon for icon in manifest.get_json()["icons"]}
    assert {"any", "192x192", "512x512"} <= set(icons)  # what browsers ask of an installable app
    for size in ("192x192", "512x512"):
        with api.client.get(icons[size]["src"]) as png:
            assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    worker = api.client.get("/canvass/sw.js")
    source = worker.get_data(as_text=True)
    assert worker.mimetype == "text/javascript" and worker.headers["Service-Worker-Allowed"] == "/canvass/"
    assert "__VERSION__" not in source and "/static/js/canvass/app.js" in source and "/canvass/api/bundle" in source


def test_api_client_helper_is_reusable(app, field):
    other = app.test_client()
    assert sign_in(other, "canvasser2@example.org").status_code == 302
    payload = {**visit_payload(field, door="s-2"), "turf": field.other_turf.id, "uuid": str(uuid.uuid4())}
    assert Api(other).post("visits", payload).status_code == 201


def _question_markup(html: str, name: str) -> bytes:
    """One question's element, as compared between the online page and the tablet's bundle:
    whether it is shown yet, and the tablet's empty error line, are the only differences."""
    node = lxml.html.fromstring(html).xpath(f'//div[@data-name="{name}"]')[0]
    node.attrib.pop("hidden", None)
    for line in node.xpath('.//p[@class="error"][@hidden]'):
        line.getparent().remove(line)
    return re.sub(rb"\s+", b" ", lxml.html.tostring(node)).strip()


def test_tablet_questions_are_drawn_by_the_online_survey_renderer(api, field):
    bundle = api.client.get("/canvass/api/bundle").get_json()
    (survey,) = bundle["surveys"]
    url = f"/s/{field.survey.slug}?lang=he"
    page = api.client.get(url).get_data(as_text=True)
    token, key = (re.search(rf'name="{name}" value="([^"]*)"', page).group(1) for name in ("csrf_token", "uuid"))
    assert api.client.post(url, data={"csrf_token": token, "step": "consent", "uuid": key, "language": "he",
                                      "consent": "yes"}).status_code == 302
    # The survey's own consent question is its first page; then comes "about", in Hebrew.
    assert api.client.post(url, data={"csrf_token": token, "step": "page", "uuid": key, "page": "0",
                                      "shown": "consent", "consent": "yes", "action": "next"}).status_code == 302
    online = api.client.get(url).get_data(as_text=True)
    for name in ("area", "role", "kids"):
        tablet = survey["questions"]["he"][name]
        assert 'class="error"' in tablet and "hidden" in tablet  # the line the tablet fills
        assert _question_markup(tablet, name) == _question_markup(online, name)
    assert "איפה את/ה גר/ה?" in survey["questions"]["he"]["area"]
    assert "How many children?" in survey["questions"]["en"]["kids"]


def test_tablet_gets_every_choice_of_a_filtered_question(api, field):
    """A choice filter that some choices pass even before it can be decided must not thin
    the tablet's list: the tablet filters live, so the bundle draws every choice."""
    definition = copy.deepcopy(field.version.definition)
    needs = definition["items"][2]["children"][0]
    needs["choice_filter"] = "size = 'any' or ${kids} > 3"
    for choice, size in zip(definition["choice_lists"]["needs"], ("any", "big")):
        choice["attributes"] = {"size": size}
    db.session.add(SurveyVersion(survey=field.survey, number=2, definition=definition))
    db.session.commit()
    (survey,) = api.client.get("/canvass/api/bundle").get_json()["surveys"]
    assert survey["version"] != field.version.id
    drawn = survey["questions"]["en"]["needs"]
    assert 'value="care"' in drawn and 'value="transport"' in drawn


def test_a_rank_reaches_the_tablet_as_a_number_per_choice_and_syncs_as_the_order(api, field):
    definition = copy.deepcopy(field.version.definition)
    needs = definition["items"][2]["children"][0]
    needs["type"] = "rank"
    version = SurveyVersion(survey=field.survey, number=2, definition=definition)
    db.session.add(version)
    db.session.commit()
    (survey,) = api.client.get("/canvass/api/bundle").get_json()["surveys"]
    drawn = lxml.html.fromstring(survey["questions"]["en"]["needs"])
    assert drawn.xpath("//select/@data-choice") == ["care", "transport"]  # the field survey's two needs
    assert survey["messages"]["he"]["rank"] == "תנו לכל אפשרות מקום משלה בסדר: 1 לראשונה, 2 לבאה אחריה, וכן הלאה."
    payload = {**response_payload(field, needs="transport care"), "version": version.id}
    assert api.post("responses", payload).status_code == 201
    assert {a.question: a.value for a in db.session.scalar(select(Response)).answers}["needs"] == "transport care"
    refused = {**response_payload(field, needs="transport transport"), "version": version.id}
    assert api.post("responses", refused).status_code == 422


# --- Hardening (issue #16) -----------------------------------------------------------------------


def test_a_timestamp_past_the_year_9999_is_refused_and_the_exports_still_work(api, app, field):
    """Hole 1: such a record was a 500 that committed the row, and every export of the survey
    failed from then on ("timestamp too large")."""
    far = {**response_payload(field), "started_at": "9999-12-31T23:59:59-23:59"}
    answer = api.post("responses", far)
    assert answer.status_code == 422 and answer.get_json()["problems"][0]["field"] == "started_at"
    ahead = {**response_payload(field), "submitted_at": "2999-01-01T00:00:00Z"}  # a year the column holds
    assert api.post("responses", ahead).status_code == 422
    ancient = visit_payload(field, recorded_at="1970-01-01T00:00:00Z")
    assert api.post("visits", ancient).status_code == 422
    assert api.post("visits", visit_payload(field, outcome="come_back",
                                            come_back_at="9999-12-31T23:59:59-23:59")).status_code == 422
    assert count(Response) == 0 and count(Visit) == 0
    assert api.post("responses", response_payload(field)).status_code == 201
    staff = app.test_client()
    assert sign_in(staff, "analyst@example.org").status_code == 302
    for suffix in ("", ".csv", ".xlsx"):
        assert staff.get(f"/surveys/{field.survey.slug}/responses{suffix}").status_code == 200


def test_numbers_beyond_the_integer_columns_are_refused(api, field):
    """Hole 5: a version or turf of 2**70 was "integer out of range" on PostgreSQL (and an
    OverflowError on SQLite): a 500."""
    for payload in ({**response_payload(field), "version": 2**70}, {**response_payload(field), "turf": 2**70},
                    {**visit_payload(field), "turf": -2**70}):
        kind = "responses" if "survey" in payload else "visits"
        answer = api.post(kind, payload)
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["error"]
    assert count(Response) == 0 and count(Visit) == 0


def test_deep_or_huge_json_is_refused_with_the_sync_apis_message(api, field):
    """Hole 5: nesting thousands deep was a RecursionError (a 500 and a traceback per request)."""
    deep = api.client.post("/canvass/api/responses", data="[" * 5000 + "]" * 5000, content_type="application/json",
                           headers={"X-CSRFToken": api.token})
    assert deep.status_code == 422 and "nested too deeply" in deep.get_json()["error"]
    huge = api.post("visits", {**visit_payload(field), "note": "x" * 300_000})
    assert huge.status_code == 413 and "too large" in huge.get_json()["error"]
    assert count(Visit) == 0


def test_a_replay_from_another_canvasser_is_a_conflict_that_reveals_nothing(api, app, field, canvasser2):
    """Hole 9: canvasser B resending A's uuid from B's own turf got "200 replayed" with A's id."""
    mine = response_payload(field)
    visit = visit_payload(field)
    assert api.post("responses", mine).status_code == 201
    assert api.post("visits", visit).status_code == 201
    other = app.test_client()
    assert sign_in(other, "canvasser2@example.org").status_code == 302
    theirs = Api(other)
    elsewhere = {"turf": field.other_turf.id, "door": "s-2"}
    for kind, payload in (("responses", {**mine, **elsewhere}), ("visits", {**visit, **elsewhere}),
                          ("responses", {**mine, **elsewhere, "answers": {**mine["answers"], "hard": "Other"}})):
        answer = theirs.post(kind, payload)
        assert answer.status_code == 409, answer.get_json()
        assert "id" not in answer.get_json() and answer.get_json()["status"] == "conflict"
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == canvasser2.id,
                                                          AuditEvent.action.like("%.replay_conflict"))).all()
    assert sorted(event.action for event in audited) == ["response.replay_conflict", "response.replay_conflict",
                                                         "visit.replay_conflict"]
    assert count(Response) == 1 and count(Visit) == 1
    assert db.session.scalar(select(Response.canvasser_id)) != canvasser2.id


def test_a_nul_in_a_survey_name_is_refused_not_a_server_error(api, field):
    """Hole 5's kin: PostgreSQL refuses NUL in a query's text ("cannot contain NUL"), a 500."""
    answer = api.post("responses", {**response_payload(field), "survey": "door\x00survey"})
    assert answer.status_code == 422 and answer.get_json()["problems"][0]["field"] == "survey"
    assert count(Response) == 0


def test_the_bundle_lists_the_media_its_questions_show_for_the_tablet_to_keep(api, field):
    image = tiny_png()
    sha256 = hashlib.sha256(image).hexdigest()
    db.session.add(SurveyAttachment(survey_id=field.survey.id, name="bus.png", content_type="image/png",
                                    sha256=sha256, content=image))
    definition = copy.deepcopy(field.version.definition)
    definition["attachments"] = {"bus.png": sha256}
    definition["items"][1]["children"][2]["media"] = {"image": {"en": "bus.png"}}  # kids
    db.session.add(SurveyVersion(survey=field.survey, number=2, definition=definition))
    db.session.commit()
    (survey,) = api.client.get("/canvass/api/bundle").get_json()["surveys"]
    url = f"/s/{field.survey.slug}/media/{sha256}/bus.png"
    assert survey["media"] == [url]
    assert f'<img src="{url}" alt="How many children?">' in survey["questions"]["en"]["kids"]
    assert api.client.get(url).data == image
