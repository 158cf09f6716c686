"""Two apps in one process (two configurations, or the test suite) keep their own caches."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from voice import create_app
from voice.extensions import db
from voice.models import VoiceItem
from voice.nlp_adapter import current_pipeline
from voice.review import quotes
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


def test_quotes_are_chosen_once_per_app_for_the_same_candidates(app, town, other_app, monkeypatch):
    chosen = []
    choose = quotes._chosen
    monkeypatch.setattr(quotes, "_chosen", lambda *args: chosen.append(args) or choose(*args))
    f, cost = Filters(town["campaign"].id, Period(2026)), town["cost"].id
    first = quotes.quotes_for_code(f, cost)
    assert first and quotes.quotes_for_code(f, cost) == first and len(chosen) == 1
    with other_app.app_context():
        assert quotes.quotes_for_code(f, cost) == first
    assert len(chosen) == 2
    # A new resident raising the code changes the candidates: the quotes are chosen again.
    item = db.session.scalar(select(VoiceItem).where(VoiceItem.redacted_text == "redacted he 0").limit(1))
    item.redacted_text = "redacted again"
    db.session.commit()
    quotes.quotes_for_code(f, cost)
    assert len(chosen) == 3


def test_pipelines_are_built_per_app(app, town, other_app):
    pipeline = current_pipeline()
    assert current_pipeline() is pipeline
    with other_app.app_context():
        assert current_pipeline() is not pipeline
