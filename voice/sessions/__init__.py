"""Listening sessions: house parties, forums and town halls, and what residents said there."""
from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
