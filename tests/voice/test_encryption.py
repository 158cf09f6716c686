"""Residents' words encrypted at rest: nothing planted in the demo is found in the stored bytes,
and a missing, wrong or tampered key is refused rather than worked around."""
from __future__ import annotations

import base64
import logging
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Text, select, type_coerce, update

from voice import create_app
from voice.config import ConfigError, settings_from_environment
from voice.crypto import DataKeyError, UnreadableValue
from voice.demo.loader import load_demo
from voice.extensions import db
from voice.intake.responses import store_response
from voice.models import (Answer, Campaign, Comment, ListeningSession, Survey, SurveyProgress, Turf, User, Visit,
                          VoiceItem)

CANARIES = {
    "answer": "canary-answer-7c1e Dana's landlord refuses repairs",
    "comment": "canary-comment-44b9 my papers expire in May",
    "note": "canary-note-9d03 grandmother answers, son works nights",
    "door": "canary-door-1a6f 12 Rosemary Court, flat 3",
    "progress": "canary-progress-e52d the children stay alone after school",
}


def _plant_canaries() -> None:
    campaign = Campaign.by_slug("demo")
    survey = db.session.scalar(select(Survey).where(Survey.campaign_id == campaign.id))
    store_response(survey.current_version, uuid=uuid.uuid4(), channel="online", language="en", consent=True,
                   answers={"consent": "yes", "area": "EB-SB", "role": "parent", "hard": CANARIES["answer"]})
    session = db.session.scalar(select(ListeningSession).where(ListeningSession.campaign_id == campaign.id))
    comment = Comment(session=session, position=99, text=CANARIES["comment"], language="en")
    db.session.add(comment)
    db.session.flush()
    db.session.add(VoiceItem.for_comment(comment, session))
    turf = db.session.scalar(select(Turf).where(Turf.campaign_id == campaign.id).order_by(Turf.id))
    turf.doors = [*turf.doors, {"id": "canary-door", "address": CANARIES["door"], "geography": "EB-SB"}]
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=turf.id, door_id="canary-door", canvasser_id=turf.canvasser_id,
                         outcome="come_back", note=CANARIES["note"]))
    db.session.add(SurveyProgress(uuid=uuid.uuid4(), survey_id=survey.id, survey_version_id=survey.current_version.id,
                                  answers={"hard": CANARIES["progress"]}))
    db.session.commit()


def _stored_bytes() -> bytes:
    """Everything the database keeps, as it keeps it: the SQLite file (and its write-ahead log),
    or every PostgreSQL table as COPY writes it out."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(engine.url.database)
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    chunks = []
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            for table in db.metadata.sorted_tables:
                with cursor.copy(f'COPY "{table.name}" TO STDOUT') as copy:
                    chunks.extend(bytes(block) for block in copy)
    finally:
        raw.close()
    return b"".join(chunks)


def test_no_planted_canary_is_stored_in_clear(app):
    load_demo()
    _plant_canaries()
    db.session.remove()

    stored = _stored_bytes()
    assert len(stored) > 100_000  # the demo really is in there
    for where, canary in CANARIES.items():
        marker = canary.split()[0].encode()
        assert marker not in stored, f"the {where} canary is stored in clear"
    # The demo's own words too: door addresses and what residents said.
    demo_comment = db.session.scalars(select(Comment.text).order_by(Comment.id)).first()
    assert "Herzl Street".encode() not in stored and demo_comment.encode() not in stored
    # Codes, group values and geography stay countable in the clear.
    assert b"EB-SB" in stored and b"parent" in stored

    # And the app reads every canary back.
    assert CANARIES["answer"] in db.session.scalars(select(Answer.value))
    assert CANARIES["answer"] in db.session.scalars(select(VoiceItem.original_text))
    assert CANARIES["comment"] in db.session.scalars(select(Comment.text))
    assert CANARIES["note"] in db.session.scalars(select(Visit.note))
    assert any(door["address"] == CANARIES["door"] for turf in db.session.scalars(select(Turf)) for door in turf.doors)
    assert [progress.answers for progress in db.session.scalars(select(SurveyProgress))] == [
        {"hard": CANARIES["progress"]}]


def _other_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _config(app, instance: Path, **extra) -> dict:
    return {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **extra}


def test_a_missing_or_wrong_key_stops_the_app_at_start(app, tmp_path):
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=_turf().id, door_id="d1", canvasser_id=_turf().canvasser_id,
                         outcome="not_home", note="written under the test key"))
    db.session.commit()
    right = app.config["DATA_KEYS"]

    with pytest.raises(DataKeyError, match="there is no .*data_keys and VOICE_DATA_KEY is not set"):
        create_app(_config(app, tmp_path / "lost"))
    assert not (tmp_path / "lost" / "data_keys").exists()  # no new key was made up
    with pytest.raises(DataKeyError, match="Data key test .* is not the key test"):
        create_app(_config(app, tmp_path / "a", DATA_KEYS=f"test:{_other_key()}"))
    with pytest.raises(DataKeyError, match=r"Data key\(s\) test wrote values"):
        create_app(_config(app, tmp_path / "b", DATA_KEYS=f"fresh:{_other_key()}"))

    # A new key first, the old one after it: starts, writes under the new key, reads both.
    rotated = create_app(_config(app, tmp_path / "c", DATA_KEYS=f"fresh:{_other_key()},{right}"))
    with rotated.app_context():
        assert db.session.scalar(select(Visit.note)) == "written under the test key"
        db.session.execute(update(Visit).values(note="now under the fresh key"))
        db.session.commit()
        assert db.session.scalar(select(type_coerce(Visit.note, Text))).startswith("enc1:fresh:")
        db.session.remove()
        db.engine.dispose()


def _turf() -> Turf:
    turf = db.session.scalar(select(Turf))
    if turf is None:
        campaign = Campaign(slug="c", name="C")
        canvasser = User(email="c@example.org", password_hash="x", display_name="C", role="canvasser")
        turf = Turf(campaign=campaign, name="T", canvasser=canvasser, doors=[{"id": "d1", "address": "1 Main St"}])
        db.session.add(turf)
        db.session.commit()
    return turf


def test_a_fresh_install_makes_its_key_file_once(tmp_path):
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/fresh.sqlite3"}
    first = create_app(config)
    key_file = tmp_path / "data_keys"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert create_app(config).extensions["data_keys"].current == first.extensions["data_keys"].current


def test_a_malformed_key_setting_is_refused_without_showing_it():
    secret = base64.urlsafe_b64encode(b"sixteen byte key").decode()
    with pytest.raises(ConfigError, match="VOICE_DATA_KEY=\\(value hidden\\): key k1 must be 32 bytes") as error:
        settings_from_environment({"VOICE_DATA_KEY": f"k1:{secret}"})
    assert secret not in str(error.value)


def test_a_value_that_fails_authentication_is_reported_not_shown(app, caplog):
    turf = _turf()
    visit = Visit(uuid=uuid.uuid4(), turf_id=turf.id, door_id="d1", canvasser_id=turf.canvasser_id,
                  outcome="not_home", note="the dog bites")
    db.session.add(visit)
    db.session.commit()
    stored = db.session.scalar(select(type_coerce(Visit.note, Text)))
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    db.session.execute(update(Visit.__table__).values(note=type_coerce(tampered, Text)))
    db.session.commit()
    db.session.expire_all()

    with caplog.at_level(logging.ERROR, logger="voice.crypto"):
        note = db.session.get(Visit, visit.id).note
    assert isinstance(note, UnreadableValue) and "the dog bites" not in note
    assert "visits.note failed authentication with key test" in note
    assert "visits.note holds a value that fails authentication" in caplog.text
    # Writing the notice back would destroy the ciphertext: refused.
    with pytest.raises(sa.exc.StatementError, match="cannot be written back"):
        db.session.execute(update(Visit).values(note=note))
    db.session.rollback()
    # Moved to another column, a value fails too: the column is bound into it.
    db.session.execute(update(Visit.__table__).values(note=type_coerce(
        db.session.scalar(select(type_coerce(Turf.doors, sa.JSON))), Text)))
    db.session.commit()
    db.session.expire_all()
    assert isinstance(db.session.get(Visit, visit.id).note, UnreadableValue)


def test_where_decryption_is_forbidden_raw_text_fails_loudly(app):
    from voice.crypto import DecryptionRefused, counting_decryptions, forbid_decryption

    turf = _turf()
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=turf.id, door_id="d1", canvasser_id=turf.canvasser_id,
                         outcome="not_home", note="the dog bites"))
    db.session.commit()
    with counting_decryptions() as decrypted:
        assert db.session.scalar(select(Visit.note)) == "the dog bites"
    assert decrypted == ["visits.note"]
    with app.test_request_context():
        forbid_decryption()
        with pytest.raises(DecryptionRefused, match="visits.note holds raw text, which this page may not read"):
            db.session.scalar(select(Visit.note))
        assert db.session.scalar(select(Visit.outcome)) == "not_home"  # what is stored in the clear reads
    db.session.rollback()


def test_sql_may_not_search_encrypted_text(app):
    with pytest.raises(TypeError, match="voice_items.original_text is encrypted: compare its values in Python"):
        select(VoiceItem).where(VoiceItem.original_text.startswith("The bus"))
    with pytest.raises(TypeError, match="answers.value is encrypted"):
        select(Answer).where(Answer.value == "parent")
    assert select(Answer).where(Answer.value != "", Answer.value.is_not(None)) is not None  # emptiness is fine
