"""Live counts for each role's home page, from aggregate queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..models import (Campaign, Comment, ListeningSession, Response, Survey, Tag, Turf, User, Visit,
                      VoiceItem)


@dataclass
class Overview:
    counts: dict[str, int] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)


def _count(query) -> int:
    return db.session.scalar(query) or 0


def overview_for(user: User) -> Overview:
    overview = Overview(campaigns=Campaign.ordered())
    counts = overview.counts
    counts["campaigns"] = len(overview.campaigns)
    if user.role == "admin":
        counts["users"] = _count(select(func.count(User.id)).where(User.active))
    if user.role in ("admin", "analyst"):
        counts["surveys"] = _count(select(func.count(Survey.id)))
        counts["responses"] = _count(select(func.count(Response.id)))
        counts["voice_items"] = _count(select(func.count(VoiceItem.id)))
        counts["untagged_items"] = _count(select(func.count(VoiceItem.id)).where(VoiceItem.tagged_at.is_(None)))
        counts["human_tags"] = _count(select(func.count(Tag.id)).where(Tag.source == "human"))
    if user.role in ("admin", "analyst", "committee"):
        counts["sessions"] = _count(select(func.count(ListeningSession.id)))
    if user.role == "facilitator":
        counts["my_sessions"] = _count(
            select(func.count(ListeningSession.id)).where(ListeningSession.facilitator_id == user.id))
        counts["my_comments"] = _count(
            select(func.count(Comment.id)).join(ListeningSession)
            .where(ListeningSession.facilitator_id == user.id))
    if user.role == "canvasser":
        counts["my_turfs"] = _count(select(func.count(Turf.id)).where(Turf.canvasser_id == user.id))
        counts["my_visits"] = _count(select(func.count(Visit.id)).where(Visit.canvasser_id == user.id))
        counts["my_interviews"] = _count(
            select(func.count(Response.id)).where(Response.canvasser_id == user.id))
    return overview
