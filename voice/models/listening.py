"""Listening sessions (house parties, forums, town halls) and what was said there."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of

if TYPE_CHECKING:
    from .campaigns import Campaign
    from .geography import Geography
    from .users import User

SESSION_KINDS = ("house_party", "forum", "town_hall", "parent", "provider", "youth", "other")


class ListeningSession(CreatedMixin, db.Model):
    __tablename__ = "listening_sessions"
    __table_args__ = (
        one_of("kind", SESSION_KINDS),
        CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(200), default="")
    geography_id: Mapped[int | None] = mapped_column(ForeignKey("geographies.id"), index=True)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    partner_organisation: Mapped[str] = mapped_column(String(200), default="")
    attendance: Mapped[int | None] = mapped_column(Integer)
    # Attendance by group key and value, e.g. {"role": {"parent": 9, "provider": 3}}.
    tallies: Mapped[dict] = mapped_column(JSONType, default=dict)
    # What the room agreed on, with votes: [{"text": ..., "votes": 7, "codes": [...]}].
    priorities: Mapped[list] = mapped_column(JSONType, default=list)

    campaign: Mapped[Campaign] = relationship()
    geography: Mapped[Geography | None] = relationship()
    facilitator: Mapped[User | None] = relationship()
    comments: Mapped[list[Comment]] = relationship(
        back_populates="session", order_by="Comment.position", cascade="all, delete-orphan")


class Comment(CreatedMixin, db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("listening_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    speaker_role: Mapped[str | None] = mapped_column(String(40))  # a group value, never a name

    session: Mapped[ListeningSession] = relationship(back_populates="comments")
