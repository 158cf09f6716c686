"""Who did what to which record, and when."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))  # e.g. user.create, response.replay_conflict
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSONType, default=dict)

    @classmethod
    def record(cls, action: str, record: Any = None, *, actor=None, record_type: str | None = None,
               record_id: Any = None, **details: Any) -> AuditEvent:
        """Add an event to the current transaction (the caller's commit stores both or neither)."""
        if record is not None:
            record_type = record_type or record.__tablename__
            record_id = record_id if record_id is not None else getattr(record, "id", None)
        event = cls(action=action, record_type=record_type or "", details=details,
                    record_id=None if record_id is None else str(record_id),
                    actor_id=getattr(actor, "id", None))
        db.session.add(event)
        return event

    @classmethod
    def latest(cls, limit: int = 50) -> list[AuditEvent]:
        return list(db.session.scalars(select(cls).order_by(cls.at.desc(), cls.id.desc()).limit(limit)))
