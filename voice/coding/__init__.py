"""Coding: the codebook editor and its YAML file, the review queue, emerging themes, double
coding, model health and the NLP runs."""
from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
