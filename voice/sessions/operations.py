"""Listening sessions: save a session, record comments (one by one or a reviewed import) as
Comments with their VoiceItems, and store facilitators' tag corrections as human tags.

Each function that changes data records an AuditEvent and commits once, so that a comment and
its VoiceItem (or a whole import) are stored together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..jobs import queue_job
from ..models import AuditEvent, Campaign, Code, Comment, Geography, ListeningSession, Tag, User, VoiceItem
from ..models.coding import TAG_SOURCE_RANK
from .parsing import ParsedComment

FACILITATING_ROLES = ("admin", "analyst", "facilitator")
# Values offered for well-known group keys; other keys take whatever the facilitator types.
KNOWN_GROUP_VALUES = {
    "role": ("parent", "provider", "youth", "resident", "other"),
    "age_band": ("under_18", "18_24", "25_44", "45_64", "65_plus"),
}


class TalliesDoNotAddUp(ValueError):
    """A group's counts do not add up to the attendance: ``problems`` is [(key, total)]."""

    def __init__(self, problems: list[tuple[str, int]]):
        super().__init__(problems)
        self.problems = problems


def group_values(campaign: Campaign, key: str) -> list[str]:
    """Values of one group key: the well-known ones, the campaign's languages for "language",
    then values already tallied in this campaign's sessions."""
    values = list(campaign.languages or []) if key == "language" else list(KNOWN_GROUP_VALUES.get(key, ()))
    for tallies in db.session.scalars(select(ListeningSession.tallies)
                                      .where(ListeningSession.campaign_id == campaign.id)):
        values.extend(value for value in (tallies or {}).get(key, {}) if value not in values)
    return values


def campaign_geographies(campaign: Campaign) -> list[Geography]:
    """The campaign's scope and every place inside it; every geography when it has no scope."""
    everything = list(db.session.scalars(select(Geography).order_by(Geography.level, Geography.name)))
    if campaign.geography_scope_id is None:
        return everything
    inside, frontier = {campaign.geography_scope_id}, {campaign.geography_scope_id}
    while frontier:
        frontier = {g.id for g in everything if g.parent_id in frontier and g.id not in inside}
        inside |= frontier
    return [g for g in everything if g.id in inside]


def facilitators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(FACILITATING_ROLES), User.active)
                                   .order_by(User.display_name)))


def check_tallies(tallies: Mapping[str, Mapping[str, int]], attendance: int | None) -> None:
    """Every group key's counts must add up to the attendance (a key left empty is fine)."""
    problems = []
    for key, counts in tallies.items():
        total = sum(counts.values())
        if counts and total != (attendance or 0):
            problems.append((key, total))
    if problems:
        raise TalliesDoNotAddUp(problems)


def save_session(session: ListeningSession | None, *, campaign: Campaign, kind: str, title: str,
                 held_at: datetime, place: str, geography_id: int | None, languages: list[str],
                 facilitator_id: int | None, partner_organisation: str, attendance: int | None,
                 tallies: dict[str, dict[str, int]], priorities: list[dict], actor: User) -> ListeningSession:
    """Create (``session`` None) or update a session, audited, in one commit."""
    check_tallies(tallies, attendance)
    creating = session is None
    session = session or ListeningSession(campaign_id=campaign.id)
    before = {} if creating else {"kind": session.kind, "title": session.title, "attendance": session.attendance,
                                  "tallies": session.tallies, "priorities": session.priorities,
                                  "facilitator_id": session.facilitator_id}
    session.kind, session.title, session.held_at, session.place = kind, title, held_at, place or ""
    session.geography_id, session.languages = geography_id, languages
    session.facilitator_id, session.partner_organisation = facilitator_id, partner_organisation or ""
    session.attendance, session.tallies, session.priorities = attendance, tallies, priorities
    db.session.add(session)
    db.session.flush()
    if not creating:
        # Where and in what channel a comment was said is copied onto its VoiceItems.
        for item in _items_of(session):
            item.geography_id, item.channel = session.geography_id, session.kind
    AuditEvent.record("session.create" if creating else "session.update", session, actor=actor, before=before)
    db.session.commit()
    return session


def _items_of(session: ListeningSession) -> list[VoiceItem]:
    ids = [comment.id for comment in session.comments]
    if not ids:
        return []
    return list(db.session.scalars(select(VoiceItem).where(VoiceItem.source == "comment",
                                                           VoiceItem.source_id.in_(ids))))


def _new_comment(session: ListeningSession, position: int, text: str, speaker_role: str | None,
                 language: str) -> tuple[Comment, VoiceItem]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()  # browsers send CRLF
    comment = Comment(session_id=session.id, position=position, text=text, language=language,
                      speaker_role=speaker_role or None)
    db.session.add(comment)
    db.session.flush()
    item = VoiceItem.for_comment(comment, session)
    db.session.add(item)
    return comment, item


def _next_position(session: ListeningSession) -> int:
    last = db.session.scalar(select(func.max(Comment.position)).where(Comment.session_id == session.id))
    return (last or 0) + 1


def add_comment(session: ListeningSession, *, text: str, speaker_role: str | None, language: str,
                actor: User) -> Comment:
    """One comment and its VoiceItem, audited, in one commit."""
    comment, item = _new_comment(session, _next_position(session), text, speaker_role, language)
    db.session.flush()
    AuditEvent.record("comment.create", comment, actor=actor, session_id=session.id, voice_item_id=item.id)
    db.session.commit()
    _tag_now(session, [item], actor)
    return comment


def _tag_now(session: ListeningSession, items: list[VoiceItem], actor: User) -> None:
    """Machine tags for comments just saved, by a background job of their own, so that the
    facilitator sees their codes within seconds instead of after the next batch run (with no
    broker the job runs here, before the page answers)."""
    queue_job("nlp_run", actor=actor, campaign_id=session.campaign_id, item_ids=[item.id for item in items])


def import_comments(session: ListeningSession, comments: Iterable[ParsedComment], *, actor: User,
                    source: str) -> list[Comment]:
    """Reviewed imported comments with their VoiceItems: all of them in one commit, or none."""
    position = _next_position(session)
    stored, items = [], []
    try:
        for offset, parsed in enumerate(comments):
            comment, item = _new_comment(session, position + offset, parsed.text, parsed.speaker_role,
                                         parsed.language or session.languages[0])
            stored.append(comment)
            items.append(item)
        db.session.flush()
        AuditEvent.record("comment.import", session, actor=actor, source=source, count=len(stored),
                          comment_ids=[comment.id for comment in stored])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _tag_now(session, items, actor)
    return stored


# --- Tags -----------------------------------------------------------------------------------


@dataclass
class ShownTag:
    code: Code
    source: str  # rule | model | human
    applies: bool
    confidence: float


def items_by_comment(session: ListeningSession) -> dict[int, VoiceItem]:
    ids = [comment.id for comment in session.comments]
    if not ids:
        return {}
    query = (select(VoiceItem).where(VoiceItem.source == "comment", VoiceItem.source_id.in_(ids))
             .options(selectinload(VoiceItem.tags).selectinload(Tag.code)))
    return {item.source_id: item for item in db.session.scalars(query)}


def shown_tags(item: VoiceItem | None) -> list[ShownTag]:
    """One tag per code: a human decision outranks the model, which outranks a rule."""
    best: dict[int, Tag] = {}
    for tag in (item.tags if item is not None else []):
        kept = best.get(tag.code_id)
        if kept is None or TAG_SOURCE_RANK[tag.source] > TAG_SOURCE_RANK[kept.source]:
            best[tag.code_id] = tag
    tags = [ShownTag(tag.code, tag.source, tag.applies, tag.confidence) for tag in best.values()]
    return sorted(tags, key=lambda t: (not t.applies, t.code.kind, t.code.key))


def correct_tag(item: VoiceItem, code: Code, *, applies: bool, actor: User) -> Tag:
    """Record a facilitator's decision as the item's human tag for ``code`` (one per code)."""
    tag = db.session.scalar(select(Tag).where(Tag.item_id == item.id, Tag.code_id == code.id,
                                              Tag.source == "human"))
    before = None if tag is None else tag.applies
    if tag is None:
        tag = Tag(item_id=item.id, code_id=code.id, source="human", confidence=1.0, evidence=[])
        db.session.add(tag)
    tag.applies, tag.coder_id = applies, actor.id
    db.session.flush()
    AuditEvent.record("tag.correct", tag, actor=actor, voice_item_id=item.id, code=code.key,
                      applies=applies, before=before)
    db.session.commit()
    return tag
