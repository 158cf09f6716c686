"""The online survey's storage between pages: a consenting resident's place is kept until the
survey is finished, then stored once through the intake core like every other channel."""
from __future__ import annotations

import uuid as uuid_module
from datetime import timedelta
from typing import Any

from ..extensions import db
from ..intake.flow import Form, has_consent, initial_answers, next_page, prune
from ..intake.responses import Stored, store_response
from ..models import SurveyProgress
from ..models.base import utcnow

# Unfinished surveys are kept this long for a resident to come back to, then forgotten.
PROGRESS_KEPT = timedelta(days=7)


def start_progress(form: Form, key: uuid_module.UUID, language: str) -> SurveyProgress:
    """The resident consented: keep their place (a second start with the same UUID resumes)."""
    progress = db.session.get(SurveyProgress, key)
    if progress is None or progress.survey_id != form.survey.id:
        SurveyProgress.forget_older_than(PROGRESS_KEPT)
        starting = initial_answers(form)
        first = next_page(form, -1, starting)
        progress = SurveyProgress(uuid=key, survey_id=form.survey.id, survey_version_id=form.version.id,
                                  language=language, consent=True, page=first or 0, answers=starting)
        db.session.merge(progress)
    db.session.commit()
    return db.session.get(SurveyProgress, key)


def save_progress(progress: SurveyProgress, *, page: int, answers: dict[str, Any]) -> None:
    progress.page, progress.answers, progress.updated_at = page, answers, utcnow()
    db.session.commit()


def forget(progress: SurveyProgress) -> None:
    db.session.delete(progress)
    db.session.commit()


def submit(form: Form, progress: SurveyProgress) -> Stored:
    """Store the finished survey once and forget the progress (same transaction)."""
    answers = prune(form, progress.answers)
    stored = store_response(form.version, uuid=progress.uuid, channel="online", language=progress.language or "",
                            answers=answers, consent=has_consent(form, answers, progress.consent),
                            started_at=progress.started_at, commit=False)
    db.session.delete(progress)
    db.session.commit()
    return stored


def submit_json(form: Form, *, key: uuid_module.UUID, language: str, answers: dict[str, Any],
                consent: bool) -> Stored:
    """Store a checked whole submission (raises ResponseConflict for a changed replay)."""
    return store_response(form.version, uuid=key, channel="online", language=language, answers=answers,
                          consent=consent)
