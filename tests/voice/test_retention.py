"""Retention: a campaign's raw text goes a set number of days after it ends; redacted text, tags
and counts stay, and what went is audited. A dry run changes nothing."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from voice.extensions import db
from voice.intake.responses import store_response
from voice.jobs import APPLY_RETENTION
from voice.models import (Answer, AuditEvent, Campaign, Code, Comment, ListeningSession, Tag, Turf, User, Visit,
                          VoiceItem)
from voice.models.base import utcnow

from ..helpers import database_snapshot, post_form

ENDED = date.today() - timedelta(days=40)


def _said(campaign: Campaign, survey) -> dict:
    """An answered survey, a tagged comment, an item the NLP has not reached, a visit and its doors."""
    response = store_response(survey.current_version, uuid=uuid.uuid4(), channel="online", language="en",
                              consent=True, answers={"role": "parent", "area": "N1", "hard": "Call Dana on 050-1234567"}
                              ).response
    waiting = store_response(survey.current_version, uuid=uuid.uuid4(), channel="online", language="en",
                             consent=True, answers={"role": "youth", "hard": "not tagged yet"}).response
    session = ListeningSession(campaign=campaign, kind="forum", title="F", held_at=utcnow())
    session.comments = [Comment(position=0, text="Dana Levi says the bus never comes", language="en")]
    canvasser = User(email="c@example.org", password_hash="x", display_name="C", role="canvasser")
    turf = Turf(campaign=campaign, name="T", canvasser=canvasser,
                doors=[{"id": "d1", "address": "4 Rosemary Court", "geography": "N1"}, {"id": "d2"}])
    db.session.add_all([session, turf])
    db.session.flush()
    db.session.add(VoiceItem.for_comment(session.comments[0], session))
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=turf.id, door_id="d1", canvasser_id=canvasser.id,
                         outcome="come_back", note="ask for the grandmother"))
    code = Code(key="barrier.transport", kind="barrier", labels={"en": "Transport"})
    db.session.add(code)
    db.session.flush()
    # What the NLP leaves: a redacted text and a tag (all but the waiting item).
    for item in db.session.scalars(select(VoiceItem)):
        if item.original_text != "not tagged yet":
            item.redacted_text = item.original_text.replace("Dana Levi", "[NAME]").replace("Dana", "[NAME]")
            db.session.add(Tag(item_id=item.id, code_id=code.id, source="rule", confidence=1.0, evidence=[]))
    db.session.commit()
    return {"response": response, "waiting": waiting, "turf": turf}


def _setup(campaign, survey, *, days=30):
    campaign.starts_on, campaign.ends_on, campaign.raw_text_days = ENDED - timedelta(days=60), ENDED, days
    # A campaign without a period keeps everything.
    other = Campaign(slug="kept", name="Kept", ends_on=ENDED - timedelta(days=900))
    db.session.add(other)
    db.session.commit()
    return _said(campaign, survey)


def test_a_dry_run_prints_what_would_go_and_changes_nothing(app, runner, campaign, survey):
    _setup(campaign, survey)
    before = database_snapshot()
    result = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (f"north (past its period since {ENDED + timedelta(days=31)}): Would erase 2 items, 1 answers, "
            "1 comments, 1 visit notes, 1 door addresses.") in result.output
    assert "1 items keep their raw text until `voice nlp run` has redacted them." in result.output
    assert database_snapshot() == before


def test_the_day_after_the_period_raw_text_goes_and_the_rest_stays(app, runner, campaign, survey):
    said = _setup(campaign, survey)
    last_kept_day = ENDED + timedelta(days=30)
    result = runner.invoke(args=["retention", "apply", "--today", last_kept_day.isoformat()])
    assert "No campaign is past its raw-text retention period." in result.output
    counts = (db.session.scalar(select(func.count(VoiceItem.id))), db.session.scalar(select(func.count(Tag.id))))

    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    answers = dict(db.session.execute(select(Answer.question, Answer.value)
                                      .where(Answer.response_id == said["response"].id)).all())
    assert answers == {"role": "parent", "area": "N1", "hard": ""}  # codes stay, the words go
    assert db.session.scalar(select(Answer.value).where(Answer.response_id == said["waiting"].id,
                                                        Answer.question == "hard")) == "not tagged yet"
    items = {item.redacted_text: item.original_text for item in db.session.scalars(select(VoiceItem))}
    assert items == {"Call [NAME] on 050-1234567": "", "[NAME] says the bus never comes": "", None: "not tagged yet"}
    assert db.session.scalar(select(Comment.text)) == "" and db.session.scalar(select(Visit.note)) == ""
    assert db.session.get(Turf, said["turf"].id).doors == [{"id": "d1", "address": "", "geography": "N1"},
                                                          {"id": "d2"}]
    assert (db.session.scalar(select(func.count(VoiceItem.id))), db.session.scalar(select(func.count(Tag.id)))) \
        == counts
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.erase"))
    assert event.record_id == str(campaign.id) and event.details == {
        "due_since": (ENDED + timedelta(days=31)).isoformat(), "items": 2, "answers": 1, "comments": 1,
        "visit_notes": 1, "door_addresses": 1, "waiting": 1}

    # Nothing is left to erase: a second run audits nothing new.
    runner.invoke(args=["retention", "apply"])
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "retention.erase")) == 1


def test_the_nightly_task_is_scheduled_and_erases(app, campaign, survey):
    _setup(campaign, survey)
    celery_app = app.extensions["celery"]
    assert {entry["task"] for entry in celery_app.conf.beat_schedule.values()} == {APPLY_RETENTION}
    assert celery_app.tasks[APPLY_RETENTION].delay().get() == {"north": {
        "items": 2, "answers": 1, "comments": 1, "visit_notes": 1, "door_addresses": 1, "waiting": 1}}
    db.session.expire_all()
    assert db.session.scalar(select(Comment.text)) == ""


def test_the_period_is_a_campaign_setting(client, signed_in, campaign):
    signed_in("analyst")
    form = {"name": campaign.name, "slug": campaign.slug, "languages": ["en", "he"], "group_keys": "role",
            "time_zone": "UTC", "raw_text_days": "90"}
    assert post_form(client, f"/campaigns/{campaign.slug}/edit", form).status_code == 302
    db.session.refresh(campaign)
    assert campaign.raw_text_days == 90
    page = post_form(client, f"/campaigns/{campaign.slug}/edit", {**form, "raw_text_days": "-3"})
    assert page.status_code == 200 and campaign.raw_text_days == 90


def test_an_erased_item_is_re_tagged_from_its_redacted_text(app, runner, campaign):
    campaign.ends_on, campaign.raw_text_days = ENDED, 0
    session = ListeningSession(campaign=campaign, kind="forum", title="F", held_at=utcnow())
    session.comments = [Comment(position=0, text="The bus never comes on time for school", language="en")]
    db.session.add(session)
    db.session.flush()
    db.session.add(VoiceItem.for_comment(session.comments[0], session))
    db.session.commit()
    assert runner.invoke(args=["nlp", "run"]).exit_code == 0
    item = db.session.scalar(select(VoiceItem))
    tagged = {tag.code.key for tag in item.tags}
    assert "theme.transport" in tagged

    assert runner.invoke(args=["retention", "apply"]).exit_code == 0
    item.nlp_version = None  # as after a codebook or model change: the item is tagged again
    db.session.commit()
    result = runner.invoke(args=["nlp", "run"])
    assert result.exit_code == 0 and "Tagged 1 items" in result.output
    db.session.expire_all()
    item = db.session.scalar(select(VoiceItem))
    assert item.original_text == "" and "bus never comes" in item.redacted_text
    assert {tag.code.key for tag in item.tags} == tagged
