"""Summary rows for the committee's figures: one per resident, and one per resident and code.

Rebuilt from voice items and tags (``voice.review.facts``) whenever those change, so that the
dashboard counts rows with plain GROUP BY instead of DISTINCT over joined items and tags.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String
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


class ReviewFactState(db.Model):
    """What the summary rows of a campaign were built from (a fingerprint of items and tags)."""
    __tablename__ = "review_fact_states"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
