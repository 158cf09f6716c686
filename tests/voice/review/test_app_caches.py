"""Two apps in one process (two configurations, or the test suite) keep their own caches."""
from __future__ import annotations

import pytest

from voice import create_app
from voice.extensions import db
from voice.nlp_adapter import current_pipeline
from voice.review import facts, quotes
from voice.review.aggregates import Filters, Period

from ...conftest import _base_config


@pytest.fixture
def other_app(app, database_url, tmp_path):
    """A second app on the same database, which sees what the first one stored."""
    db.session.commit()
    other = create_app(_base_config(tmp_path / "other", database_url))
    yield other
    with other.app_context():
        db.engine.dispose()


def test_quotes_are_cached_per_app(app, town, other_app, monkeypatch):
    picked = []
    pick = quotes._quotes
    monkeypatch.setattr(quotes, "_quotes", lambda *args: picked.append(args) or pick(*args))
    f, cost = Filters(town["campaign"].id, Period(2026)), town["cost"].id
    first = quotes.quotes_for_code(f, cost)
    assert first and quotes.quotes_for_code(f, cost) == first and len(picked) == 1
    with other_app.app_context():
        assert quotes.quotes_for_code(f, cost) == first
    assert len(picked) == 2


def test_freshness_is_checked_per_app(app, town, other_app, monkeypatch):
    refreshed = []
    monkeypatch.setattr(facts, "refresh", refreshed.append)
    campaign_id = town["campaign"].id
    for each in (app, other_app):
        each.config["REVIEW_FRESHNESS_SECONDS"] = 3600
    facts.ensure_fresh(campaign_id)
    facts.ensure_fresh(campaign_id)
    assert refreshed == [campaign_id]
    with other_app.app_context():
        facts.ensure_fresh(campaign_id)
    assert refreshed == [campaign_id, campaign_id]


def test_pipelines_are_built_per_app(app, town, other_app):
    pipeline = current_pipeline()
    assert current_pipeline() is pipeline
    with other_app.app_context():
        assert current_pipeline() is not pipeline
