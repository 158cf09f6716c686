"""The database itself protects the data: unique keys, foreign keys and enumerations."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from voice.extensions import db
from voice.models import (Answer, Campaign, Code, Comment, ListeningSession, Response, Survey, SurveyVersion,
                          Tag, User, VoiceItem)
from voice.models.base import utcnow


@pytest.fixture
def survey(app):
    campaign = Campaign(slug="c", name="C", languages=["en"], group_keys=["role"])
    survey = Survey(campaign=campaign, slug="s", title={"en": "S"}, draft={})
    version = SurveyVersion(survey=survey, number=1, definition={"items": []})
    db.session.add_all([campaign, survey, version])
    db.session.commit()
    return survey


def _response(survey, key, **overrides):
    values = dict(uuid=key, survey_id=survey.id, survey_version_id=survey.versions[0].id, channel="online",
                  language="en", content_hash="x")
    values.update(overrides)
    return Response(**values)


def _refused(*objects):
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_response_uuid_is_unique_per_survey(survey):
    key = uuid.uuid4()
    db.session.add(_response(survey, key))
    db.session.commit()
    _refused(_response(survey, key))
    assert db.session.query(Response).count() == 1


def test_channel_and_role_are_checked_by_the_database(survey):
    _refused(_response(survey, uuid.uuid4(), channel="fax"))
    _refused(User(email="x@example.org", password_hash="h", display_name="X", role="superuser"))


def test_foreign_keys_are_enforced(survey):
    _refused(Answer(response_id=999_999, question="q", value="v"))


def test_tag_is_unique_per_item_code_and_source(survey):
    session = ListeningSession(campaign_id=survey.campaign_id, kind="forum", title="T", held_at=utcnow())
    comment = Comment(session=session, text="Too expensive", language="en")
    code = Code(key="barrier.cost", kind="barrier", labels={"en": "Cost"})
    db.session.add_all([session, comment, code])
    db.session.flush()
    item = VoiceItem(campaign_id=survey.campaign_id, source="comment", source_id=comment.id, channel="forum",
                     original_text=comment.text, language="en")
    db.session.add(item)
    db.session.flush()
    db.session.add_all([Tag(item=item, code=code, source="rule", confidence=0.7),
                        Tag(item=item, code=code, source="human", confidence=1.0)])
    db.session.commit()
    _refused(Tag(item_id=item.id, code_id=code.id, source="rule", confidence=0.5))
    _refused(Tag(item_id=item.id, code_id=code.id, source="model", confidence=1.5))
    _refused(Code(key="barrier.cost", kind="barrier"))
    _refused(Code(key="x.y", kind="emotion"))
