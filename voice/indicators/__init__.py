"""Indicators: geographies, formal indicator imports, and the links from indicators to codes."""
from flask import Flask

from .commands import geographies_command, indicators_command
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(geographies_command)
    app.cli.add_command(indicators_command)
