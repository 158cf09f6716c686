"""Background work that people watch (NLP runs, retraining), and the trained NLP models."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of

JOB_KINDS = ("nlp_run", "nlp_train")
JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(CreatedMixin, db.Model):
    """A queued or running piece of background work, with progress for the UI and CLI."""

    __tablename__ = "jobs"
    __table_args__ = (one_of("kind", JOB_KINDS), one_of("status", JOB_STATUSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSONType, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @classmethod
    def latest(cls, kind: str | None = None, limit: int = 10) -> list[Job]:
        query = select(cls).order_by(cls.id.desc()).limit(limit)
        if kind:
            query = query.where(cls.kind == kind)
        return list(db.session.scalars(query))


class NlpModel(CreatedMixin, db.Model):
    """A trained tag model, stored in the database so every server process and worker loads
    the same one. Saved as JSON plus numeric arrays: loading never unpickles anything."""

    __tablename__ = "nlp_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[str] = mapped_column(String(64), unique=True)
    codebook_hash: Mapped[str | None] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)  # model.json as saved by nlp.TagModel.save
    arrays: Mapped[bytes] = mapped_column(LargeBinary)  # arrays.npz
    metrics: Mapped[dict] = mapped_column(JSONType, default=dict)
    training_counts: Mapped[dict] = mapped_column(JSONType, default=dict)
    is_current: Mapped[bool] = mapped_column(default=False, index=True)
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @classmethod
    def current(cls) -> NlpModel | None:
        return db.session.scalar(select(cls).where(cls.is_current).order_by(cls.id.desc()).limit(1))
