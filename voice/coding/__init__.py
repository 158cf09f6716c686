"""Coding: the NLP runs and model training today; the codebook editor and review queue build on it."""
from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
