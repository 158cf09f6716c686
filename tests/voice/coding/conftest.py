"""A campaign with a handful of items in several languages, tagged by the shipped codebook."""
from __future__ import annotations

import pytest

from voice.extensions import db
from voice.models import Campaign, Comment, ListeningSession, VoiceItem
from voice.models.base import utcnow
from voice.nlp_adapter import import_codebook, run_tagging

ITEMS = [
    ("en", "The kindergarten is far too expensive and there is no bus to get there."),
    ("he", "הגן יקר מדי ואין מקום ברשימת ההמתנה"),
    ("es", "No entiendo los formularios porque solo están en inglés"),
    ("en", "The fees are expensive and the bus comes late."),
    ("en", "Opening hours do not fit my shifts at work."),
    ("en", "The playground by the river is dirty and unsafe at night."),
    ("fr", "Les horaires de la crèche ne collent pas avec mon travail"),
    ("en", "We love the library story time on Saturdays."),
]


@pytest.fixture
def tagged(app):
    """Items from a listening session, run through the NLP pipeline."""
    import_codebook()
    campaign = Campaign(slug="c", name="C", languages=["en", "he", "es"], group_keys=[])
    session = ListeningSession(campaign=campaign, kind="forum", title="Forum", held_at=utcnow())
    session.comments = [Comment(position=i, text=text, language=language) for i, (language, text) in enumerate(ITEMS)]
    db.session.add_all([campaign, session])
    db.session.flush()
    for comment in session.comments:
        db.session.add(VoiceItem.for_comment(comment, session))
    db.session.commit()
    run_tagging()
    return campaign
