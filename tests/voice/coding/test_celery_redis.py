"""With VOICE_CELERY_BROKER_URL set, an NLP run goes through the real Redis to a real worker."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from voice import create_app
from voice.extensions import db
from voice.jobs import queue_job
from voice.models import Campaign, Comment, Job, ListeningSession, VoiceItem
from voice.models.base import utcnow

from ...conftest import _base_config
from ...helpers import REDIS_URL, ROOT, require_redis

pytestmark = pytest.mark.redis


@pytest.fixture
def broker_app(sqlite_template, tmp_path):
    require_redis()  # emptied: no task left over from another run
    path = tmp_path / "worker.sqlite3"
    shutil.copy(sqlite_template, path)
    config = _base_config(tmp_path / "instance", f"sqlite:///{path}")
    config["CELERY_BROKER_URL"] = REDIS_URL
    # A queue of its own: a worker left over from another run on this Redis cannot take the task.
    config["CELERY_QUEUE"] = f"voice-test-{uuid.uuid4().hex[:12]}"
    app = create_app(config)
    with app.app_context():
        yield app, path
        db.session.remove()
        db.engine.dispose()


def test_a_queued_run_is_done_by_a_worker_through_redis(broker_app, tmp_path):
    app, path = broker_app
    campaign = Campaign(slug="c", name="C", languages=["en"], group_keys=[])
    session = ListeningSession(campaign=campaign, kind="forum", title="F", held_at=utcnow())
    session.comments = [Comment(position=0, text="Daycare is too expensive for us", language="en")]
    db.session.add_all([campaign, session])
    db.session.flush()
    db.session.add(VoiceItem.for_comment(session.comments[0], session))
    db.session.commit()

    job = queue_job("nlp_run")
    db.session.refresh(job)
    assert job.status == "queued"  # nothing ran in this process: it went to the broker

    env = {**os.environ, "VOICE_DATABASE_URL": f"sqlite:///{path}", "VOICE_CELERY_BROKER_URL": REDIS_URL,
           "VOICE_CELERY_QUEUE": app.config["CELERY_QUEUE"], "VOICE_SECRET_KEY": "worker-test",
           "VOICE_DATA_KEY": app.config["DATA_KEYS"]}  # the worker reads what the app encrypted
    env.pop("VOICE_TEST_DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "voice.worker:celery_app", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240  # the worker imports the NLP stack: slow on a busy machine
        engine = sa.create_engine(f"sqlite:///{path}")
        status = None
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                status = connection.execute(sa.text("SELECT status FROM jobs WHERE id = :id"), {"id": job.id}).scalar()
            if status in ("done", "failed"):
                break
            time.sleep(0.5)
        engine.dispose()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert status == "done", output
    db.session.expire_all()
    assert db.session.get(Job, job.id).result["items"] == 1
    assert db.session.query(VoiceItem).one().tags
