"""Surveys: authoring, XLSForm import and export, and the responses pages for staff."""
from flask import Flask

from .commands import surveys_command
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(surveys_command)
