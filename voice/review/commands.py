"""``voice review rebuild [--campaign SLUG]``: rebuild the committee's summary tables whole."""
from __future__ import annotations

import time

import click
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign
from . import facts


@click.group("review")
def review_command() -> None:
    """The committee's dashboards."""


@click.command("rebuild")
@click.option("--campaign", "campaign_slug", help="Only this campaign (default: every campaign).")
def rebuild(campaign_slug: str | None) -> None:
    """Rebuild the summary tables from the items and tags (writers keep them up to date; this
    is for data loaded behind the application's back, or a restored backup)."""
    query = select(Campaign.id, Campaign.slug).order_by(Campaign.id)
    if campaign_slug:
        query = query.where(Campaign.slug == campaign_slug)
    campaigns = db.session.execute(query).all()
    if campaign_slug and not campaigns:
        raise click.ClickException(f"No campaign {campaign_slug!r}.")
    for campaign_id, slug in campaigns:
        started = time.perf_counter()
        facts.rebuild(campaign_id)
        click.echo(f"{slug}: summaries rebuilt in {time.perf_counter() - started:.1f} s")


review_command.add_command(rebuild)
