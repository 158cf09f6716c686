"""A published version is parsed once per app; the current version is read without the others."""
from __future__ import annotations

from sqlalchemy import event, select

from voice.extensions import db
from voice.intake import versions
from voice.intake.definition import SurveyDefinition
from voice.models import Survey, SurveyVersion


def test_a_version_is_parsed_once_per_app(app, survey, monkeypatch):
    version = survey.current_version
    parsed = []
    real = SurveyDefinition.from_dict
    monkeypatch.setattr(SurveyDefinition, "from_dict", lambda data: parsed.append(1) or real(data))
    first = versions.parsed(version)
    assert versions.parsed(db.session.get(SurveyVersion, version.id)) is first and len(parsed) == 1
    assert first[0].to_dict() == real(version.definition).to_dict()
    unsaved = SurveyVersion(survey_id=survey.id, number=99, definition=version.definition)
    versions.parsed(unsaved)
    versions.parsed(unsaved)
    assert len(parsed) == 3  # an unsaved version has no id to be kept under


def test_the_current_version_is_one_row(app, survey):
    newer = SurveyVersion(survey_id=survey.id, number=2, definition=survey.current_version.definition)
    db.session.add(newer)
    db.session.commit()
    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fresh = db.session.scalar(select(Survey).where(Survey.id == survey.id))
        assert fresh.current_version.number == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    reads = [statement for statement in statements if "FROM survey_versions" in statement]
    assert len(reads) == 1 and "LIMIT" in reads[0].upper()
    assert "versions" not in fresh.__dict__  # the other versions were not loaded
