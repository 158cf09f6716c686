"""No internal key in what a committee member reads: channels, speaker roles, group keys and
values and codebook keys are named in the reader's language on every committee page."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from voice.extensions import db
from voice.models import CHANNELS, SESSION_KINDS, Action, Code, Survey, SurveyVersion, Tag

from .conftest import session_comment

LOCALES = ("en", "es", "he", "ar", "ru", "am", "fr")
ROLE_CHOICES = {"parent": {"en": "A parent or carer", "he": "הורה"},
                "resident": {"en": "Someone living here", "he": "תושב או תושבת"}}


class VisibleText(HTMLParser):
    """The text a person reads: text nodes (SVG titles included) and the labels of option groups."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "optgroup":
            self.parts.append(dict(attrs).get("label") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_texts(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    return [" ".join(part.split()) for part in parser.parts if part.strip()]


def leaked_keys(texts: list[str], keys: set[str]) -> set[str]:
    """Keys shown raw. A key that is an identifier (a dot or underscore in it: barrier.cost,
    house_party, 18_29) is found as a whole word anywhere; a key that is also a word (parent,
    online, role) when a text is that word alone or begins "key:" (an option "parent", a
    group "role: parent"), so that "A parent or carer" is not taken for a leak."""
    found = set()
    for key in keys:
        if re.search(r"[._]", key):
            word = re.compile(rf"(?<![\w.]){re.escape(key)}(?![\w.])")
            found |= {key for text in texts if word.search(text)}
        else:
            found |= {key for text in texts if text == key or text.startswith(f"{key}:")}
    return found


@pytest.fixture
def labelled_town(town):
    """The town with a published question asking each resident's role (``group:role``), a
    parent session whose comment raises a code, and an action naming codes, an indicator and a place."""
    campaign = town["campaign"]
    definition = {"format": 1, "form_id": "town", "title": {"en": "Town"}, "version": "2",
                  "default_language": "en", "languages": ["en", "he"],
                  "items": [{"kind": "question", "name": "who", "type": "select_one", "choice_list": "roles",
                             "role": "group:role", "label": {"en": "Which describes you?", "he": "מי את או אתה?"}}],
                  "choice_lists": {"roles": [{"name": name, "label": label} for name, label in ROLE_CHOICES.items()]}}
    survey = Survey(campaign=campaign, slug="labelled", title={"en": "Labelled"}, draft=definition, is_open=True)
    db.session.add_all([survey, SurveyVersion(survey=survey, number=1, definition=definition)])
    session_comment(campaign, "parent", "Parents", town["north"], "redacted parent comment",
                    Tag(code_id=town["cost"].id, source="rule"))
    db.session.add(Action(campaign_id=campaign.id, we_heard="Costs", we_will="Look into them", status="planned",
                          code_keys=["barrier.cost", "barrier.capacity"], indicator_codes=["kr"],
                          geography_codes=["T-N"]))
    db.session.commit()
    return town


def internal_keys(campaign) -> set[str]:
    codes = {code.key for code in db.session.query(Code)}
    return codes | set(CHANNELS) | set(SESSION_KINDS) | set(ROLE_CHOICES) | set(campaign.group_keys) - {"language"}


@pytest.mark.parametrize("locale", LOCALES)
def test_committee_pages_name_no_internal_key(client, signed_in, labelled_town, locale):
    signed_in("committee")
    keys = internal_keys(labelled_town["campaign"])
    for address in ("/review/town?period=all", "/review/town?period=2026&channel=parent&group=role=parent",
                    "/review/town/indicators?period=2026&indicator=kr", "/review/town/actions",
                    "/review/town/report?period=2026&channel=canvass&group=role=resident"):
        response = client.get(f"{address}&lang={locale}" if "?" in address else f"{address}?lang={locale}")
        assert response.status_code == 200, address
        texts = visible_texts(response.get_data(as_text=True))
        found = leaked_keys(texts, keys)
        assert not found, f"{address} in {locale} shows {sorted(found)}: {[t for t in texts if leaked_keys([t], found)][:5]}"


def test_channels_and_groups_read_as_words_in_their_sections(client, signed_in, labelled_town):
    signed_in("committee")
    page = client.get("/review/town?period=all&lang=en").get_data(as_text=True)
    assert '<optgroup label="Surveys">' in page and '<optgroup label="Listening sessions">' in page
    surveys, sessions = page.split('<optgroup label="Surveys">')[1].split('<optgroup label="Listening sessions">')
    assert "Online survey" in surveys and "Parent session" not in surveys
    assert "Parent session" in sessions.split("</optgroup>")[0] and "Community forum" in sessions
    assert '<optgroup label="Which describes you?">' in page and ">A parent or carer</option>" in page
    hebrew = client.get("/review/town?period=all&lang=he").get_data(as_text=True)
    assert '<optgroup label="מי את או אתה?">' in hebrew and ">הורה</option>" in hebrew


def test_leak_check_finds_a_raw_key():
    """The check above can fail: raw keys are found, words and longer keys are not."""
    texts = visible_texts('<select><option value="parent">parent</option><optgroup label="role: x"></optgroup>'
                          '</select><p>A parent or carer · barrier.cost_extra · 18_29</p>')
    assert leaked_keys(texts, {"parent", "role", "barrier.cost", "18_29"}) == {"parent", "role", "18_29"}
