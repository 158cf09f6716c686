"""A small hand-made canvass field: two neighbourhoods with populations by language, a
three-language survey, and turfs for two canvassers. Shared by the canvass tests, the
concurrency test and the benchmark."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from voice.extensions import db
from voice.models import Campaign, Geography, Survey, SurveyVersion, Turf, User


def _q(name, type_, labels, **extra):
    return {"kind": "question", "name": name, "type": type_, "label": labels, **extra}


DEFINITION = {
    "format": 1, "form_id": "door", "version": "1",
    "title": {"en": "Growing up here", "he": "לגדול כאן", "am": "እዚህ ማደግ"},
    "default_language": "en", "languages": ["en", "he", "am"],
    "items": [
        _q("consent", "consent", {"en": "Do you agree to answer?", "he": "האם את/ה מסכים/ה לענות?",
                                  "am": "ለመመለስ ይስማማሉ?"}, required=True),
        {"kind": "group", "name": "about", "label": {"en": "About you", "he": "עליך", "am": "ስለ እርስዎ"},
         "appearance": "field-list", "relevant": "${consent} = 'yes'", "children": [
             _q("area", "geography", {"en": "Where do you live?", "he": "איפה את/ה גר/ה?", "am": "የት ይኖራሉ?"},
                role="geography", required=True),
             _q("role", "select_one", {"en": "You are", "he": "את/ה", "am": "እርስዎ"}, choice_list="roles",
                role="group:role", required=True),
             _q("kids", "integer", {"en": "How many children?", "he": "כמה ילדים?", "am": "ስንት ልጆች?"},
                constraint=". >= 0 and . <= 15",
                constraint_message={"en": "Between 0 and 15.", "he": "בין 0 ל-15.", "am": "ከ0 እስከ 15።"}),
         ]},
        {"kind": "group", "name": "voice", "label": {"en": "Your voice", "he": "הקול שלך", "am": "ድምጽዎ"},
         "appearance": "field-list", "relevant": "${consent} = 'yes'", "children": [
             _q("needs", "select_multiple", {"en": "What do you need?", "he": "מה אתם צריכים?", "am": "ምን ይፈልጋሉ?"},
                choice_list="needs", relevant="${kids} > 0"),
             _q("hard", "text", {"en": "What is hardest?", "he": "מה הכי קשה?", "am": "በጣም ከባዱ ምንድን ነው?"}),
         ]},
    ],
    "choice_lists": {
        "roles": [{"name": "parent", "label": {"en": "Parent", "he": "הורה", "am": "ወላጅ"}, "attributes": {}},
                  {"name": "youth", "label": {"en": "Young person", "he": "צעיר/ה", "am": "ወጣት"}, "attributes": {}}],
        "needs": [{"name": "care", "label": {"en": "Daycare", "he": "מעון", "am": "መዋዕለ ሕፃናት"}, "attributes": {}},
                  {"name": "transport", "label": {"en": "Transport", "he": "הסעה", "am": "መጓጓዣ"}, "attributes": {}}],
    },
}


@dataclass
class Field:
    campaign: Campaign
    survey: Survey
    version: SurveyVersion
    north: Geography
    south: Geography
    turf: Turf  # the canvasser's: doors n-1..n-3 in North, s-1 in South
    other_turf: Turf  # canvasser2's


def build_field(canvasser: User, canvasser2: User, *, doors: int = 3) -> Field:
    city = Geography(code="CITY", name="City", level="city", population=3000)
    north = Geography(code="N1", name="North", names={"he": "צפון"}, level="neighbourhood", parent=city,
                      population=2000, population_by_group={"language": {"he": 1200, "am": 800}})
    south = Geography(code="S1", name="South", names={"he": "דרום"}, level="neighbourhood", parent=city,
                      population=1000, population_by_group={"language": {"en": 1000}})
    campaign = Campaign(slug="doors", name="Door to door", languages=["en", "he", "am"], group_keys=["role"])
    survey = Survey(campaign=campaign, slug="door-survey", title=DEFINITION["title"], draft=DEFINITION, is_open=True)
    version = SurveyVersion(survey=survey, number=1, definition=DEFINITION)
    turf = Turf(campaign=campaign, name="North A", geography=north, canvasser=canvasser,
                doors=[{"id": f"n-{i}", "address": f"{i} North Street", "geography": "N1"} for i in range(1, doors + 1)]
                + [{"id": "s-1", "address": "1 South Road", "geography": "S1"}])
    other = Turf(campaign=campaign, name="South B", geography=south, canvasser=canvasser2,
                 doors=[{"id": "s-2", "address": "2 South Road", "geography": "S1"}])
    db.session.add_all([city, north, south, campaign, survey, version, turf, other])
    db.session.commit()
    return Field(campaign, survey, version, north, south, turf, other)


def response_payload(field: Field, *, key: str | None = None, door: str = "n-1", language: str = "he",
                     hard: str = "The bus", **answers) -> dict:
    values = {"consent": "yes", "area": "N1", "role": "parent", "kids": "2", "needs": ["care"], "hard": hard}
    values.update(answers)
    return {"uuid": key or str(uuid.uuid4()), "survey": field.survey.slug, "version": field.version.id,
            "turf": field.turf.id, "door": door, "language": language, "consent": True, "answers": values,
            "started_at": "2026-05-01T10:00:00Z", "submitted_at": "2026-05-01T10:05:00+03:00"}


def visit_payload(field: Field, *, key: str | None = None, door: str = "n-1", outcome: str = "not_home",
                  **extra) -> dict:
    return {"uuid": key or str(uuid.uuid4()), "turf": field.turf.id, "door": door, "outcome": outcome,
            "note": "", "recorded_at": "2026-05-01T09:00:00Z", **extra}
