"""The Celery worker's entry point: ``celery -A voice.worker:celery_app worker``."""
from . import create_app
from .jobs import celery_app

flask_app = create_app()

__all__ = ["celery_app", "flask_app"]
