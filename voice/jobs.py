"""Background work through Celery: in-process (eager) unless a broker is configured.

With no ``VOICE_CELERY_BROKER_URL`` the tasks run inside the request or command that queued
them, so a single-machine install needs no worker. With a Redis broker, start a worker with
``celery -A voice.jobs:celery_app worker``.
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

celery_app = Celery("voice")


def init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    celery_app.conf.update(
        broker_url=broker or "memory://",
        result_backend=broker if broker and broker.startswith("redis") else None,
        task_always_eager=broker is None,
        task_eager_propagates=True,
        task_ignore_result=broker is None,
        broker_connection_retry_on_startup=True,
    )
    celery_app.Task = FlaskTask
    app.extensions["celery"] = celery_app
    return celery_app
