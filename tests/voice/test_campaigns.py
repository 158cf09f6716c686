from __future__ import annotations

from sqlalchemy import select

from voice.extensions import db
from voice.models import AuditEvent, Campaign

from ..helpers import post_form

FORM = {"name": "North side listening 2026", "slug": "north-2026", "description": "Door to door and forums",
        "languages": ["he", "ar", "en"], "group_keys": "role, age_band, role", "starts_on": "2026-03-01",
        "ends_on": "2026-06-30", "time_zone": "Asia/Jerusalem"}


def test_analyst_creates_and_edits_a_campaign(client, signed_in):
    signed_in("analyst")
    response = post_form(client, "/campaigns/new", FORM)
    assert response.status_code == 302
    campaign = Campaign.by_slug("north-2026")
    assert campaign.languages == ["he", "ar", "en"] and campaign.group_keys == ["role", "age_band"]
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert "North side listening 2026" in listing and "עברית" in listing
    edit = post_form(client, "/campaigns/north-2026/edit", {**FORM, "name": "North side 2026"})
    assert edit.status_code == 302
    db.session.refresh(campaign)
    assert campaign.name == "North side 2026"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "campaigns")).all()
    assert actions == ["campaign.create", "campaign.update"]


def test_bad_campaign_input_is_explained_and_nothing_is_stored(client, signed_in):
    signed_in("admin")
    page = post_form(client, "/campaigns/new", {**FORM, "slug": "North 2026!", "group_keys": "role, Age Band",
                                                "ends_on": "2026-01-01", "languages": []})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "lower-case letters, digits and single hyphens" in text
    assert "Age Band" in text and "end date is before the start date" in text
    assert 'aria-invalid="true"' in text
    assert db.session.scalar(select(Campaign)) is None


def test_slug_must_be_unique(client, signed_in):
    signed_in("admin")
    post_form(client, "/campaigns/new", FORM)
    page = post_form(client, "/campaigns/new", {**FORM, "name": "Other"})
    assert "already uses this short name" in page.get_data(as_text=True)
    assert len(Campaign.ordered()) == 1


def test_committee_reads_but_cannot_create(client, signed_in):
    signed_in("committee")
    assert client.get("/campaigns/").status_code == 200
    assert "/campaigns/new" not in client.get("/campaigns/").get_data(as_text=True)
    assert client.get("/campaigns/new").status_code == 403


def test_group_keys_accept_the_commas_of_every_keyboard(client, signed_in):
    signed_in("analyst")
    post_form(client, "/campaigns/new", {**FORM, "group_keys": "role، age_band፣ language、role"})
    assert Campaign.by_slug("north-2026").group_keys == ["role", "age_band", "language"]


def test_a_campaign_has_a_checked_time_zone(client, signed_in):
    signed_in("analyst")
    assert 'value="UTC"' in client.get("/campaigns/new").get_data(as_text=True)  # the default
    page = post_form(client, "/campaigns/new", {**FORM, "time_zone": "Mars/Olympus"})
    assert "is not a time zone name" in page.get_data(as_text=True)
    assert db.session.scalar(select(Campaign)) is None
    post_form(client, "/campaigns/new", {**FORM, "time_zone": " America/New_York "})
    assert Campaign.by_slug("north-2026").time_zone == "America/New_York"
    assert "America/New_York" in client.get("/campaigns/").get_data(as_text=True)
