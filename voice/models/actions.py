"""What the committee decided after hearing residents ("we heard -> we will do")."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of

ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")


class Action(CreatedMixin, db.Model):
    __tablename__ = "actions"
    __table_args__ = (one_of("status", ACTION_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    we_heard: Mapped[str] = mapped_column(Text)
    we_will: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    due_on: Mapped[date | None] = mapped_column(Date)
    code_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    indicator_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    geography_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
