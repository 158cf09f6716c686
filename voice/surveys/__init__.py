"""Surveys: authoring, XLSForm import and export, the resident's online survey, responses."""
from flask import Flask

from . import resident  # noqa: F401 - registers the resident's routes on the blueprint
from .commands import surveys_command
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(surveys_command)
