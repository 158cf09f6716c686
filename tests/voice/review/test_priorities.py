"""The committee sees what listening-session rooms agreed on, redacted and without small counts."""
from __future__ import annotations

from datetime import datetime, timezone

from voice.extensions import db
from voice.models import Campaign, Code, ListeningSession

from ...helpers import sign_in


def test_room_priorities_beside_the_tagged_comments(app, client, users):
    campaign = Campaign(slug="c", name="C", languages=["en"], group_keys=["role"])
    db.session.add_all([campaign, Code(key="barrier.cost", kind="barrier", labels={"en": "Cost", "he": "עלות"})])
    db.session.add(ListeningSession(
        campaign=campaign, kind="house_party", title="Party", languages=["en"], attendance=14,
        held_at=datetime(2025, 10, 7, 18, tzinfo=timezone.utc),
        priorities=[{"text": "Cheaper daycare, call Dana on 050-123-4567", "votes": 11, "codes": ["barrier.cost"]},
                    {"text": "A crossing guard", "votes": 2, "codes": []}]))
    db.session.commit()
    sign_in(client, "committee@example.org")
    page = client.get("/review/c?period=2025").get_data(as_text=True)
    assert "What the rooms agreed on" in page
    assert "Cheaper daycare" in page and "050-123-4567" not in page and "[PHONE]" in page
    assert "11 of 14" in page and "Cost" in page
    crossing = page[page.index("A crossing guard"):]
    assert "fewer than 5" in crossing[:400]
    other_year = client.get("/review/c?period=2024").get_data(as_text=True)
    assert "Cheaper daycare" not in other_year
