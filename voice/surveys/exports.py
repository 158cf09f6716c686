"""Responses for analysts: filtered queries, and CSV/XLSX tables with a column per question.

One row per response. Multi-selects become one 0/1 column per choice (``name/choice``);
single selects hold the choice's label in the chosen language (or its name when no language
is chosen); group keys keep their own columns (``group:role``). The header row always
carries the stable names; the XLSX has a second sheet naming each column in words.

Answers are stored encrypted; a file built here decrypts them, so each export is audited with
how many values it decrypted (``export_responses``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, time, timedelta
from typing import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from .. import spreadsheets
from ..crypto import counting_decryptions
from ..extensions import db
from ..models import AuditEvent, Geography, Response, Survey
from ..models.base import labels_in
from ..timezones import local_iso, to_utc
from ..intake.definition import SurveyDefinition, iter_questions

FIXED = ("uuid", "version", "received_at", "channel", "language", "geography", "consent")


@dataclass(frozen=True)
class Filters:
    language: str = ""
    channel: str = ""
    geography: str = ""  # a geography code
    since: date | None = None
    until: date | None = None


def responses_query(survey: Survey, filters: Filters) -> Select:
    query = select(Response).where(Response.survey_id == survey.id)
    if filters.language:
        query = query.where(Response.language == filters.language)
    if filters.channel:
        query = query.where(Response.channel == filters.channel)
    if filters.geography:
        query = query.join(Geography, Response.geography_id == Geography.id).where(
            Geography.code == filters.geography)
    zone = survey.campaign.time_zone  # the days people pick are the campaign's days
    if filters.since:
        query = query.where(Response.received_at >= to_utc(filters.since, time(), zone))
    if filters.until:
        query = query.where(Response.received_at < to_utc(filters.until + timedelta(days=1), time(), zone))
    return query.options(selectinload(Response.answers), selectinload(Response.geography),
                         selectinload(Response.version)).order_by(Response.received_at.desc(), Response.id.desc())


@dataclass(frozen=True)
class Column:
    key: str  # header: stable name
    title: str  # in words, in the chosen language
    question: str | None = None
    choice: str | None = None  # for a multi-select's 0/1 column
    group: str | None = None


class Table:
    """The columns of a survey's responses across all its versions, newest version first."""

    def __init__(self, survey: Survey, language: str = ""):
        self.language = language
        self.time_zone = survey.campaign.time_zone
        self.questions = {}
        self.choice_labels: dict[str, dict[str, str]] = {}
        for version in reversed(survey.versions or []):
            definition = SurveyDefinition.from_dict(version.definition)
            fallback = definition.default_language
            for question in iter_questions(definition):
                if question.type == "note" or question.name in self.questions:
                    continue
                self.questions[question.name] = (question, definition)
                labels = self.choice_labels.setdefault(question.name, {})
                for choice in definition.choice_lists.get(question.choice_list or "", []):
                    labels.setdefault(choice.name, labels_in(choice.label, language or fallback, fallback))
        ordered = self._ordered(survey)
        roles = [question.role.removeprefix("group:") for question, _d in self.questions.values()
                 if (question.role or "").startswith("group:")]
        group_keys = list(dict.fromkeys(["language"] + list(survey.campaign.group_keys or []) + roles))
        self.columns = [Column(key, key) for key in FIXED]
        self.columns += [Column(f"group:{key}", f"group:{key}", group=key) for key in group_keys]
        for name in ordered:
            question, definition = self.questions[name]
            title = labels_in(question.label, language or definition.default_language,
                              definition.default_language) or name
            if question.type == "select_multiple":
                for choice in definition.choice_lists.get(question.choice_list or "", []):
                    self.columns.append(Column(f"{name}/{choice.name}",
                                               f"{title}: {self.choice_labels[name][choice.name]}",
                                               question=name, choice=choice.name))
            else:
                self.columns.append(Column(name, title, question=name))

    def _ordered(self, survey: Survey) -> list[str]:
        names = []
        for version in reversed(survey.versions or []):
            names += [q.name for q in iter_questions(SurveyDefinition.from_dict(version.definition))
                      if q.type != "note" and q.name not in names]
        return names

    def row(self, response: Response) -> list[object]:
        answers = {answer.question: answer.value for answer in response.answers}
        cells: list[object] = [str(response.uuid), response.version.number if response.version else "",
                               local_iso(response.received_at, self.time_zone), response.channel,
                               response.language, response.geography.code if response.geography else "",
                               1 if response.consent else 0]
        for column in self.columns[len(FIXED):]:
            if column.group is not None:
                cells.append((response.groups or {}).get(column.group, ""))
                continue
            value = answers.get(column.question, "")
            question, _definition = self.questions[column.question]
            if column.choice is not None:
                cells.append(1 if column.choice in value.split() else 0)
            elif question.type == "select_one" and self.language:
                cells.append(self.choice_labels[column.question].get(value, value))
            elif question.type in ("integer", "decimal") and value:
                cells.append(_number(value))
            else:
                cells.append(value)
        return cells


def _number(value: str) -> object:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _rows(table: Table, responses) -> Iterator[list[object]]:
    yield [column.key for column in table.columns]
    for response in responses:
        yield table.row(response)


def to_csv(table: Table, responses) -> bytes:
    return spreadsheets.to_csv(_rows(table, responses))


def to_xlsx(table: Table, responses, *, sheet_title: str, columns_title: str) -> bytes:
    names = [[column.key, column.title] for column in table.columns]
    return spreadsheets.to_xlsx([(sheet_title, _rows(table, responses)), (columns_title, names)])


def export_responses(survey: Survey, filters: Filters, *, file_format: str, label_language: str, actor,
                     titles: tuple[str, str] = ("", "")) -> bytes:
    """The CSV or XLSX of the survey's responses, with an AuditEvent saying who decrypted how many
    values of which columns (stored with the export, in one commit)."""
    table = Table(survey, label_language)
    rows = db.session.scalars(responses_query(survey, filters))
    with counting_decryptions() as decrypted:
        content = to_csv(table, rows) if file_format == "csv" else to_xlsx(
            table, rows, sheet_title=titles[0], columns_title=titles[1])
    AuditEvent.record("responses.export", survey, actor=actor, format=file_format, campaign_id=survey.campaign_id,
                      filters={key: str(value) for key, value in asdict(filters).items() if value},
                      decrypted=dict(Counter(decrypted)))
    db.session.commit()
    return content
