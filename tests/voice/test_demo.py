"""`voice demo`: a deterministic, clearly labelled demo in an empty database."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from voice.canvass.coverage import campaign_coverage
from voice.demo.loader import DEMO_PASSWORD, DemoRefused, load_demo
from voice.extensions import db
from voice.models import (ROLES, Answer, Campaign, Comment, Geography, IndicatorValue, ListeningSession, Response,
                          Survey, User, VoiceItem)
from voice.intake.definition import SurveyDefinition, missing_translations, validate_definition

from ..helpers import sign_in


def _fingerprint() -> str:
    rows = db.session.execute(select(Response.uuid, Answer.question, Answer.value).join(Answer)
                              .order_by(Response.uuid, Answer.question)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_fills_an_empty_database(app, runner):
    result = runner.invoke(args=["demo", "--url", "http://127.0.0.1:8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/auth/sign-in" in result.output
    # Each account is printed with the language it opens in.
    accounts = {line.split()[1]: line for line in result.output.splitlines() if "@demo.example.org" in line}
    assert DEMO_PASSWORD in accounts["admin@demo.example.org"] and "English" in accounts["admin@demo.example.org"]
    assert "Hebrew" in accounts["analyst@demo.example.org"] and "Amharic" in accounts["canvasser@demo.example.org"]
    campaign = Campaign.by_slug("demo")
    assert campaign.is_demo and "(demo)" in campaign.name
    assert {user.role for user in db.session.scalars(select(User))} == set(ROLES)
    assert db.session.scalar(select(func.count(Response.id))) >= 300
    assert db.session.scalar(select(func.count(ListeningSession.id))) == 6
    comment_languages = set(db.session.scalars(select(Comment.language).distinct()))
    assert len(comment_languages) >= 4
    assert len(set(db.session.scalars(select(Response.language).distinct()))) == 7
    cities = db.session.scalars(select(Geography).where(Geography.level == "city")).all()
    assert len(cities) == 2 and all(city.population for city in cities)
    assert all(n.population and n.geometry for n in Geography.at_level("neighbourhood"))
    periods = set(db.session.scalars(select(IndicatorValue.period).distinct()))
    assert periods == {"2023", "2024", "2025"}
    assert db.session.scalar(select(func.count(VoiceItem.id))) > 400
    survey = db.session.scalar(select(Survey).where(Survey.slug == "growing-up"))
    definition = SurveyDefinition.from_dict(survey.current_version.definition)
    assert validate_definition(definition) == [] and missing_translations(definition) == []


def test_demo_is_deterministic(app):
    load_demo()
    assert len(_fingerprint()) == 64
    first = _fingerprint()
    # A second load on the same database changes nothing and says so.
    assert load_demo().created is False
    assert _fingerprint() == first


def test_demo_refuses_a_database_with_other_data(app, runner, users):
    with pytest.raises(DemoRefused):
        load_demo()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "already has campaigns or users" in result.output
    assert Campaign.by_slug("demo") is None


def test_demo_accounts_can_sign_in(app, client):
    load_demo()
    assert sign_in(client, "committee@demo.example.org", DEMO_PASSWORD).status_code == 302
    assert "Olga Committee" in client.get("/").get_data(as_text=True)


def test_demo_coverage_shows_under_heard_groups(app, client):
    """Door to door's 'done when': the coverage page points canvassers at the voices missing."""
    load_demo()
    report = campaign_coverage(Campaign.by_slug("demo"))
    assert report.under_heard  # some place x language is heard less than its share of the population
    assert sign_in(client, "analyst@demo.example.org", DEMO_PASSWORD).status_code == 302
    html = client.get("/canvass/coverage?campaign=demo").get_data(as_text=True)
    for place, row in report.under_heard:  # the list of gaps, and the full table's row marked
        assert f'<tr data-place="{place.geography.code}" data-language="{row.language}">' in html
        assert (f'<tr data-place="{place.geography.code}" data-language="{row.language}" class="is-under-heard">'
                in html)
