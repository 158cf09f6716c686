"""Review: the committee's dashboards, joined indicator view, reports, exports and actions."""
from flask import Flask

from ..jobs import items_tagged
from . import facts, quotes
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    facts.init_app(app)
    quotes.init_app(app)
    items_tagged.connect(_refresh_after_tagging, sender=app, weak=False)


def _refresh_after_tagging(app: Flask, campaign_ids: list[int]) -> None:
    for campaign_id in campaign_ids:
        facts.refresh(campaign_id)
