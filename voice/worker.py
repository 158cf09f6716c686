"""The Celery worker's entry point: ``celery -A voice.worker:celery_app worker``."""
from . import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

__all__ = ["celery_app", "flask_app"]
