"""A campaign with places and a published two-language survey with pages and skip logic."""
from __future__ import annotations

import copy

import pytest

from voice.extensions import db
from voice.models import Campaign, Geography
from voice.surveys import operations


def q(name, type_, en, he, **extra):
    return {"kind": "question", "name": name, "type": type_, "label": {"en": en, "he": he}, **extra}


DEFINITION = {
    "format": 1, "form_id": "family", "version": "1", "title": {"en": "Growing up here", "he": "לגדול כאן"},
    "default_language": "en", "languages": ["en", "he"],
    "items": [
        {"kind": "group", "name": "about", "label": {"en": "About you", "he": "עליך"}, "appearance": "field-list",
         "relevant": None, "children": [
             q("role", "select_one", "You are", "את/ה", choice_list="roles", role="group:role", required=True,
               required_message={"en": "Tell us who you are.", "he": "ספרו לנו מי אתם."}),
             q("area", "geography", "Where do you live?", "איפה את/ה גר/ה?", role="geography"),
             q("kids", "integer", "How many children?", "כמה ילדים?", constraint=". >= 0 and . <= 20",
               constraint_message={"en": "Between 0 and 20.", "he": "בין 0 ל-20."}),
         ]},
        {"kind": "group", "name": "care", "label": {"en": "Childcare", "he": "מסגרות"}, "appearance": "field-list",
         "relevant": "${kids} > 0", "children": [
             q("needs", "select_multiple", "What do you need?", "מה אתם צריכים?", choice_list="needs"),
             q("other_need", "text", "What else?", "מה עוד?", relevant="selected(${needs}, 'other')"),
         ]},
        q("hard", "text", "What is hardest?", "מה הכי קשה?"),
    ],
    "choice_lists": {
        "roles": [{"name": "parent", "label": {"en": "Parent", "he": "הורה"}, "attributes": {}},
                  {"name": "youth", "label": {"en": "Young person", "he": "צעיר/ה"}, "attributes": {}}],
        "needs": [{"name": "care", "label": {"en": "Daycare", "he": "מעון"}, "attributes": {}},
                  {"name": "transport", "label": {"en": "Transport", "he": "הסעה"}, "attributes": {}},
                  {"name": "other", "label": {"en": "Other", "he": "אחר"}, "attributes": {}}],
    },
}


def definition() -> dict:
    return copy.deepcopy(DEFINITION)


@pytest.fixture
def campaign(app):
    campaign = Campaign(slug="north", name="North listens", languages=["en", "he"], group_keys=["role"])
    db.session.add_all([campaign, Geography(code="N1", name="North", names={"he": "צפון"}, level="neighbourhood"),
                        Geography(code="S1", name="South", names={"he": "דרום"}, level="neighbourhood")])
    db.session.commit()
    return campaign


@pytest.fixture
def survey(campaign):
    survey = operations.create_survey(campaign, slug="growing-up", title={}, languages=["en", "he"], actor=None,
                                      definition=definition())
    operations.publish(survey, actor=None)
    return survey
