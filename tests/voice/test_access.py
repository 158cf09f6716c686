"""Every registered route, and what anonymous visitors and each role get from it.

A route missing from ACCESS fails ``test_every_route_is_in_the_matrix``: adding a route means
deciding here who may reach it.
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone

import pytest

from voice.models import (ROLES, Campaign, CodingAssignment, CodingRound, Comment, Job, ListeningSession, Survey,
                          SurveyAttachment,
                          Turf, VoiceItem)
from voice.extensions import db
from voice.nlp_adapter import import_codebook
from voice.surveys import operations as survey_operations
from voice.intake.responses import store_response

from ..helpers import csrf_token, sign_in, tiny_png

ANYONE = "anyone"
STAFF = ("admin", "analyst")
REVIEWERS = ("admin", "analyst", "committee")  # committee reads aggregates and redacted quotes only
RECORDERS = ("admin", "analyst", "facilitator")  # a facilitator reaches only their own sessions

# endpoint -> (roles allowed, or ANYONE), and the method to try it with.
ACCESS: dict[str, tuple[object, str]] = {
    "static": (ANYONE, "GET"),
    "home.index": (ANYONE, "GET"),
    "auth.sign_in": (ANYONE, "GET"),
    "auth.sign_out": (ROLES, "POST"),
    "auth.users": (("admin",), "GET"),
    "auth.create_user": (("admin",), "GET"),
    "auth.edit_user": (("admin",), "GET"),
    "campaigns.index": (("admin", "analyst", "facilitator", "committee"), "GET"),
    "campaigns.create": (STAFF, "GET"),
    "campaigns.edit": (STAFF, "GET"),
    "home.healthz": (ANYONE, "GET"),
    "surveys.index": (STAFF, "GET"),
    "surveys.create": (STAFF, "GET"),
    "surveys.upload": (STAFF, "GET"),
    "surveys.detail": (STAFF, "GET"),
    "surveys.settings": (STAFF, "GET"),
    "surveys.new_question": (STAFF, "GET"),
    "surveys.edit_question": (STAFF, "GET"),
    "surveys.new_page": (STAFF, "GET"),
    "surveys.edit_page": (STAFF, "GET"),
    "surveys.move_item": (STAFF, "POST"),
    "surveys.delete_item": (STAFF, "POST"),
    "surveys.publish": (STAFF, "POST"),
    "surveys.set_open": (STAFF, "POST"),
    "surveys.export_form": (STAFF, "GET"),
    "surveys.export_form_with_files": (STAFF, "GET"),
    "surveys.responses": (STAFF, "GET"),
    "surveys.export_csv": (STAFF, "GET"),
    "surveys.export_xlsx": (STAFF, "GET"),
    "resident.take": (ANYONE, "GET"),
    "resident.thanks": (ANYONE, "GET"),
    "resident.media": (ANYONE, "GET"),  # a published version's label media: public, as its survey is
    "resident.submit_json": (ANYONE, "JSON"),  # the public JSON intake: CSRF-exempt, JSON only
    "sessions.index": (RECORDERS, "GET"),
    "sessions.create": (RECORDERS, "GET"),
    "sessions.edit": (RECORDERS, "GET"),
    "sessions.detail": (RECORDERS, "GET"),
    "sessions.add_comment": (RECORDERS, "POST"),
    "sessions.correct_tag": (RECORDERS, "POST"),
    "sessions.import_notes": (RECORDERS, "GET"),
    "sessions.save_import": (RECORDERS, "POST"),
    "coding.nlp": (STAFF, "GET"),
    "coding.start_run": (STAFF, "POST"),
    "coding.start_training": (STAFF, "POST"),
    "coding.job_status": (STAFF, "GET"),
    "indicators.index": (STAFF, "GET"),
    "indicators.upload": (STAFF, "GET"),
    "indicators.upload_geographies": (STAFF, "GET"),
    "indicators.save_links": (STAFF, "POST"),
    "review.index": (REVIEWERS, "GET"),
    "review.dashboard": (REVIEWERS, "GET"),
    "review.joined": (REVIEWERS, "GET"),
    "review.report": (REVIEWERS, "GET"),
    "review.report_pdf": (REVIEWERS, "GET"),
    "review.export": (REVIEWERS, "GET"),
    "review.actions": (REVIEWERS, "GET"),
    "review.action_status": (REVIEWERS, "POST"),
    "coding.index": (STAFF, "GET"),
    "coding.codebook": (STAFF, "GET"),
    "coding.new_code": (STAFF, "GET"),
    "coding.edit_code": (STAFF, "GET"),
    "coding.keyword_preview": (STAFF, "GET"),
    "coding.merge_code": (STAFF, "POST"),
    "coding.split_code": (STAFF, "GET"),
    "coding.import_codebook_file": (STAFF, "GET"),
    "coding.export_codebook": (STAFF, "GET"),
    "coding.review": (STAFF, "GET"),
    "coding.decide": (STAFF, "POST"),
    "coding.add_code": (STAFF, "POST"),
    "coding.next_item": (STAFF, "POST"),
    "coding.themes": (STAFF, "GET"),
    "coding.adopt_theme": (STAFF, "POST"),
    "coding.rounds": (STAFF, "GET"),
    "coding.round_detail": (STAFF, "GET"),
    "coding.code_round": (STAFF, "GET"),
    "coding.settle": (STAFF, "POST"),
    "coding.model_health": (STAFF, "GET"),
    "canvass.app": (("canvasser",), "GET"),
    "canvass.manifest": (ANYONE, "GET"),  # browsers fetch manifests without cookies
    "canvass.service_worker": (ANYONE, "GET"),  # code only; what it caches needs the canvasser's session
    "canvass.bundle": (("canvasser",), "GET"),
    "canvass.session_token": (("canvasser",), "GET"),
    "canvass.api_visits": (("canvasser",), "API"),
    "canvass.api_responses": (("canvasser",), "API"),
    "canvass.turfs": (STAFF, "GET"),
    "canvass.assign": (STAFF, "POST"),
    "canvass.import_queue": (STAFF, "GET"),
    "canvass.coverage": (STAFF, "GET"),
}


def _url_for_rule(rule, values) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", str(values[argument]))
        for converter in ("int", "string", "path", "uuid"):
            path = path.replace(f"<{converter}:{argument}>", str(values[argument]))
    return path


@pytest.fixture
def sample_values(users):
    campaign = Campaign(slug="matrix", name="Matrix", languages=["en"], group_keys=[])
    db.session.add(campaign)
    db.session.commit()
    survey, sha256 = _sample_survey(campaign)
    key = store_response(survey.current_version, uuid=uuid.uuid4(), channel="online", language="en",
                         answers={"q1": "yes"}, consent=True).response.uuid
    session = ListeningSession(campaign_id=campaign.id, kind="forum", title="Matrix forum", languages=["en"],
                               held_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                               facilitator_id=users["facilitator"].id)
    session.comments.append(Comment(text="matrix comment", language="en"))
    db.session.add(session)
    db.session.commit()
    job = Job(kind="nlp_run")
    db.session.add(job)
    db.session.commit()
    coding = _sample_coding(campaign, users)
    turf = Turf(campaign_id=campaign.id, name="Matrix turf", doors=[{"id": "d1", "address": "1 Matrix St"}])
    db.session.add(turf)
    db.session.commit()
    return {**coding, "user_id": users["analyst"].id, "slug": "matrix", "filename": "css/voice.css", "survey": survey.slug,
            "name": "q1", "page_name": "p1", "key": key, "sha256": sha256,
            "session_id": session.id, "turf_id": turf.id, "comment_id": session.comments[0].id, "job_id": job.id}


def _sample_coding(campaign, users) -> dict:
    """A code, a tagged item and a double-coding round for the coding routes."""
    code = import_codebook()[0]
    item = VoiceItem(campaign_id=campaign.id, source="answer", source_id=-1, channel="online",
                     original_text="The bus is too expensive", language="en")
    db.session.add(item)
    db.session.flush()
    round_ = CodingRound(name="Matrix round", settled={})
    round_.assignments = [CodingAssignment(item_id=item.id, coder_id=users["analyst"].id, codes=[])]
    db.session.add(round_)
    db.session.commit()
    return {"code_id": code.id, "item_id": item.id, "round_id": round_.id}


def _sample_survey(campaign) -> tuple[Survey, str]:
    """A published survey whose question shows an image (named q1, for the media route)."""
    image = tiny_png()
    sha256 = hashlib.sha256(image).hexdigest()
    definition = {"format": 1, "form_id": "m", "version": "1", "title": {"en": "M"}, "default_language": "en",
                  "languages": ["en"], "choice_lists": {}, "attachments": {"q1": sha256},
                  "items": [{"kind": "group", "name": "p1", "label": {"en": "P"}, "children": [
                      {"kind": "question", "name": "q1", "type": "text", "label": {"en": "Q"},
                       "media": {"image": {"en": "q1"}}}]}]}
    survey = survey_operations.create_survey(campaign, slug="matrix-survey", title={}, languages=["en"],
                                             actor=None, definition=definition)
    db.session.add(SurveyAttachment(survey_id=survey.id, name="q1", content_type="image/png", sha256=sha256,
                                    content=image))
    survey_operations.publish(survey, actor=None)
    return survey, sha256


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "routes with no row in the access matrix"
    assert set(ACCESS) - endpoints == set(), "matrix rows for routes that no longer exist"


def test_every_view_declares_its_access(app):
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            assert hasattr(view, "access"), endpoint


@pytest.mark.parametrize("who", ("anonymous",) + ROLES)
def test_route_matrix(app, users, sample_values, who):
    failures = []
    for rule in app.url_map.iter_rules():
        allowed, method = ACCESS[rule.endpoint]
        client = app.test_client()
        if who != "anonymous":
            assert sign_in(client, f"{who}@example.org").status_code == 302
        url = _url_for_rule(rule, sample_values)
        if method == "JSON":
            response = client.post(url, json={"uuid": str(uuid.uuid4()), "language": "en", "consent": True,
                                              "answers": {"q1": "x"}})
        elif method == "API":  # the canvass sync API: JSON with the CSRF token in a header
            token = csrf_token(client, "/auth/sign-in" if who == "anonymous" else "/")
            response = client.post(url, json={}, headers={"X-CSRFToken": token})
        elif method == "POST":
            token = csrf_token(client, "/auth/sign-in" if who == "anonymous" else "/")
            response = client.post(url, data={"csrf_token": token})
        else:
            response = client.get(url)
        response.close()  # static files are streamed from an open file
        if allowed == ANYONE or (who != "anonymous" and who in allowed):
            ok = response.status_code < 400 or (method == "API" and response.status_code == 422)
        elif who == "anonymous":
            ok = response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append(f"{method} {url} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_pages_for_signed_in_users_are_never_kept_by_caches(app, users, sample_values):
    """A shared computer's or a proxy's cache must not keep a page only a signed-in user may see."""
    clients = {}
    failures = []
    for rule in app.url_map.iter_rules():
        allowed, method = ACCESS[rule.endpoint]
        if method != "GET":
            continue
        role = "admin" if allowed == ANYONE or "admin" in allowed else allowed[0]
        if role not in clients:
            clients[role] = app.test_client()
            assert sign_in(clients[role], f"{role}@example.org").status_code == 302
        response = clients[role].get(_url_for_rule(rule, sample_values))
        response.close()
        stored = "no-store" not in response.headers.get("Cache-Control", "")
        if allowed != ANYONE and stored:
            failures.append(f"GET {rule.rule} as {role}: {response.status_code} without no-store")
    assert not failures, "\n".join(failures)
