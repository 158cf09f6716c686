"""Storing a resident's response once, whatever the channel, and turning open answers into
VoiceItems.

The client chooses the response's UUID. Sending the same submission again (a retry after a
dropped connection, a tablet's replayed queue) stores nothing new and returns the stored
response; the same UUID with different content is refused and audited.

Answers are a flat dict keyed by ``definition.answer_key``: a question's name, or for a
question inside a repeat its instance path and name ("members/2/age"); each becomes an
Answer row with that instance. A submission sent as JSON (the API, the tablet) gives a
repeat as a list of instance dicts under the repeat's name, nested repeats likewise:
``{"household_size": 2, "members": [{"name": "Ana", "visits": [{"why": "..."}]}, {...}]}``;
``flat_answers`` turns it into flat keys.
"""
from __future__ import annotations

import hashlib
import json
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Answer, AuditEvent, Geography, Response, SurveyVersion, User, VoiceItem
from ..text import clean_text
from .definition import (
    SurveyDefinition,
    answer_key,
    instance_fits,
    iter_questions,
    repeat_chains,
    repeat_names,
    split_key,
)


class ResponseConflict(Exception):
    """A response with this UUID exists with different content."""

    def __init__(self, existing: Response):
        super().__init__(f"response {existing.uuid} already stored with other content")
        self.existing = existing


class UnknownQuestion(ValueError):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


@dataclass(frozen=True)
class Stored:
    response: Response
    created: bool  # False for a replay of what was already stored


def _as_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = " ".join(str(part) for part in value)  # XLSForm's space-separated multi-select
    return "" if value is None else clean_text(str(value))


def flat_answers(defn: SurveyDefinition, submitted: dict[str, Any]) -> dict[str, Any]:
    """A JSON submission, repeats as lists of instance dicts, as flat keys ("members/1/name");
    each repeat's own key holds its number of instances. Raises UnknownQuestion for a name
    that is not a question (or repeat) at its place, or a repeat that is not a list of dicts."""
    chains, repeats = repeat_chains(defn), repeat_names(defn)
    flat: dict[str, Any] = {}
    unknown: list[str] = []

    def walk(answers: dict, instance: str, chain: tuple[str, ...]) -> None:
        for name, value in answers.items():
            key = answer_key(instance, str(name))
            if chains.get(name) != chain:
                unknown.append(key)
            elif name not in repeats:
                flat[key] = value
            elif not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
                unknown.append(key)
            else:
                flat[key] = len(value)
                for number, entry in enumerate(value, 1):
                    walk(entry, f"{key}/{number}", chain + (name,))

    walk(submitted, "", ())
    if unknown:
        raise UnknownQuestion(sorted(unknown))
    return flat


def content_hash(version_id: int, channel: str, language: str, consent: bool, answers: dict[str, str]) -> str:
    canonical = json.dumps({"version": version_id, "channel": channel, "language": language,
                            "consent": consent, "answers": answers}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def store_response(version: SurveyVersion, *, uuid: uuid_module.UUID, channel: str, language: str,
                   answers: dict[str, Any], consent: bool, canvasser: User | None = None,
                   visit_id: int | None = None, started_at: datetime | None = None,
                   device_submitted_at: datetime | None = None, commit: bool = True) -> Stored:
    """Store a response and its VoiceItems once; a replay returns the stored one.

    ``answers`` has flat keys (see the module docstring); a repeat's own key, its number of
    instances, is not stored: its instances' answers say it."""
    definition = SurveyDefinition.from_dict(version.definition)
    questions = {question.name: question for question in iter_questions(definition)}
    chains, repeats = repeat_chains(definition), repeat_names(definition)
    answers = {key: value for key, value in answers.items() if split_key(key)[1] not in repeats}
    unknown = sorted(key for key in answers
                     if split_key(key)[1] not in questions or not instance_fits(*_instance_and_chain(key, chains)))
    if unknown:
        raise UnknownQuestion(unknown)
    texts = {key: _as_text(value) for key, value in answers.items()}
    # Keyed by flat key, so a survey without repeats hashes as it always did.
    values = {key: text for key, text in texts.items() if text.strip()}
    digest = content_hash(version.id, channel, language, consent, values)

    existing = Response.by_uuid(version.survey_id, uuid)
    if existing is not None:
        return _replay(existing, digest)

    geography_id, groups = _geography_and_groups(questions, values, language)
    response = Response(uuid=uuid, survey_id=version.survey_id, survey_version_id=version.id, channel=channel,
                        language=language, geography_id=geography_id, groups=groups, consent=consent,
                        canvasser_id=canvasser.id if canvasser else None, visit_id=visit_id,
                        content_hash=digest, started_at=started_at, device_submitted_at=device_submitted_at)
    response.answers = [Answer(question=split_key(key)[1], instance=split_key(key)[0], value=value)
                        for key, value in values.items()]
    try:
        # A savepoint: when a concurrent request stored the same UUID first, only this
        # insert is undone and the stored response is answered instead.
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:
        existing = Response.by_uuid(version.survey_id, uuid)
        if existing is None:
            raise
        return _replay(existing, digest)

    campaign_id = version.survey.campaign_id
    for answer in response.answers:
        if questions[answer.question].type == "text":
            db.session.add(VoiceItem.for_answer(answer, response, campaign_id=campaign_id))
    if commit:
        db.session.commit()
    return Stored(response, created=True)


def _instance_and_chain(key: str, chains: dict[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
    instance, name = split_key(key)
    return instance, chains[name]


def _replay(existing: Response, digest: str) -> Stored:
    if existing.content_hash != digest:
        AuditEvent.record("response.replay_conflict", existing, actor=None, uuid=str(existing.uuid))
        db.session.commit()
        raise ResponseConflict(existing)
    return Stored(existing, created=False)


def _geography_and_groups(questions, values: dict[str, str], language: str) -> tuple[int | None, dict[str, str]]:
    groups = {"language": language}
    geography_id = None
    for key, value in values.items():
        instance, name = split_key(key)
        role = "" if instance else questions[name].role or ""  # a role is asked once, not per instance
        if role == "geography":
            geography_id = db.session.scalar(select(Geography.id).where(Geography.code == value))
        elif role.startswith("group:"):
            groups[role.removeprefix("group:")] = value
    return geography_id, groups
