"""Retention: a campaign's raw text is erased a set number of days after it ends.

What residents said stays as redacted text with its tags, so every count and quote the
committee sees survives; the raw values (open answers, comment and item originals, visit
notes, door addresses) become empty. An item the NLP has not redacted yet keeps its raw text
until it has (erasing it would lose what was said), and is reported as waiting. Each
campaign is erased in one transaction, with an AuditEvent saying how much went.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update

from .extensions import db
from .models import Answer, AuditEvent, Campaign, Comment, Turf, Visit, VoiceItem


@dataclass
class Erasure:
    campaign: str
    due_since: date  # the first day the raw text was past its period
    items: int = 0  # item originals erased (their answers and comments with them)
    answers: int = 0
    comments: int = 0
    visit_notes: int = 0
    door_addresses: int = 0
    waiting: int = 0  # items kept until the NLP has redacted them

    def counts(self) -> dict[str, int]:
        return {key: value for key, value in asdict(self).items() if isinstance(value, int)}

    @property
    def erased_anything(self) -> bool:
        return any(value for key, value in self.counts().items() if key != "waiting")


def due_campaigns(today: date) -> list[tuple[Campaign, date]]:
    """Campaigns whose raw-text period has run out by ``today``, with the day it ran out."""
    campaigns = db.session.scalars(select(Campaign).where(Campaign.raw_text_days.is_not(None),
                                                          Campaign.ends_on.is_not(None)).order_by(Campaign.id))
    due = [(campaign, campaign.ends_on + timedelta(days=campaign.raw_text_days + 1)) for campaign in campaigns]
    return [(campaign, since) for campaign, since in due if since <= today]


def apply_retention(today: date, *, dry_run: bool = False) -> list[Erasure]:
    """Erase (or, in a dry run, count) the raw text of every campaign past its period."""
    erasures = []
    for campaign, since in due_campaigns(today):
        erasure = _erase(campaign, since, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            if erasure.erased_anything:
                AuditEvent.record("retention.erase", campaign, actor=None, due_since=since.isoformat(),
                                  **erasure.counts())
            db.session.commit()
        erasures.append(erasure)
    return erasures


def _erase(campaign: Campaign, since: date, *, dry_run: bool) -> Erasure:
    erasure = Erasure(campaign.slug, since)
    in_campaign = VoiceItem.campaign_id == campaign.id
    kept = in_campaign & (VoiceItem.original_text != "")
    erasure.waiting = _count(VoiceItem, kept & VoiceItem.redacted_text.is_(None))
    items = kept & VoiceItem.redacted_text.is_not(None)
    answer_ids = select(VoiceItem.source_id).where(items, VoiceItem.source == "answer")
    comment_ids = select(VoiceItem.source_id).where(items, VoiceItem.source == "comment")
    turf_ids = select(Turf.id).where(Turf.campaign_id == campaign.id)
    erasure.answers = _count(Answer, Answer.id.in_(answer_ids) & (Answer.value != ""))
    erasure.comments = _count(Comment, Comment.id.in_(comment_ids) & (Comment.text != ""))
    erasure.items = _count(VoiceItem, items)
    erasure.visit_notes = _count(Visit, Visit.turf_id.in_(turf_ids) & (Visit.note != ""))
    erasure.door_addresses = _erase_addresses(campaign, dry_run=dry_run)
    if not dry_run:
        db.session.execute(update(Answer).where(Answer.id.in_(answer_ids)).values(value=""))
        db.session.execute(update(Comment).where(Comment.id.in_(comment_ids)).values(text=""))
        db.session.execute(update(VoiceItem).where(items).values(original_text=""))
        db.session.execute(update(Visit).where(Visit.turf_id.in_(turf_ids)).values(note=""))
    return erasure


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def _erase_addresses(campaign: Campaign, *, dry_run: bool) -> int:
    """Doors keep their id and place (coverage counts them); the address goes."""
    erased = 0
    for turf in db.session.scalars(select(Turf).where(Turf.campaign_id == campaign.id)):
        doors = [door for door in turf.doors if door.get("address")]
        erased += len(doors)
        if doors and not dry_run:
            turf.doors = [{**door, "address": ""} if door.get("address") else door for door in turf.doors]
    return erased
