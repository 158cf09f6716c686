"""Review: the committee's dashboards, joined indicator view, reports, exports and actions."""
from flask import Flask

from . import facts, quotes
from .commands import review_command
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(review_command)
    facts.init_app(app)
    quotes.init_app(app)
