"""Summary tables for the committee's figures, rebuilt from voice items and tags
(``voice.review.facts``) whenever those change.

``ReviewFact``: one row per resident, and one per resident and code they raised.
``ReviewCube``: those rows counted by quarter and by every dimension the dashboard filters or
breaks down on, so a dashboard request sums a few thousand cube rows instead of counting
residents.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType


class ReviewFact(db.Model):
    __tablename__ = "review_facts"
    __table_args__ = (Index("ix_review_facts_lookup", "campaign_id", "code_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    resident_key: Mapped[int] = mapped_column(BigInteger)  # 2 x response id, or 2 x comment id + 1
    code_id: Mapped[int | None] = mapped_column(Integer)  # None: the resident's own row
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geography_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    groups: Mapped[dict] = mapped_column(JSONType, default=dict)


class ReviewCube(db.Model):
    """Residents by quarter x place x channel x language (x one other group key) x code.

    ``code_key`` is "" for all residents, a code id ("12") for those raising that code, or
    sorted code ids ("3,12,19") for those raising any of them: the code sets an indicator is
    linked to, counted once per resident. ``group_key`` "" holds every resident once; a
    campaign group key (say "role") holds them again, split by ``group_value``, so one
    filter or breakdown by that key reads its own rows.
    """
    __tablename__ = "review_cube"
    __table_args__ = (Index("ix_review_cube_lookup", "campaign_id", "group_key", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    quarter: Mapped[int] = mapped_column(Integer)  # year * 4 + quarter - 1
    code_key: Mapped[str] = mapped_column(String(200))
    geography_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(40))
    group_key: Mapped[str] = mapped_column(String(40))
    group_value: Mapped[str | None] = mapped_column(String(200))
    residents: Mapped[int] = mapped_column(Integer)

    @classmethod
    def filter_options(cls, campaign_id: int) -> dict:
        """What the dashboard's filters offer: the quarters, channels and group values in the cube."""
        rows = db.session.execute(select(cls.group_key, cls.group_value, cls.channel, func.min(cls.quarter),
                                         func.max(cls.quarter))
                                  .where(cls.campaign_id == campaign_id, cls.code_key == "")
                                  .group_by(cls.group_key, cls.group_value, cls.channel)).all()
        everyone = [row for row in rows if row.group_key == ""]
        groups: dict[str, set] = {}
        for row in rows:
            if row.group_key and row.group_value:
                groups.setdefault(row.group_key, set()).add(row.group_value)
        return {"quarters": [min(row[3] for row in everyone), max(row[4] for row in everyone)] if everyone else [],
                "channels": sorted({row.channel for row in everyone}),
                "groups": {key: sorted(values) for key, values in groups.items()}}


class ReviewFactState(db.Model):
    """What the summary rows of a campaign were built from (a fingerprint of items and tags)."""
    __tablename__ = "review_fact_states"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    code_sets: Mapped[list] = mapped_column(JSONType, default=list)  # the code keys of sets in the cube
    # What the filters offer, read off the cube at the rebuild: {"quarters": [first, last],
    # "channels": [...], "groups": {key: [values]}}.
    options: Mapped[dict] = mapped_column(JSONType, default=dict)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
