"""What listening-session rooms agreed on, as the committee may read it: redacted, and without
vote or attendance counts below the threshold."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, Code, ListeningSession
from ..models.base import labels_in
from ..nlp_adapter import redaction_preview
from ..timezones import local
from . import aggregates as agg
from .presentation import geography_label, threshold


@dataclass(frozen=True)
class RoomPriority:
    """What a listening session's room agreed on, as the committee may read it."""

    text: str  # redacted: facilitators type these, and a name can slip in
    language: str
    votes: int | None  # None: fewer than the threshold voted, so the count is not shown
    attendance: int | None
    codes: list[str]  # labels in the reader's language
    session_kind: str
    place: str
    held_on: date


def room_priorities(campaign: Campaign, f: agg.Filters, locale: str) -> list[RoomPriority]:
    """Priorities voted in the campaign's sessions within the period and places, most votes first."""
    query = select(ListeningSession).where(ListeningSession.campaign_id == campaign.id)
    if f.period is not None:
        query = query.where(ListeningSession.held_at >= f.period.start, ListeningSession.held_at < f.period.end)
    if f.geography_ids:
        query = query.where(ListeningSession.geography_id.in_(f.geography_ids))
    n = threshold()
    labels = {code.key: labels_in(code.labels, locale) for code in Code.active()}
    rows = []
    for session in db.session.scalars(query):
        language = (session.languages or [""])[0]
        for priority in session.priorities or []:
            votes = priority.get("votes")
            text, _kinds = redaction_preview(priority.get("text", ""), language or None)
            rows.append(RoomPriority(
                text=text, language=language, votes=votes if isinstance(votes, int) and votes >= n else None,
                attendance=session.attendance if (session.attendance or 0) >= n else None,
                codes=[labels.get(key, key) for key in priority.get("codes", [])], session_kind=session.kind,
                place=geography_label(session.geography, locale), held_on=local(session.held_at, campaign.time_zone).date()))
    return sorted(rows, key=lambda row: (-(row.votes or 0), row.held_on))
