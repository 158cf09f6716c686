"""Blind double coding: a sample of items that several coders code without seeing each other."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType

if TYPE_CHECKING:
    from .coding import VoiceItem
    from .users import User


class CodingRound(CreatedMixin, db.Model):
    """One double-coding round: the same items, coded blind by two or more coders."""

    __tablename__ = "coding_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Settled disagreements: item id (as text) -> the code keys the final human tags apply.
    settled: Mapped[dict] = mapped_column(JSONType, default=dict)

    assignments: Mapped[list[CodingAssignment]] = relationship(back_populates="round",
                                                              cascade="all, delete-orphan")

    @classmethod
    def ordered(cls) -> list[CodingRound]:
        return list(db.session.scalars(select(cls).order_by(cls.id.desc())))

    def coder_ids(self) -> list[int]:
        return sorted({assignment.coder_id for assignment in self.assignments})

    def item_ids(self) -> list[int]:
        return sorted({assignment.item_id for assignment in self.assignments})


class CodingAssignment(db.Model):
    """One coder's blind decision on one item of a round (the code keys that apply)."""

    __tablename__ = "coding_assignments"
    __table_args__ = (UniqueConstraint("round_id", "item_id", "coder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("coding_rounds.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("voice_items.id", ondelete="CASCADE"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    codes: Mapped[list] = mapped_column(JSONType, default=list)
    coded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    round: Mapped[CodingRound] = relationship(back_populates="assignments")
    item: Mapped[VoiceItem] = relationship()
    coder: Mapped[User] = relationship()
