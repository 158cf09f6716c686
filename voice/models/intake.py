"""What online intake keeps between requests: a resident's unfinished survey, and the
per-address submission counters that every server process shares."""
from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Uuid, delete
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow
from .encrypted import EncryptedJSON


class SurveyProgress(db.Model):
    """A resident's answers so far, keyed by the submission's client UUID.

    The resident's (signed) session cookie carries only the UUID; the answers stay here so
    that a reload resumes where they were. The row is deleted when the response is stored.
    """

    __tablename__ = "survey_progress"

    uuid: Mapped[uuid_module.UUID] = mapped_column(Uuid, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    # The version the resident started: a publication mid-survey does not change their questions.
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"))
    language: Mapped[str | None] = mapped_column(String(8))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    page: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict] = mapped_column(EncryptedJSON("survey_progress.answers"), default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    @classmethod
    def forget_older_than(cls, age: timedelta) -> None:
        """Unfinished answers are personal data: drop what nobody came back to."""
        db.session.execute(delete(cls).where(cls.updated_at < utcnow() - age))


class RateCounter(db.Model):
    """Requests from one (hashed) address in one time window; never a raw address."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC of scope and address
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)  # window start, seconds since epoch
    count: Mapped[int] = mapped_column(Integer, default=0)
