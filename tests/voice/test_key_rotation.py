"""`voice keys rotate` and `voice keys encrypt`: every value ends under the current key, batch by
batch; a pass stopped half-way has lost nothing and the next run finishes it."""
from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Text, cast, select, type_coerce, update

from voice import create_app
from voice.crypto import PREFIX, load_key_file
from voice.extensions import db
from voice.keys import encrypted_columns, pending, reencrypt
from voice.models import Campaign, Comment, DataKeyRecord, ListeningSession, Turf, User, Visit
from voice.models.base import utcnow
from voice.models.encrypted import EncryptedJSON

from ..helpers import ROOT

COMMENTS = [f"comment {number}: the clinic closes at noon" for number in range(23)]


def _fill() -> None:
    campaign = Campaign(slug="c", name="C")
    canvasser = User(email="c@example.org", password_hash="x", display_name="C", role="canvasser")
    session = ListeningSession(campaign=campaign, kind="forum", title="F", held_at=utcnow())
    session.comments = [Comment(position=number, text=text, language="en") for number, text in enumerate(COMMENTS)]
    turf = Turf(campaign=campaign, name="T", canvasser=canvasser, doors=[{"id": "d1", "address": "1 Main St"}])
    db.session.add_all([session, turf])
    db.session.flush()
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=turf.id, door_id="d1", canvasser_id=canvasser.id,
                         outcome="not_home", note="dog in the yard"))
    db.session.commit()


def _key_ids() -> set[str]:
    """The key of every stored value (None for clear text), read off the bytes."""
    found = set()
    for column in encrypted_columns():
        stored = cast(column, Text) if isinstance(column.type, EncryptedJSON) else type_coerce(column, Text)
        for value in db.session.scalars(select(stored).where(stored != "")):
            value = value.strip('"')
            found.add(value[len(PREFIX):].split(":")[0] if value.startswith(PREFIX) else None)
    return found


def _readable() -> tuple:
    return (sorted(db.session.scalars(select(Comment.text))), db.session.scalar(select(Visit.note)),
            db.session.scalar(select(Turf.doors)))


class Interrupted(Exception):
    pass


def _file_app(app, instance: Path):
    """The app as an install without VOICE_DATA_KEY runs it: keys in the instance folder's file."""
    (instance / "data_keys").parent.mkdir(parents=True, exist_ok=True)
    (instance / "data_keys").write_text(app.config["DATA_KEYS"] + "\n")
    return create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "x",
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_rotation_stopped_half_way_loses_nothing_and_resumes(app, tmp_path):
    _fill()
    before = _readable()
    db.session.remove()
    rotating = _file_app(app, tmp_path / "instance")
    runner = rotating.test_cli_runner()
    with rotating.app_context():
        # Stopped after the second batch of three: the way a kill between two commits leaves it.
        def stop(done: int, total: int) -> None:
            if done >= 6:
                raise Interrupted
        ring = rotating.extensions["data_keys"]
        from voice.keys import add_key_to_file
        ring = add_key_to_file(ring, str(tmp_path / "instance"))
        rotating.extensions["data_keys"] = ring
        with pytest.raises(Interrupted):
            reencrypt(ring, progress=stop, batch=3)
        db.session.rollback()
        assert _key_ids() == {"test", ring.current.id}  # half and half
        assert _readable() == before  # and every value still reads
        assert sum(pending(ring).values()) == len(COMMENTS) + 2 - 6

        # The next run finishes that rotation rather than starting another.
        result = runner.invoke(args=["keys", "rotate", "--batch", "4"])
        assert result.exit_code == 0, result.output
        assert "New data key" not in result.output
        assert f"Every value is under key {ring.current.id}. Key(s) test are no longer needed" in result.output
        assert _key_ids() == {ring.current.id} and _readable() == before
        assert [key.id for key in load_key_file(str(tmp_path / "instance"))] == [ring.current.id, "test"]
        assert db.session.get(DataKeyRecord, "test").retired_at is not None
        db.session.remove()
        db.engine.dispose()


def test_a_finished_rotation_starts_a_new_one_with_a_new_key(app, tmp_path):
    _fill()
    # Keys from VOICE_DATA_KEY are the operator's to change: rotate says how instead.
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code != 0 and "put a new key first in it" in result.output
    db.session.remove()
    rotating = _file_app(app, tmp_path / "instance")
    with rotating.app_context():
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        new = rotating.extensions["data_keys"].current.id
        assert f"New data key {new} written first" in result.output and new != "test"
        assert "comments.text: 23 values" in result.output
        assert _key_ids() == {new}
        db.session.remove()
        db.engine.dispose()


def test_an_older_database_is_encrypted_in_place(app):
    _fill()
    before = _readable()
    # As stored before encryption existed: clear text in the same columns.
    db.session.execute(update(Comment.__table__).values(text=type_coerce("written in clear", Text)))
    db.session.execute(update(Visit.__table__).values(note=type_coerce("clear note", Text)))
    db.session.commit()
    assert None in _key_ids()
    assert db.session.scalar(select(Visit.note)) == "clear note"  # readable meanwhile

    result = app.test_cli_runner().invoke(args=["keys", "encrypt", "--batch", "5"])
    assert result.exit_code == 0, result.output
    assert "comments.text: 23 values" in result.output and "visits.note: 1 values" in result.output
    assert _key_ids() == {"test"}
    assert set(db.session.scalars(select(Comment.text))) == {"written in clear"}
    assert db.session.scalar(select(Turf.doors)) == before[2]
    # Nothing left to do: a second run rewrites nothing.
    again = app.test_cli_runner().invoke(args=["keys", "encrypt"])
    assert again.exit_code == 0 and "values" not in again.output.replace("Every value", "")


def test_a_value_that_fails_authentication_is_reported_and_left_as_it_is(app, tmp_path):
    _fill()
    note = db.session.scalar(select(type_coerce(Visit.note, Text)))
    tampered = note[:-4] + ("AAAA" if not note.endswith("AAAA") else "BBBB")
    db.session.execute(update(Visit.__table__).values(note=type_coerce(tampered, Text)))
    db.session.commit()
    db.session.remove()
    rotating = _file_app(app, tmp_path / "instance")
    with rotating.app_context():
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code != 0
        assert "1 values fail authentication and were left as they are: visits.note #1" in result.output
        assert db.session.scalar(select(type_coerce(Visit.note, Text))) == tampered  # kept for the right key
        assert set(db.session.scalars(select(Comment.text))) == set(COMMENTS)  # the rest was rotated
        assert db.session.get(DataKeyRecord, "test").retired_at is None  # still needed
        db.session.remove()
        db.engine.dispose()


def test_a_rotation_killed_mid_way_resumes_and_loses_nothing(sqlite_template, tmp_path):
    """The real thing: `voice keys rotate` in its own process, SIGKILLed between two batches."""
    path = tmp_path / "killed.sqlite3"
    shutil.copy(sqlite_template, path)
    old = "old:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "DATA_KEYS": old,
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    app = create_app(config)
    with app.app_context():
        campaign = Campaign(slug="c", name="C")
        session = ListeningSession(campaign=campaign, kind="forum", title="F", held_at=utcnow())
        session.comments = [Comment(position=n, text=f"comment {n}: the clinic closes at noon", language="en")
                            for n in range(3000)]
        db.session.add(session)
        db.session.commit()
        before = sorted(db.session.scalars(select(Comment.text)))
        db.session.remove()
        db.engine.dispose()

    # The operator's way with VOICE_DATA_KEY: the new key first, the old one after it.
    new = "new:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("VOICE_")},
           "VOICE_DATABASE_URL": f"sqlite:///{path}", "VOICE_SECRET_KEY": "x", "VOICE_DATA_KEY": f"{new},{old}"}
    command = [sys.executable, "-c", "from voice.console import main; main()", "keys", "rotate", "--batch", "1"]
    rotating = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = sa.create_engine(f"sqlite:///{path}")
    under_new = 0
    try:
        deadline = time.monotonic() + 240  # the process imports the whole app first
        while time.monotonic() < deadline and rotating.poll() is None and under_new < 50:
            with engine.connect() as connection:
                under_new = connection.execute(sa.text("SELECT COUNT(*) FROM comments WHERE text LIKE 'enc1:new:%'")
                                               ).scalar()
            time.sleep(0.01)
        rotating.send_signal(signal.SIGKILL)
        rotating.wait(30)
        with engine.connect() as connection:
            under_new = connection.execute(sa.text("SELECT COUNT(*) FROM comments WHERE text LIKE 'enc1:new:%'")).scalar()
    finally:
        engine.dispose()
    assert rotating.returncode == -signal.SIGKILL and 0 < under_new < len(before)  # killed half-way

    resumed = create_app({**config, "DATA_KEYS": f"{new},{old}"})
    with resumed.app_context():
        assert sorted(db.session.scalars(select(Comment.text))) == before  # half and half, all readable
        result = resumed.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert f"comments.text: {len(before) - under_new} values" in result.output
        assert _key_ids() == {"new"} and sorted(db.session.scalars(select(Comment.text))) == before
        db.session.remove()
        db.engine.dispose()
