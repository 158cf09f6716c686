from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from voice.extensions import db
from voice.models import AuditEvent, Campaign, Geography, Response, Survey, SurveyVersion, VoiceItem
from voice.intake import flow, responses
from voice.intake.responses import ResponseConflict, UnknownQuestion, store_response

DEFINITION = {
    "format": 1, "form_id": "family", "version": "1", "title": {"en": "Family"}, "default_language": "en",
    "languages": ["en", "he"],
    "items": [
        {"kind": "question", "name": "area", "type": "geography", "label": {"en": "Area", "he": "אזור"},
         "role": "geography"},
        {"kind": "question", "name": "role", "type": "select_one", "label": {"en": "You are", "he": "את/ה"},
         "choice_list": "roles", "role": "group:role"},
        {"kind": "question", "name": "hard", "type": "text", "label": {"en": "What is hard?", "he": "מה קשה?"}},
        {"kind": "question", "name": "kids", "type": "integer", "label": {"en": "Children", "he": "ילדים"}},
    ],
    "choice_lists": {"roles": [{"name": "parent", "label": {"en": "Parent", "he": "הורה"}, "attributes": {}}]},
}


@pytest.fixture
def version(app):
    campaign = Campaign(slug="c", name="C", languages=["en", "he"], group_keys=["role"])
    survey = Survey(campaign=campaign, slug="family", title={"en": "Family"}, draft=DEFINITION)
    version = SurveyVersion(survey=survey, number=1, definition=DEFINITION)
    db.session.add_all([campaign, survey, version, Geography(code="N1", name="North", level="neighbourhood")])
    db.session.commit()
    return version


ANSWERS = {"area": "N1", "role": "parent", "hard": "הגן יקר מדי ואין הסעה", "kids": 2}


def test_a_response_is_stored_with_its_voice_item(version):
    key = uuid.uuid4()
    stored = store_response(version, uuid=key, channel="online", language="he", answers=ANSWERS, consent=True)
    assert stored.created
    response = stored.response
    assert response.geography.code == "N1"
    assert response.groups == {"language": "he", "role": "parent"}
    assert {a.question: a.value for a in response.answers} == {"area": "N1", "role": "parent",
                                                                 "hard": ANSWERS["hard"], "kids": "2"}
    item = db.session.scalar(select(VoiceItem))
    assert item.original_text == ANSWERS["hard"] and item.language == "he" and item.source == "answer"
    assert item.geography_id == response.geography_id and item.groups["role"] == "parent"


def test_a_replay_is_stored_once(version):
    key = uuid.uuid4()
    first = store_response(version, uuid=key, channel="online", language="he", answers=ANSWERS, consent=True)
    again = store_response(version, uuid=key, channel="online", language="he", answers=dict(ANSWERS), consent=True)
    assert not again.created and again.response.id == first.response.id
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(func.count(VoiceItem.id))) == 1


def test_same_uuid_with_other_content_is_refused_and_audited(version):
    key = uuid.uuid4()
    store_response(version, uuid=key, channel="online", language="he", answers=ANSWERS, consent=True)
    with pytest.raises(ResponseConflict):
        store_response(version, uuid=key, channel="online", language="he", answers={**ANSWERS, "kids": 3},
                       consent=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.replay_conflict"))
    assert db.session.scalar(select(Response.id).where(Response.uuid == key))
    assert [a.value for a in Response.by_uuid(version.survey_id, key).answers if a.question == "kids"] == ["2"]


def test_a_concurrent_insert_of_the_same_uuid_is_answered_as_a_replay(version, monkeypatch):
    """The insert that loses the race hits the unique constraint and answers the stored one."""
    key = uuid.uuid4()
    store_response(version, uuid=key, channel="online", language="he", answers=ANSWERS, consent=True)
    real_lookup = Response.by_uuid
    calls = []

    def miss_once(survey_id, response_uuid):  # as if the other request had not committed yet
        calls.append(response_uuid)
        return None if len(calls) == 1 else real_lookup(survey_id, response_uuid)

    monkeypatch.setattr(responses.Response, "by_uuid", staticmethod(miss_once))
    again = store_response(version, uuid=key, channel="online", language="he", answers=ANSWERS, consent=True)
    assert not again.created and len(calls) == 2
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_unknown_questions_are_refused(version):
    with pytest.raises(UnknownQuestion) as error:
        store_response(version, uuid=uuid.uuid4(), channel="online", language="en",
                       answers={"nope": "x"}, consent=True)
    assert error.value.names == ["nope"]
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_control_characters_are_dropped_not_refused(version):
    stored = store_response(version, uuid=uuid.uuid4(), channel="online", language="en",
                            answers={**ANSWERS, "hard": "too\x00 expensive\x1b\n and far"}, consent=True)
    hard = next(a.value for a in stored.response.answers if a.question == "hard")
    assert hard == "too expensive\n and far"


def test_a_place_without_a_name_in_the_language_offers_its_own_name(version):
    """An English interview never offers another language's name for a place (השוק הישן)."""
    db.session.add(Geography(code="M1", name="Old Market", names={"he": "השוק הישן"}, level="neighbourhood"))
    db.session.commit()
    form = flow.Form.of(version.survey, version)
    area = form.questions()["area"]
    assert dict(flow.options(form, area, {}, "en"))["M1"] == "Old Market"
    assert dict(flow.options(form, area, {}, "am"))["M1"] == "Old Market"
    assert dict(flow.options(form, area, {}, "he"))["M1"] == "השוק הישן"
