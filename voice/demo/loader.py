"""``voice demo``: a clearly labelled, deterministic demo campaign in an empty database.

Everything comes from a seeded random generator, so two runs give the same database: two
cities, seven neighbourhoods, a seven-language survey with a few hundred responses, six
listening sessions, three indicators over three years, a turf per canvasser, and a user for
each role.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from ..accounts import create_user
from ..extensions import db
from ..models import (ALL_GROUPS, Answer, AuditEvent, Campaign, Comment, Geography, Indicator, IndicatorValue,
                      ListeningSession, Response, Survey, SurveyVersion, Turf, User, VoiceItem)
from ..nlp_adapter import import_codebook
from ..intake.definition import SurveyDefinition, validate_definition
from ..intake.responses import store_response
from . import content, places

DEMO_CAMPAIGN = "demo"
DEMO_SURVEY = "growing-up"
SEED = 2026
RESPONSES = 420
LANGUAGES = ["en", "es", "he", "ar", "ru", "am", "fr"]
DEMO_USERS = [  # role, e-mail, name, UI language
    ("admin", "admin@demo.example.org", "Avi Admin", "en"),
    ("analyst", "analyst@demo.example.org", "Noa Analyst", "he"),
    ("facilitator", "facilitator@demo.example.org", "Samira Facilitator", "ar"),
    ("canvasser", "canvasser@demo.example.org", "Dawit Canvasser", "am"),
    ("canvasser", "canvasser2@demo.example.org", "Lucía Canvasser", "es"),
    ("committee", "committee@demo.example.org", "Olga Committee", "ru"),
]
# Demo-only passwords, printed by `voice demo`; never use the demo on a public server.
DEMO_PASSWORD = "demo-voice-2026"


class DemoRefused(Exception):
    """The database already holds other data: the demo only fills an empty one."""


@dataclass
class DemoSummary:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    users: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, e-mail, password, language


def demo_users() -> list[tuple[str, str, str, str]]:
    return [(role, email, DEMO_PASSWORD, locale) for role, email, _name, locale in DEMO_USERS]


def load_demo() -> DemoSummary:
    if Campaign.by_slug(DEMO_CAMPAIGN) is not None:
        return DemoSummary(created=False, counts=_counts(), users=demo_users())
    if db.session.scalar(select(func.count(Campaign.id))) or db.session.scalar(select(func.count(User.id))):
        raise DemoRefused("the database already has campaigns or users")
    rng = random.Random(SEED)
    users = {email: create_user(email=email, password=DEMO_PASSWORD, display_name=name, role=role, locale=locale)
             for role, email, name, locale in DEMO_USERS}
    import_codebook()
    neighbourhoods = _places()
    campaign = Campaign(slug=DEMO_CAMPAIGN, name="Growing up in Eastbrook and Riverside (demo)",
                        description="Demo data: fictional places and residents, for trying Community Voice.",
                        languages=LANGUAGES, group_keys=["role", "age_band", "language"],
                        starts_on=datetime(2025, 9, 1).date(), ends_on=datetime(2026, 6, 30).date(), is_demo=True)
    db.session.add(campaign)
    db.session.flush()
    version = _survey(campaign, users["analyst@demo.example.org"])
    canvassers = [user for user in users.values() if user.role == "canvasser"]
    _responses(rng, version, neighbourhoods, canvassers)
    _sessions(campaign, neighbourhoods, users["facilitator@demo.example.org"])
    _indicators(rng, neighbourhoods)
    _turfs(rng, campaign, neighbourhoods, canvassers)
    AuditEvent.record("demo.load", campaign, actor=None)
    db.session.commit()
    return DemoSummary(created=True, counts=_counts(), users=demo_users())


def _counts() -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(model)) or 0 for name, model in (
        ("responses", Response.__table__), ("voice items", VoiceItem.__table__),
        ("listening sessions", ListeningSession.__table__), ("comments", Comment.__table__),
        ("indicator values", IndicatorValue.__table__), ("geographies", Geography.__table__))}


def _square(column: int, row: int, size: float = 0.02) -> dict:
    """A block of the fictional map: neighbourhoods are squares on a small grid."""
    west, south = 34.80 + column * size, 32.00 + row * size
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _places() -> list[Geography]:
    cities = {}
    for city in places.CITIES:
        cities[city["code"]] = Geography(code=city["code"], name=city["name"], names=city["names"], level="city")
        db.session.add(cities[city["code"]])
    neighbourhoods = []
    for index, spec in enumerate(places.NEIGHBOURHOODS):
        by_language = {code: round(spec["population"] * share) for code, share in spec["languages"].items()}
        by_role = {role: round(spec["population"] * share) for role, share in places.ROLE_SHARES.items()}
        geography = Geography(code=spec["code"], name=spec["name"], names=spec["names"], level="neighbourhood",
                              parent=cities[spec["city"]], population=spec["population"],
                              population_by_group={"language": by_language, "role": by_role},
                              geometry=_square(index % 4, index // 4))
        db.session.add(geography)
        neighbourhoods.append(geography)
    for city in cities.values():
        city.population = sum(n.population for n in neighbourhoods if n.parent is city)
    db.session.flush()
    return neighbourhoods


def _texts(entry: dict) -> dict[str, str]:
    return {language: text for language, text in entry.items() if language in LANGUAGES}


def _question(name: str, type_: str, **extra) -> dict:
    spec = content.SURVEY["questions"][name]
    return {"kind": "question", "name": name, "type": type_, "label": _texts(spec["label"]),
            "hint": _texts(spec.get("hint", {})), **extra}


def _survey_definition() -> dict:
    choices = {list_name: [{"name": name, "label": _texts(labels), "attributes": {}}
                           for name, labels in entries.items()]
               for list_name, entries in content.SURVEY["choices"].items()}
    required = {"required": True}
    items = [
        _question("consent", "consent", **required),
        {"kind": "group", "name": "about", "label": _texts(content.SURVEY["pages"]["about"]),
         "appearance": "field-list", "relevant": "${consent} = 'yes'", "children": [
             _question("area", "geography", role="geography", **required),
             _question("role", "select_one", choice_list="roles", role="group:role", **required),
             _question("age_band", "select_one", choice_list="age_bands", role="group:age_band"),
         ]},
        {"kind": "group", "name": "family", "label": _texts(content.SURVEY["pages"]["family"]),
         "appearance": "field-list", "relevant": "${consent} = 'yes' and ${role} = 'parent'", "children": [
             _question("children_under_6", "integer", constraint=". >= 0 and . <= 15",
                       constraint_message=_texts(content.SURVEY_CONSTRAINT_MESSAGES["children_under_6"])),
             _question("uses_care", "select_one", choice_list="yes_no_na", relevant="${children_under_6} > 0"),
         ]},
        {"kind": "group", "name": "voice", "label": _texts(content.SURVEY["pages"]["voice"]),
         "appearance": "field-list", "relevant": "${consent} = 'yes'", "children": [
             _question("hard", "text"),
             _question("change", "text"),
         ]},
    ]
    definition = {"format": 1, "form_id": DEMO_SURVEY, "version": "1", "title": _texts(content.SURVEY["title"]),
                  "default_language": "en", "languages": LANGUAGES, "items": items, "choice_lists": choices}
    problems = validate_definition(SurveyDefinition.from_dict(definition))
    if problems:  # the demo's own survey must be valid: fail loudly while developing it
        raise ValueError("demo survey is invalid: " + "; ".join(problem.message for problem in problems))
    return definition


def _survey(campaign: Campaign, analyst: User) -> SurveyVersion:
    definition = _survey_definition()
    survey = Survey(campaign=campaign, slug=DEMO_SURVEY, title=definition["title"], draft=definition, is_open=True)
    version = SurveyVersion(survey=survey, number=1, definition=definition, published_by_id=analyst.id)
    db.session.add_all([survey, version])
    db.session.flush()
    return version


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _codes_for(rng: random.Random, neighbourhood_code: str, language: str) -> list[str]:
    emphasis = next(spec["emphasis"] for spec in places.NEIGHBOURHOODS if spec["code"] == neighbourhood_code)
    weights = {code: emphasis.get(code, 1) for code, by_language in content.SENTENCES.items()
               if by_language.get(language)}
    first = _weighted(rng, weights)
    if rng.random() < 0.35:
        weights.pop(first)
        return [first, _weighted(rng, weights)]
    return [first]


def _responses(rng: random.Random, version: SurveyVersion, neighbourhoods: list[Geography], canvassers) -> None:
    by_code = {spec["code"]: spec for spec in places.NEIGHBOURHOODS}
    population = {n.code: n.population for n in neighbourhoods}
    start = datetime(2025, 9, 1, 9, tzinfo=timezone.utc)
    for index in range(RESPONSES):
        area = _weighted(rng, population)
        language = _weighted(rng, by_code[area]["languages"])
        role = _weighted(rng, places.ROLE_SHARES)
        answers = {"consent": "yes", "area": area, "role": role,
                   "age_band": "under_18" if role == "youth" and rng.random() < 0.6 else _weighted(rng, places.AGE_BANDS)}
        if role == "parent":
            answers["children_under_6"] = rng.choice([1, 1, 1, 2, 2, 3])
            answers["uses_care"] = rng.choice(["yes", "yes", "no"])
        if rng.random() < 0.9:
            answers["hard"] = " ".join(rng.choice(content.SENTENCES[code][language])
                                       for code in _codes_for(rng, area, language))
        wishes = content.CHANGE_WISHES.get(language)
        if wishes and rng.random() < 0.7:
            answers["change"] = rng.choice(wishes)
        canvass = rng.random() < 0.45
        stored = store_response(version, uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                                channel="canvass" if canvass else "online", language=language, answers=answers,
                                consent=True, canvasser=rng.choice(canvassers) if canvass else None, commit=False)
        # Spread over the campaign's ten months, so that trends have something to show.
        stored.response.received_at = start + timedelta(minutes=index * 1030 + rng.randint(0, 600))
    db.session.flush()
    received = (select(Response.received_at).join(Answer, Answer.response_id == Response.id)
                .where(Answer.id == VoiceItem.source_id).scalar_subquery())
    db.session.execute(update(VoiceItem).where(VoiceItem.source == "answer").values(created_at=received))


def _sessions(campaign: Campaign, neighbourhoods: list[Geography], facilitator: User) -> None:
    by_name = {n.name: n for n in neighbourhoods}
    held = datetime(2025, 10, 7, 18, tzinfo=timezone.utc)
    for index, spec in enumerate(content.SESSIONS):
        session = ListeningSession(
            campaign=campaign, kind=spec["kind"], title=spec["title"], held_at=held + timedelta(days=23 * index),
            place=spec.get("title_local", ""), geography=by_name.get(spec["neighbourhood"]),
            languages=spec["languages"], facilitator=facilitator, partner_organisation=spec["partner_organisation"],
            attendance=spec["attendance"], tallies=spec["tallies"], priorities=spec["priorities"])
        session.comments = [Comment(position=position, text=comment["text"], language=comment["language"],
                                    speaker_role=comment.get("speaker_role"))
                            for position, comment in enumerate(spec["comments"])]
        db.session.add(session)
        db.session.flush()
        for comment in session.comments:
            item = VoiceItem.for_comment(comment, session)
            item.created_at = session.held_at
            db.session.add(item)


def _indicators(rng: random.Random, neighbourhoods: list[Geography]) -> None:
    for spec in places.INDICATORS:
        indicator = Indicator(code=spec["code"], name=spec["name"], unit=spec["unit"], direction=spec["direction"],
                              linked_codes=spec["linked_codes"], source="Demo data (fictional)")
        db.session.add(indicator)
        for geography in neighbourhoods:
            for year, period in enumerate(places.PERIODS):
                base = spec["baseline"][geography.code] + spec["trend"] * year
                cohort = max(30, round(geography.population * spec["cohort"]))
                rows = [(ALL_GROUPS, ALL_GROUPS, base, cohort)]
                for language, count in geography.population_by_group["language"].items():
                    group_cohort = max(3, round(count * spec["cohort"]))
                    rows.append(("language", language, base + spec["language_gap"][language], group_cohort))
                for group_key, group_value, value, denominator in rows:
                    value = min(99.0, max(1.0, value + rng.uniform(-2.5, 2.5)))
                    numerator = round(denominator * value / 100)
                    db.session.add(IndicatorValue(
                        indicator=indicator, geography_id=geography.id, period=period, group_key=group_key,
                        group_value=group_value, value=round(100 * numerator / denominator, 1),
                        numerator=numerator, denominator=denominator, source="Demo data (fictional)"))


def _turfs(rng: random.Random, campaign: Campaign, neighbourhoods: list[Geography], canvassers) -> None:
    streets = {"EB-SB": ["Herzl Street", "Hagefen Street"], "EB-OM": ["Market Street", "Olive Lane"],
               "RS-LP": ["Palm Avenue", "Cedar Street"], "RS-MD": ["Mill Road", "Canal Street"]}
    for canvasser, codes in zip(canvassers, (["EB-SB", "EB-OM"], ["RS-LP", "RS-MD"])):
        for code in codes:
            geography = next(n for n in neighbourhoods if n.code == code)
            doors = [{"id": f"{code}-{street[:3].upper()}-{number}", "address": f"{number} {street}",
                      "geography": code}
                     for street in streets[code] for number in range(1, 31, 2)]
            db.session.add(Turf(campaign=campaign, name=f"{geography.name} ({canvasser.display_name.split()[0]})",
                                geography=geography, canvasser=canvasser, doors=doors))
