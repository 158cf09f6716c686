"""Listening sessions (house parties, forums, town halls) and what was said there."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of
from .encrypted import EncryptedText

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

    def visible_to(self, user: User) -> bool:
        """Facilitators see their own sessions; analysts and admins see all."""
        return user.role in ("admin", "analyst") or (user.role == "facilitator" and self.facilitator_id == user.id)

    @classmethod
    def search(cls, user: User, *, kind: str | None = None, geography_id: int | None = None,
               language: str | None = None, held_from: date | None = None, held_to: date | None = None,
               facilitator_id: int | None = None) -> list[ListeningSession]:
        """The sessions ``user`` may see, newest first, narrowed by the list's filters."""
        query = select(cls).options(selectinload(cls.geography), selectinload(cls.facilitator))
        if user.role == "facilitator":
            query = query.where(cls.facilitator_id == user.id)
        elif user.role not in ("admin", "analyst"):
            return []
        if kind:
            query = query.where(cls.kind == kind)
        if geography_id:
            query = query.where(cls.geography_id == geography_id)
        if facilitator_id:
            query = query.where(cls.facilitator_id == facilitator_id)
        if held_from:
            query = query.where(cls.held_at >= datetime.combine(held_from, time.min, timezone.utc))
        if held_to:
            query = query.where(cls.held_at < datetime.combine(held_to + timedelta(days=1), time.min, timezone.utc))
        sessions = list(db.session.scalars(query.order_by(cls.held_at.desc(), cls.id.desc())))
        # Languages are a JSON list (JSONB on PostgreSQL, text on SQLite): filtered here, portably.
        return [s for s in sessions if not language or language in (s.languages or [])]

    @classmethod
    def comment_counts(cls, session_ids: list[int]) -> dict[int, int]:
        if not session_ids:
            return {}
        rows = db.session.execute(select(Comment.session_id, func.count(Comment.id))
                                  .where(Comment.session_id.in_(session_ids)).group_by(Comment.session_id))
        return dict(rows.all())


class Comment(CreatedMixin, db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("listening_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(EncryptedText("comments.text"))
    language: Mapped[str] = mapped_column(String(8))
    speaker_role: Mapped[str | None] = mapped_column(String(40))  # a group value, never a name

    session: Mapped[ListeningSession] = relationship(back_populates="comments")
