"""A campaign: one listening effort of a partnership."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType

if TYPE_CHECKING:
    from .geography import Geography


class Campaign(CreatedMixin, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Group keys that label answers, comments and indicator values alike, e.g. role, age_band.
    group_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    geography_scope_id: Mapped[int | None] = mapped_column(ForeignKey("geographies.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(default=False)
    # IANA name (voice.timezones): the zone people read and type this campaign's times in.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Retention: raw text (answers, comments, notes) is erased this many days after ends_on;
    # redacted text, tags and counts stay. None keeps it until someone sets a period.
    raw_text_days: Mapped[int | None] = mapped_column(Integer)

    geography_scope: Mapped["Geography | None"] = relationship()

    @classmethod
    def ordered(cls) -> list[Campaign]:
        return list(db.session.scalars(select(cls).order_by(cls.starts_on.desc(), cls.name)))

    @classmethod
    def by_slug(cls, slug: str) -> Campaign | None:
        return db.session.scalar(select(cls).where(cls.slug == slug))
