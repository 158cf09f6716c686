"""The unit of analysis (VoiceItem), the codebook (Code) and the tags that join them."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of
from .encrypted import EncryptedText

if TYPE_CHECKING:
    from .campaigns import Campaign
    from .geography import Geography
    from .listening import Comment, ListeningSession
    from .surveys import Answer, Response
    from .users import User

ITEM_SOURCES = ("answer", "comment")
CODE_KINDS = ("theme", "barrier")
TAG_SOURCES = ("rule", "model", "human")
# Human tags outrank machine tags: a human decision is never overwritten by a re-run.
TAG_SOURCE_RANK = {"human": 2, "model": 1, "rule": 0}


class VoiceItem(CreatedMixin, db.Model):
    """One open-text unit a resident said, whatever the channel."""

    __tablename__ = "voice_items"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        one_of("source", ITEM_SOURCES),
        Index("ix_voice_items_campaign_created", "campaign_id", "created_at"),  # newest quotes first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int] = mapped_column(Integer)  # Answer.id or Comment.id
    channel: Mapped[str] = mapped_column(String(20))  # online | canvass | paper | session kind
    original_text: Mapped[str] = mapped_column(EncryptedText("voice_items.original_text"))  # "" once erased
    language: Mapped[str] = mapped_column(String(8))  # declared, then as detected by the NLP
    redacted_text: Mapped[str | None] = mapped_column(Text)  # set by the NLP; None until then
    geography_id: Mapped[int | None] = mapped_column(ForeignKey("geographies.id"), index=True)
    groups: Mapped[dict] = mapped_column(JSONType, default=dict)
    # Which codebook and model tagged it last: a change of either queues re-tagging.
    nlp_version: Mapped[str | None] = mapped_column(String(80), index=True)
    tagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    campaign: Mapped[Campaign] = relationship()
    geography: Mapped[Geography | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(back_populates="item", cascade="all, delete-orphan")

    @classmethod
    def for_answer(cls, answer: Answer, response: Response, *, campaign_id: int) -> VoiceItem:
        return cls(campaign_id=campaign_id, source="answer", source_id=answer.id, channel=response.channel,
                   original_text=answer.value, language=response.language, geography_id=response.geography_id,
                   groups=dict(response.groups))

    @classmethod
    def for_comment(cls, comment: Comment, session: ListeningSession) -> VoiceItem:
        groups = {"language": comment.language}
        if comment.speaker_role:
            groups["role"] = comment.speaker_role
        return cls(campaign_id=session.campaign_id, source="comment", source_id=comment.id, channel=session.kind,
                   original_text=comment.text, language=comment.language, geography_id=session.geography_id,
                   groups=groups)

    @classmethod
    def count_for_campaign(cls, campaign_id: int, *, untagged: bool = False) -> int:
        query = select(func.count(cls.id)).where(cls.campaign_id == campaign_id)
        if untagged:
            query = query.where(cls.tagged_at.is_(None))
        return db.session.scalar(query) or 0


class Code(CreatedMixin, db.Model):
    """A codebook entry: a theme or a barrier."""

    __tablename__ = "codes"
    __table_args__ = (one_of("kind", CODE_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # e.g. barrier.cost
    kind: Mapped[str] = mapped_column(String(10))
    labels: Mapped[dict] = mapped_column(JSONType, default=dict)
    descriptions: Mapped[dict] = mapped_column(JSONType, default=dict)
    keywords: Mapped[dict] = mapped_column(JSONType, default=dict)  # language -> [keyword]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"))
    retired: Mapped[bool] = mapped_column(default=False)  # merged away codes are kept, not deleted

    parent: Mapped[Code | None] = relationship(remote_side="Code.id")

    @classmethod
    def active(cls) -> list[Code]:
        return list(db.session.scalars(select(cls).where(~cls.retired).order_by(cls.kind, cls.key)))


class Tag(CreatedMixin, db.Model):
    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("item_id", "code_id", "source"),
        one_of("source", TAG_SOURCES),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("voice_items.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    # Character offsets into the original text: [[start, end], ...].
    evidence: Mapped[list] = mapped_column(JSONType, default=list)
    # For human tags: False records a coder's rejection of the code for this item.
    applies: Mapped[bool] = mapped_column(default=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[VoiceItem] = relationship(back_populates="tags")
    code: Mapped[Code] = relationship()
    coder: Mapped[User | None] = relationship()
