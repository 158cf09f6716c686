"""Surveys, their frozen versions, and the responses residents give."""
from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (Boolean, DateTime, ForeignKey, Integer, LargeBinary, String,
                        UniqueConstraint, Uuid, func, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of, utcnow
from .encrypted import EncryptedText

if TYPE_CHECKING:
    from .campaigns import Campaign
    from .geography import Geography
    from .users import User

CHANNELS = ("online", "canvass", "paper")


class Survey(CreatedMixin, db.Model):
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("campaign_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # public address /s/<slug>
    title: Mapped[dict] = mapped_column(JSONType, default=dict)  # per-language titles
    # The working copy edited in the app; publishing freezes it into a SurveyVersion.
    draft: Mapped[dict] = mapped_column(JSONType, default=dict)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)

    campaign: Mapped[Campaign] = relationship()
    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number")

    @property
    def current_version(self) -> SurveyVersion | None:
        return self.versions[-1] if self.versions else None

    @classmethod
    def by_slug(cls, slug: str) -> Survey | None:
        return db.session.scalar(select(cls).where(cls.slug == slug))

    @classmethod
    def with_form_id(cls, campaign_id: int, form_id: str) -> Survey | None:
        """The campaign's survey whose draft has this XLSForm ``form_id`` (a campaign has few)."""
        surveys = db.session.scalars(select(cls).where(cls.campaign_id == campaign_id).order_by(cls.id))
        return next((survey for survey in surveys if (survey.draft or {}).get("form_id") == form_id), None)


class SurveyVersion(CreatedMixin, db.Model):
    """A published, immutable survey definition; responses point at the one they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSONType)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    survey: Mapped[Survey] = relationship(back_populates="versions")

    @classmethod
    def definitions_of(cls, campaign_id: int) -> list[dict]:
        """The published definitions of the campaign's surveys, newest first."""
        query = (select(cls.definition).join(Survey, Survey.id == cls.survey_id)
                 .where(Survey.campaign_id == campaign_id).order_by(cls.created_at.desc(), cls.id.desc()))
        return list(db.session.scalars(query))


class SurveyAttachment(CreatedMixin, db.Model):
    """A media file shown in a survey's labels or choices (an XLSForm's image, audio, video).

    Kept by content: a definition names each file with its sha256 (``attachments``), so every
    version keeps the bytes it was published with, and a file uploaded again is stored once."""

    __tablename__ = "survey_attachments"
    __table_args__ = (UniqueConstraint("survey_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))  # the file name the form uses
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed from the bytes
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    @classmethod
    def of(cls, survey_id: int, sha256: str) -> SurveyAttachment | None:
        return db.session.scalar(select(cls).where(cls.survey_id == survey_id, cls.sha256 == sha256))

    @classmethod
    def published(cls, survey: Survey, sha256: str) -> SurveyAttachment | None:
        """A file that a published version of the survey shows; a draft's files stay private."""
        if not any(sha256 in (version.definition.get("attachments") or {}).values() for version in survey.versions):
            return None
        return cls.of(survey.id, sha256)


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        # The client-chosen uuid is the idempotency key: a replayed submission is stored once.
        UniqueConstraint("survey_id", "uuid"),
        one_of("channel", CHANNELS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(Uuid)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8))
    geography_id: Mapped[int | None] = mapped_column(ForeignKey("geographies.id"), index=True)
    groups: Mapped[dict] = mapped_column(JSONType, default=dict)  # group key -> value
    canvasser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hash of the submitted content: a replay must match it, else it is refused (409).
    content_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # device clock
    device_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # device clock
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    survey: Mapped[Survey] = relationship()
    version: Mapped[SurveyVersion] = relationship()
    geography: Mapped[Geography | None] = relationship()
    canvasser: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")

    @classmethod
    def by_uuid(cls, survey_id: int, key: uuid_module.UUID) -> Response | None:
        return db.session.scalar(select(cls).where(cls.survey_id == survey_id, cls.uuid == key))

    @classmethod
    def count_for_campaign(cls, campaign_id: int) -> int:
        return db.session.scalar(
            select(func.count(cls.id)).join(Survey).where(Survey.campaign_id == campaign_id)) or 0


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question", "instance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(120))
    # The repeat instance the answer belongs to, as repeat/number pairs from the outermost
    # ("members/2", "members/2/visits/1"); "" for a question outside any repeat.
    instance: Mapped[str] = mapped_column(String(200), default="", server_default="")
    value: Mapped[str] = mapped_column(EncryptedText("answers.value"))

    response: Mapped[Response] = relationship(back_populates="answers")
