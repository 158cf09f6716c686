"""Background work through Celery: in-process (eager) unless a broker is configured.

With no ``VOICE_CELERY_BROKER_URL`` a task runs inside the request or command that queued it,
so a single-machine install needs no worker. With a Redis broker, start a worker with
``celery -A voice.worker:celery_app worker``. Every task works on a ``Job`` row, so people see
its progress in the UI and on the command line whichever process runs it. ``celery -A
voice.worker:celery_app beat`` sends the scheduled tasks (the nightly retention erasure).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from blinker import Namespace
from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from . import nlp_adapter
from .retention import apply_retention
from .extensions import db
from .models import Campaign, Job, User
from .models.base import utcnow

log = logging.getLogger(__name__)
RUN_JOB = "voice.run_job"
APPLY_RETENTION = "voice.apply_retention"
signals = Namespace()
# Sent with ``campaign_ids`` when a tagging run changed items, so summaries can be rebuilt in
# the job rather than in the next committee member's request.
items_tagged = signals.signal("items-tagged")


class FlaskTask(Task):
    """Runs in the caller's app context when there is one (eager mode), else in the worker's app."""

    def __call__(self, *args, **kwargs):
        if has_app_context():
            return self.run(*args, **kwargs)
        with self.app.flask_app.app_context():
            return self.run(*args, **kwargs)


def init_app(app: Flask) -> Celery:
    """A Celery app of this Flask app's own: its broker, queue and connection pool are never
    shared with another app in the same process (tests make many)."""
    broker = app.config.get("CELERY_BROKER_URL")
    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=broker or "memory://",
        task_always_eager=broker is None,
        task_default_queue=app.config["CELERY_QUEUE"],
        task_eager_propagates=True,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    celery_app.flask_app = app
    celery_app.task(name=RUN_JOB)(run_job)
    celery_app.task(name=APPLY_RETENTION)(apply_retention_today)
    # ``celery -A voice.worker:celery_app beat`` sends it each night; `voice retention apply` does the same.
    celery_app.conf.beat_schedule = {"apply-retention": {"task": APPLY_RETENTION,
                                                         "schedule": crontab(hour=3, minute=17)}}
    app.extensions["celery"] = celery_app
    return celery_app


def _runner(kind: str) -> Callable[..., dict]:
    return {"nlp_run": _nlp_run, "nlp_train": _nlp_train}[kind]


def _nlp_run(job: Job, progress) -> dict:
    campaign_id = job.params.get("campaign_id")
    result = nlp_adapter.run_tagging(campaign_id=campaign_id, item_ids=job.params.get("item_ids"), progress=progress)
    if result["items"]:
        campaign_ids = [campaign_id] if campaign_id else list(db.session.scalars(select(Campaign.id)))
        items_tagged.send(current_app._get_current_object(), campaign_ids=campaign_ids)
    return result


def _nlp_train(job: Job, progress) -> dict:
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    progress(0, 1)
    row = nlp_adapter.train_model(actor=actor, campaign_id=job.params.get("campaign_id"))
    progress(1, 1)
    return {"model_id": row.model_id, "metrics": row.metrics, "training_counts": row.training_counts}


def execute_job(job_id: int, on_progress: Callable[[int, int], None] | None = None) -> Job | None:
    """Run a queued job here and now, keeping its row up to date; failures are recorded."""
    job = db.session.get(Job, job_id)
    if job is None:  # a task outliving its database (e.g. a queue kept across a reset)
        log.warning("job %s no longer exists; task dropped", job_id)
        return None
    job.status, job.started_at = "running", utcnow()
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        db.session.commit()
        if on_progress:
            on_progress(done, total)

    try:
        job.result = _runner(job.kind)(job, progress)
        job.status = "done"
    except Exception as error:  # recorded for the people watching; the log keeps the traceback
        db.session.rollback()
        log.exception("job %s (%s) failed", job.id, job.kind)
        job = db.session.get(Job, job_id)
        job.status, job.error = "failed", str(error) or error.__class__.__name__
    job.finished_at = utcnow()
    db.session.commit()
    return job


def run_job(job_id: int) -> None:
    """The Celery task: run a queued job (registered on each app's Celery by ``init_app``)."""
    execute_job(job_id)


def apply_retention_today() -> dict:
    """The nightly task: erase raw text of campaigns past their retention period (audited)."""
    erasures = apply_retention(date.today())
    return {erasure.campaign: erasure.counts() for erasure in erasures}


def queue_job(kind: str, *, actor=None, **params) -> Job:
    """Record a job and hand it to Celery (which runs it at once when no broker is set)."""
    job = Job(kind=kind, params=params, started_by_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.commit()
    current_app.extensions["celery"].tasks[RUN_JOB].delay(job.id)
    return job
