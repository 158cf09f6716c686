"""A small hand-made campaign whose figures are computed by hand in the tests."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from voice.extensions import db
from voice.models import (ALL_GROUPS, Answer, Campaign, Code, Comment, Geography, Indicator, IndicatorValue,
                          ListeningSession, Response, Survey, SurveyVersion, Tag, VoiceItem)
from voice.nlp_adapter import import_codebook

AUTUMN = datetime(2025, 10, 1, tzinfo=timezone.utc)
SPRING = datetime(2026, 3, 1, tzinfo=timezone.utc)


def session_comment(campaign, kind: str, title: str, geography, redacted: str, tag: Tag) -> VoiceItem:
    """A listening session of ``kind`` in ``geography`` with one Hebrew comment, its item (from
    the spring, redacted) carrying ``tag``: one more resident heard in a session."""
    session = ListeningSession(campaign_id=campaign.id, kind=kind, title=title, languages=["he"],
                               held_at=SPRING, geography_id=geography.id)
    comment = Comment(text="raw comment", language="he")
    session.comments.append(comment)
    db.session.add(session)
    db.session.flush()
    item = VoiceItem.for_comment(comment, session)
    item.created_at, item.redacted_text = SPRING, redacted
    db.session.add(item)
    db.session.flush()
    tag.item_id = item.id
    db.session.add(tag)
    return item


def _square(column: int) -> dict:
    west = 34.8 + 0.02 * column
    return {"type": "Polygon", "coordinates": [[[west, 32.0], [west + 0.02, 32.0], [west + 0.02, 32.02],
                                                [west, 32.02], [west, 32.0]]]}


@pytest.fixture
def town(app):
    """Two neighbourhoods. In 2026: North has 12 residents (10 he, 2 am), South 8 (all he).
    barrier.cost is raised by 6 North residents (one of them twice, in two answers) and 5
    South ones; a human coder rejected barrier.cost on one more North item. In 2025 North has
    10 residents, 2 raising barrier.cost. The indicator "kr" has values for 2025 and 2026."""
    import_codebook()
    city = Geography(code="T", name="Town", level="city")
    north = Geography(code="T-N", name="North", names={"he": "צפון"}, level="neighbourhood", parent=city,
                      population=1000, geometry=_square(0))
    south = Geography(code="T-S", name="South", level="neighbourhood", parent=city, population=800,
                      geometry=_square(1))
    campaign = Campaign(slug="town", name="Town listens", languages=["he", "am"], group_keys=["role", "language"])
    db.session.add_all([city, north, south, campaign])
    db.session.flush()
    survey = Survey(campaign=campaign, slug="s", title={"en": "S"}, draft={}, is_open=True)
    version = SurveyVersion(survey=survey, number=1, definition={})
    db.session.add_all([survey, version])
    db.session.flush()
    codes = {code.key: code for code in db.session.query(Code)}
    cost, capacity = codes["barrier.cost"], codes["barrier.capacity"]

    def resident(geography, language, when, code_sets, role="parent", channel="online"):
        response = Response(uuid=uuid.uuid4(), survey_id=survey.id, content_hash="0" * 64,
                            survey_version_id=version.id, channel=channel, language=language,
                            geography_id=geography.id, groups={"language": language, "role": role}, consent=True)
        db.session.add(response)
        db.session.flush()
        items = []
        for index, code_set in enumerate(code_sets):
            answer = Answer(response_id=response.id, question=f"q{index}", value="raw text with a name")
            db.session.add(answer)
            db.session.flush()
            item = VoiceItem(campaign_id=campaign.id, source="answer", source_id=answer.id, channel=channel,
                             original_text="raw text with a name", language=language,
                             redacted_text=f"redacted {language} {index}", geography_id=geography.id,
                             groups={"language": language, "role": role}, created_at=when)
            db.session.add(item)
            db.session.flush()
            for code in code_set:
                db.session.add(Tag(item_id=item.id, code_id=code.id, source="rule"))
            items.append(item)
        return items

    # 2026, North: 10 Hebrew speakers, 2 Amharic speakers.
    for i in range(10):
        code_sets = [[cost], [cost]] if i == 0 else ([[cost]] if i < 5 else [[]])
        resident(north, "he", SPRING, code_sets)
    for i in range(2):
        resident(north, "am", SPRING, [[cost]])
    rejected = resident(north, "he", SPRING, [[cost]])[0]  # 13th North resident, but the coder said no
    db.session.add(Tag(item_id=rejected.id, code_id=cost.id, source="human", applies=False))
    # 2026, South: 8 Hebrew speakers, 5 raising cost, 3 capacity.
    for i in range(8):
        resident(south, "he", SPRING, [[cost] if i < 5 else [capacity]], role="resident")
    # 2025, North: 10 residents, 2 raising cost.
    for i in range(10):
        resident(north, "he", AUTUMN, [[cost] if i < 2 else []])
    # A listening-session comment in South (one resident, counted once).
    session_comment(campaign, "forum", "Forum", south, "redacted comment",
                    Tag(code_id=capacity.id, source="model", confidence=0.8))

    indicator = Indicator(code="kr", name={"en": "Readiness", "he": "מוכנות"}, unit="percent",
                          direction="higher_is_better", linked_codes=["barrier.cost", "barrier.capacity"])
    db.session.add(indicator)
    db.session.flush()
    for geography, base in ((north, 60.0), (south, 70.0)):
        for period, shift in (("2025", 0.0), ("2026", 2.0)):
            db.session.add(IndicatorValue(indicator_id=indicator.id, geography_id=geography.id, period=period,
                                          group_key=ALL_GROUPS, group_value=ALL_GROUPS, value=base + shift,
                                          numerator=None, denominator=100))
            db.session.add(IndicatorValue(indicator_id=indicator.id, geography_id=geography.id, period=period,
                                          group_key="language", group_value="he", value=base + shift + 5,
                                          denominator=70))
            db.session.add(IndicatorValue(indicator_id=indicator.id, geography_id=geography.id, period=period,
                                          group_key="language", group_value="am", value=base + shift - 10,
                                          denominator=3 if geography is north else 30))
    db.session.commit()
    return {"campaign": campaign, "north": north, "south": south, "city": city, "cost": cost,
            "capacity": capacity, "indicator": indicator}
