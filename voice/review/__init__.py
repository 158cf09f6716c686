"""Review: the committee's dashboards, joined indicator view, reports, exports and actions."""
from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
