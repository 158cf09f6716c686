from __future__ import annotations

from datetime import date

from ..extensions import db
from ..models import AuditEvent, Campaign, User


class SlugTaken(Exception):
    pass


def save_campaign(campaign: Campaign | None, *, name: str, slug: str, description: str, languages: list[str],
                  group_keys: list[str], starts_on: date | None, ends_on: date | None, time_zone: str,
                  actor: User, raw_text_days: int | None = None) -> Campaign:
    """Create (``campaign`` None) or update a campaign, audited, in one commit."""
    other = Campaign.by_slug(slug)
    if other is not None and other is not campaign:
        raise SlugTaken(slug)
    creating = campaign is None
    campaign = campaign or Campaign()
    before = {} if creating else {"name": campaign.name, "slug": campaign.slug, "languages": campaign.languages,
                                  "group_keys": campaign.group_keys, "time_zone": campaign.time_zone,
                                  "raw_text_days": campaign.raw_text_days}
    campaign.name, campaign.slug, campaign.description = name, slug, description or ""
    campaign.languages, campaign.group_keys = languages, group_keys
    campaign.starts_on, campaign.ends_on, campaign.time_zone = starts_on, ends_on, time_zone
    campaign.raw_text_days = raw_text_days
    db.session.add(campaign)
    db.session.flush()
    AuditEvent.record("campaign.create" if creating else "campaign.update", campaign, actor=actor, before=before)
    db.session.commit()
    return campaign
