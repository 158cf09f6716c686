"""What tablets send: a visit at a door or a finished interview, checked and stored once.

Every record carries a UUID the tablet chose. It is stored once: a replay answers with the
stored record, the same UUID with other content is refused (and audited). The device's clock
is kept for the record but never used for ordering or dedupe; the server stamps ``received_at``.

Refusals raise ``voice.problems.Invalid``: every ``Problem`` keeps its English template and
params, and the web layer and the command line translate it where they show it.
"""
from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..fields import SLUG
from ..intake import flow
from ..intake.responses import ResponseConflict, UnknownQuestion, store_response
from ..models import DOOR_OUTCOMES, AuditEvent, Geography, Response, Survey, SurveyVersion, Turf, User, Visit
from ..models.base import as_utc, utcnow
from ..problems import Invalid, N_, Problem
from ..text import clean_text

MAX_NOTE = 2000
# Ids are integer columns (PostgreSQL's four bytes): a larger number names no row, and asking
# the database for it is an error, not an empty answer.
MAX_ID = 2**31 - 1
# Device clocks drift and tablets sync days later, but no record predates this app, and none
# comes from more than a day past the server's clock (time zones and drift stay well inside a
# day): anything else is a broken clock or a forged value, and a year past 9999, once stored,
# cannot be read back (every export of the survey failed).
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
CLOCK_SKEW = timedelta(days=1)
# A come-back time is planned ahead: a visit may be booked up to a year on.
PLANNED_AHEAD = timedelta(days=366)


class Conflict(Exception):
    """A record with this UUID is stored with other content, or by another canvasser (audited).

    ``record_id`` is the stored record's id, or None when the sender may not know it.
    """

    def __init__(self, kind: str, record_id: int | None):
        super().__init__(f"{kind} {record_id or ''} already stored with other content or by someone else")
        self.kind = kind
        self.record_id = record_id


def _refuse_if_not_theirs(kind: str, stored: Visit | Response, canvasser: User) -> None:
    """Another canvasser's UUID (a copied queue, a forged replay) is a conflict that names nothing
    of the stored record; audited, so that the supervisor sees who sent it."""
    if stored.canvasser_id != canvasser.id:
        AuditEvent.record(f"{kind}.replay_conflict", stored, actor=canvasser, uuid=str(stored.uuid),
                          sender_is_not_the_canvasser=True)
        db.session.commit()
        raise Conflict(kind, None)


@dataclass(frozen=True)
class Outcome:
    kind: str  # "visit" | "response"
    record_id: int
    uuid: uuid_module.UUID
    created: bool


def _refuse(code: str, template: str, status: int = 422, **params) -> Invalid:
    """A record refused for one reason: 422 for bad content, 403 for a turf that is not yours."""
    return Invalid([Problem(code, template, params)], status)


def _uuid(data: dict, key: str, problems: list[Problem], *, required: bool = True) -> uuid_module.UUID | None:
    raw = data.get(key)
    if raw in (None, "") and not required:
        return None
    try:
        return uuid_module.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        problems.append(Problem("not_uuid", N_("%(field)s must be a UUID."), {"field": key}, field=key))
        return None


def _moment(data: dict, key: str, problems: list[Problem], *, ahead: timedelta = CLOCK_SKEW) -> datetime | None:
    """A device's date and time, in UTC, within ``EARLIEST`` and ``ahead`` of the server's clock."""
    raw = data.get(key)
    if raw in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except (ValueError, TypeError, AttributeError, OverflowError):
        problems.append(Problem("not_moment", N_("%(field)s must be a date and time such as 2026-05-01T10:30:00Z."),
                                {"field": key}, field=key))
        return None
    latest = utcnow() + ahead
    if not EARLIEST <= moment <= latest:
        problems.append(Problem("implausible_moment", N_("%(field)s must be between %(earliest)s and %(latest)s."),
                                {"field": key, "earliest": EARLIEST.date().isoformat(),
                                 "latest": latest.date().isoformat()}, field=key))
        return None
    return moment


def row_id(value: Any) -> int | None:
    """A row id as the database can hold it (an integer column), or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
        return value
    return None


def _door(data: dict, problems: list[Problem], canvasser: User | None) -> tuple[Turf | None, dict | None]:
    """The turf and door a record names; refuses (403) a turf assigned to someone else."""
    turf_id, door_id = data.get("turf"), data.get("door")
    if not isinstance(turf_id, int) or isinstance(turf_id, bool):
        problems.append(Problem("not_number", N_("%(field)s must be a number."), {"field": "turf"}, field="turf"))
        return None, None
    if not isinstance(door_id, str) or not door_id:
        problems.append(Problem("not_text", N_("%(field)s must be text."), {"field": "door"}, field="door"))
        return None, None
    turf = db.session.get(Turf, turf_id) if row_id(turf_id) else None
    if turf is None:
        problems.append(Problem("unknown_turf", N_("There is no turf %(turf)s."), {"turf": str(turf_id)[:20]},
                                field="turf"))
        return None, None
    door = next((door for door in turf.doors if door["id"] == door_id), None)
    if door is None:
        problems.append(Problem("unknown_door", N_("The turf %(turf)s has no door %(door)s."),
                                {"turf": turf_id, "door": door_id[:80]}, field="door"))
        return turf, None
    if canvasser is not None and turf.canvasser_id != canvasser.id:
        raise _refuse("not_your_turf", N_("The turf %(turf)s is not assigned to you."), 403, turf=turf_id)
    return turf, door


@dataclass(frozen=True)
class VisitRecord:
    uuid: uuid_module.UUID
    turf: Turf
    door: dict
    outcome: str
    come_back_at: datetime | None
    note: str
    recorded_at: datetime | None


def check_visit(data: Any, canvasser: User | None) -> VisitRecord:
    """Parse and check a visit sent by a tablet (raises Invalid)."""
    if not isinstance(data, dict):
        raise _refuse("not_object", N_("The request must be a JSON object."))
    problems: list[Problem] = []
    key = _uuid(data, "uuid", problems)
    turf, door = _door(data, problems, canvasser)
    outcome = data.get("outcome")
    if outcome not in DOOR_OUTCOMES:
        problems.append(Problem("unknown_outcome", N_("%(field)s must be one of %(values)s."),
                                {"field": "outcome", "values": ", ".join(DOOR_OUTCOMES)}, field="outcome"))
    come_back_at = _moment(data, "come_back_at", problems, ahead=PLANNED_AHEAD)
    if outcome == "come_back" and come_back_at is None and not problems:
        problems.append(Problem("no_come_back_time", N_("A come-back visit needs the time to come back."),
                                field="come_back_at"))
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        problems.append(Problem("bad_note", N_("The note must be text of at most %(max)d characters."),
                                {"max": MAX_NOTE}, field="note"))
    recorded_at = _moment(data, "recorded_at", problems)
    if problems:
        raise Invalid(problems)
    return VisitRecord(key, turf, door, outcome, come_back_at if outcome == "come_back" else None,
                       clean_text(note).strip(), recorded_at)


def _same_visit(visit: Visit, record: VisitRecord) -> bool:
    return (visit.turf_id == record.turf.id and visit.door_id == record.door["id"] and visit.outcome == record.outcome
            and as_utc(visit.come_back_at) == record.come_back_at and visit.note == record.note)


def store_visit(record: VisitRecord, canvasser: User) -> Outcome:
    """Store a visit once; a replay answers with the stored one (insert that cannot race)."""
    existing = db.session.scalar(select(Visit).where(Visit.uuid == record.uuid))
    if existing is None:
        visit = Visit(uuid=record.uuid, turf_id=record.turf.id, door_id=record.door["id"], canvasser_id=canvasser.id,
                      outcome=record.outcome, come_back_at=record.come_back_at, note=record.note,
                      device_recorded_at=record.recorded_at)
        try:
            # A savepoint: if a concurrent request stored this UUID first, only this insert is undone.
            with db.session.begin_nested():
                db.session.add(visit)
                db.session.flush()
        except IntegrityError:
            existing = db.session.scalar(select(Visit).where(Visit.uuid == record.uuid))
            if existing is None:
                raise
        else:
            db.session.commit()
            return Outcome("visit", visit.id, visit.uuid, True)
    _refuse_if_not_theirs("visit", existing, canvasser)
    if not _same_visit(existing, record):
        AuditEvent.record("visit.replay_conflict", existing, actor=canvasser, uuid=str(existing.uuid))
        db.session.commit()
        raise Conflict("visit", existing.id)
    return Outcome("visit", existing.id, existing.uuid, False)


@dataclass(frozen=True)
class ResponseRecord:
    uuid: uuid_module.UUID
    form: flow.Form
    turf: Turf
    door: dict
    language: str
    answers: dict[str, Any]
    consent: bool
    visit_uuid: uuid_module.UUID | None
    started_at: datetime | None
    submitted_at: datetime | None


def check_response(data: Any, canvasser: User | None) -> ResponseRecord:
    """Parse and check a finished interview with the online survey's own rules (raises Invalid)."""
    if not isinstance(data, dict):
        raise _refuse("not_object", N_("The request must be a JSON object."))
    problems: list[Problem] = []
    key = _uuid(data, "uuid", problems)
    visit_uuid = _uuid(data, "visit", problems, required=False)
    started_at, submitted_at = _moment(data, "started_at", problems), _moment(data, "submitted_at", problems)
    turf, door = _door(data, problems, canvasser)
    slug, version_id = data.get("survey"), data.get("version")
    # Only a well-formed short name is looked up: PostgreSQL refuses a NUL in a query's text.
    survey = db.session.scalar(select(Survey).where(Survey.slug == slug)) if isinstance(slug, str) \
        and SLUG.match(slug) else None
    version = db.session.get(SurveyVersion, version_id) if row_id(version_id) else None
    if survey is None or version is None or version.survey_id != survey.id:
        problems.append(Problem("unknown_survey", N_("There is no survey %(survey)s with version %(version)s."),
                                {"survey": str(slug)[:80], "version": str(version_id)[:20]}, field="survey"))
    elif turf is not None and turf.campaign_id != survey.campaign_id:
        problems.append(Problem("survey_elsewhere", N_("The survey %(survey)s is not part of the turf's campaign."),
                                {"survey": slug}, field="survey"))
    answers = data.get("answers")
    if not isinstance(answers, dict) or not all(
            isinstance(value, (str, int, float, list)) and not isinstance(value, bool) for value in answers.values()):
        problems.append(Problem("not_answers", N_("%(field)s must be an object of question names and values."),
                                {"field": "answers"}, field="answers"))
    consent = data.get("consent", False)
    if not isinstance(consent, bool):
        problems.append(Problem("not_boolean", N_("%(field)s must be true or false."), {"field": "consent"},
                                field="consent"))
    if problems:
        raise Invalid(problems)
    form = flow.Form.of(survey, version)
    language = data.get("language")
    if language not in form.definition.languages:
        raise _refuse("unknown_language", N_("%(language)s is not one of this survey's languages."),
                      language=str(language)[:10])
    try:
        checked = flow.check_all(form, answers, language)
    except UnknownQuestion as exc:
        raise _refuse("unknown_questions", N_("These are not questions of this survey: %(names)s."),
                      names=", ".join(exc.names[:10]))
    if checked.errors:
        raise Invalid(Problem("bad_answer", N_("%(question)s: %(error)s"), {"question": name, "error": error},
                              field=name) for name, error in checked.errors.items())
    answers = flow.prune(form, checked.answers)
    if not flow.has_consent(form, answers, consent):
        raise _refuse("no_consent", N_("The resident did not consent: nothing is stored."))
    return ResponseRecord(key, form, turf, door, language, answers, True, visit_uuid, started_at, submitted_at)


def store_canvass_response(record: ResponseRecord, canvasser: User) -> Outcome:
    """Store the interview once; it inherits the door's geography."""
    existing = Response.by_uuid(record.form.survey.id, record.uuid)
    if existing is not None:
        _refuse_if_not_theirs("response", existing, canvasser)
    visit_id = None
    if record.visit_uuid is not None:
        visit_id = db.session.scalar(select(Visit.id).where(Visit.uuid == record.visit_uuid,
                                                            Visit.canvasser_id == canvasser.id))
    try:
        stored = store_response(record.form.version, uuid=record.uuid, channel="canvass", language=record.language,
                                answers=record.answers, consent=record.consent, canvasser=canvasser,
                                visit_id=visit_id, started_at=record.started_at,
                                device_submitted_at=record.submitted_at, commit=False)
    except ResponseConflict as exc:
        raise Conflict("response", exc.existing.id)
    if not stored.created:  # stored by a concurrent request since the look-up above
        _refuse_if_not_theirs("response", stored.response, canvasser)
    if stored.created:
        place = db.session.scalar(select(Geography.id).where(Geography.code == record.door.get("geography")))
        if place is not None:
            stored.response.geography_id = place
        db.session.commit()
    return Outcome("response", stored.response.id, stored.response.uuid, stored.created)
