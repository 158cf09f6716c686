"""Two apps in one process (two configurations, or the test suite) keep their own caches."""
from __future__ import annotations

import pytest

from voice import create_app
from voice.extensions import db
from voice.nlp_adapter import current_pipeline

from ...conftest import _base_config


@pytest.fixture
def other_app(app, database_url, tmp_path):
    """A second app on the same database, which sees what the first one stored."""
    db.session.commit()
    other = create_app(_base_config(tmp_path / "other", database_url))
    yield other
    with other.app_context():
        db.engine.dispose()


def test_pipelines_are_built_per_app(app, town, other_app):
    pipeline = current_pipeline()
    assert current_pipeline() is pipeline
    with other_app.app_context():
        assert current_pipeline() is not pipeline
