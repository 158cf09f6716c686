"""Responses for analysts: filtered queries, and CSV/XLSX tables with a column per question.

One row per response. Multi-selects become one 0/1 column per choice (``name/choice``);
single selects hold the choice's label in the chosen language (or its name when no language
is chosen); group keys keep their own columns (``group:role``). The header row always
carries the stable names; the XLSX has a second sheet naming each column in words.

A survey with repeats is exported as KoboToolbox does: the responses' rows gain an
``_index`` (1, 2, ...), and each repeat has its own table (an XLSX sheet, a CSV file in a
zip) with one row per instance: its own ``_index``, the ``_parent_index`` of the row it
belongs to in ``_parent_table`` (the responses, or the repeat around it), the response's
uuid, and a column per question asked in that repeat.

Answers are stored encrypted; a file built here decrypts them, so each export is audited with
how many values it decrypted (``export_responses``).
"""
from __future__ import annotations

import io
import re
import zipfile
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
from ..intake.definition import Group, SurveyDefinition, iter_items, iter_questions, repeats_around

MAIN_TABLE = "responses"  # what a top-level repeat's _parent_table names
INSTANCE_COLUMNS = ("_index", "_parent_index", "_parent_table", "uuid")

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
        # Question or repeat name -> the innermost repeat around it ("" for none), newest version first.
        self.repeat_of: dict[str, str] = {}
        for version in reversed(survey.versions or []):
            definition = SurveyDefinition.from_dict(version.definition)
            for parents, item in iter_items(definition.items):
                around = repeats_around(parents)
                self.repeat_of.setdefault(item.name, around[-1].name if around else "")
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
        self.columns += self._question_columns([name for name in ordered if not self.repeat_of[name]])
        # Repeat name -> its table's columns, repeats in form order.
        self.repeat_columns = {
            repeat: [Column(key, key) for key in INSTANCE_COLUMNS]
            + self._question_columns([name for name in ordered if self.repeat_of[name] == repeat])
            for repeat in self._repeats(survey)}

    def _question_columns(self, names: list[str]) -> list[Column]:
        columns = []
        for name in names:
            question, definition = self.questions[name]
            title = labels_in(question.label, self.language or definition.default_language,
                              definition.default_language) or name
            if question.type == "select_multiple":
                for choice in definition.choice_lists.get(question.choice_list or "", []):
                    columns.append(Column(f"{name}/{choice.name}",
                                          f"{title}: {self.choice_labels[name][choice.name]}",
                                          question=name, choice=choice.name))
            else:
                columns.append(Column(name, title, question=name))
        return columns

    def _repeats(self, survey: Survey) -> list[str]:
        names: list[str] = []
        for version in reversed(survey.versions or []):
            names += [item.name for _, item in iter_items(SurveyDefinition.from_dict(version.definition).items)
                      if isinstance(item, Group) and item.repeat and item.name not in names]
        return names

    def _ordered(self, survey: Survey) -> list[str]:
        names = []
        for version in reversed(survey.versions or []):
            names += [q.name for q in iter_questions(SurveyDefinition.from_dict(version.definition))
                      if q.type != "note" and q.name not in names]
        return names

    def row(self, response: Response) -> list[object]:
        """The response's row: its answers outside repeats (an export adds the ``_index``)."""
        answers = {answer.question: answer.value for answer in response.answers if not answer.instance}
        cells: list[object] = [str(response.uuid), response.version.number if response.version else "",
                               local_iso(response.received_at, self.time_zone), response.channel,
                               response.language, response.geography.code if response.geography else "",
                               1 if response.consent else 0]
        for column in self.columns[len(FIXED):]:
            if column.group is not None:
                cells.append((response.groups or {}).get(column.group, ""))
                continue
            cells.append(self.cell(column, answers))
        return cells

    def cell(self, column: Column, answers: dict[str, str]) -> object:
        """One answer as its column shows it."""
        value = answers.get(column.question, "")
        question, _definition = self.questions[column.question]
        if column.choice is not None:
            return 1 if column.choice in value.split() else 0
        if question.type == "select_one" and self.language:
            return self.choice_labels[column.question].get(value, value)
        if question.type in ("integer", "decimal") and value:
            return _number(value)
        return value

    def instance_row(self, repeat: str, response: Response, answers: dict[str, str],
                     index: int, parent: tuple[str, int]) -> list[object]:
        """One instance's row in its repeat's table; ``parent`` is (table, _index) of its parent's row."""
        return [index, parent[1], parent[0], str(response.uuid)] + [
            self.cell(column, answers) for column in self.repeat_columns[repeat][len(INSTANCE_COLUMNS):]]


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


def _instance_path(instance: str) -> tuple:
    """An instance path in form order: members/2 before members/10, a member before its visits."""
    parts = instance.split("/")
    return tuple((name, int(number)) for name, number in zip(parts[0::2], parts[1::2]))


def _tables(table: Table, responses) -> tuple[list[list[object]], dict[str, list[list[object]]]]:
    """The responses' rows, each with its _index, and each repeat's rows joined to them."""
    main = [[column.key for column in table.columns] + ["_index"]]
    repeats = {repeat: [[column.key for column in columns]] for repeat, columns in table.repeat_columns.items()}
    for number, response in enumerate(responses, 1):
        main.append(table.row(response) + [number])
        by_instance: dict[str, dict[str, str]] = {}
        for answer in response.answers:
            if answer.instance:
                by_instance.setdefault(answer.instance, {})[answer.question] = answer.value
        indexes = {"": (MAIN_TABLE, number)}  # instance path -> (its table, its row's _index)

        def place(instance: str) -> tuple[str, int]:
            """The instance's row, after its parent's (an instance may hold nothing but a nested one)."""
            if instance not in indexes:
                parent = place(instance.rsplit("/", 2)[0] if instance.count("/") > 1 else "")
                repeat = instance.split("/")[-2]
                if repeat not in repeats:  # a repeat of a version no longer known: left out
                    return parent
                rows = repeats[repeat]
                rows.append(table.instance_row(repeat, response, by_instance.get(instance, {}), len(rows), parent))
                indexes[instance] = (repeat, len(rows) - 1)
            return indexes[instance]

        for instance in sorted(by_instance, key=_instance_path):
            place(instance)
    return main, repeats


def _safe_name(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", name)


def to_csv(table: Table, responses) -> bytes:
    """One CSV; a survey with repeats gets a zip of them (see ``to_csv_zip``)."""
    return spreadsheets.to_csv(_rows(table, responses))


def to_csv_zip(table: Table, responses, *, main_name: str) -> bytes:
    """The responses as ``<main_name>.csv`` and each repeat as ``<repeat>.csv``, in one zip."""
    main, repeats = _tables(table, responses)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{_safe_name(main_name)}.csv", spreadsheets.to_csv(main))
        for repeat, rows in repeats.items():
            archive.writestr(f"{_safe_name(repeat)}.csv", spreadsheets.to_csv(rows))
    return output.getvalue()


def to_xlsx(table: Table, responses, *, sheet_title: str, columns_title: str) -> bytes:
    """The responses, a sheet per repeat (named after it), then the columns named in words."""
    names = [[column.key, column.title] for column in table.columns]
    if not table.repeat_columns:
        return spreadsheets.to_xlsx([(sheet_title, _rows(table, responses)), (columns_title, names)])
    main, repeats = _tables(table, responses)
    names += [[f"{repeat}:{column.key}", column.title] for repeat, columns in table.repeat_columns.items()
              for column in columns[len(INSTANCE_COLUMNS):]]
    return spreadsheets.to_xlsx([(sheet_title, main), *repeats.items(), (columns_title, names)])


@dataclass(frozen=True)
class ResponsesFile:
    content: bytes
    zipped: bool  # the CSVs of a survey with repeats: one per table, in a zip


def export_responses(survey: Survey, filters: Filters, *, file_format: str, label_language: str, actor,
                     titles: tuple[str, str] = ("", "")) -> ResponsesFile:
    """The CSV (a zip of CSVs for a survey with repeats) or XLSX of the survey's responses, with
    an AuditEvent saying who decrypted how many values of which columns (stored with the export,
    in one commit)."""
    table = Table(survey, label_language)
    rows = db.session.scalars(responses_query(survey, filters))
    zipped = file_format == "csv" and bool(table.repeat_columns)
    with counting_decryptions() as decrypted:
        if file_format == "xlsx":
            content = to_xlsx(table, rows, sheet_title=titles[0], columns_title=titles[1])
        elif zipped:
            content = to_csv_zip(table, rows, main_name=f"{survey.slug}-responses")
        else:
            content = to_csv(table, rows)
    AuditEvent.record("responses.export", survey, actor=actor, format=file_format, campaign_id=survey.campaign_id,
                      filters={key: str(value) for key, value in asdict(filters).items() if value},
                      decrypted=dict(Counter(decrypted)))
    db.session.commit()
    return ResponsesFile(content, zipped)
