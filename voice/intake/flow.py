"""The page flow every channel follows: which page comes next, what is relevant, what each
answer must be, checked on the server the way ODK checks it.

The online survey asks it page by page, the JSON intake and the canvass sync for a whole
submission at once. The browser and the tablet decide the same relevance live
(``static/js/flow.js`` with ``expressions.js``) only as a convenience: a hand-made request
cannot store what a person could not have answered. ``tests/voice/intake/data/flow_vectors.json``
holds the cases both must agree on.

Rules, as ODK applies them: a question whose relevance (or whose group's relevance) is
false is skipped and its answer dropped; a required question must be answered; a
constraint is checked only when there is an answer; notes take no answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Geography, Survey, SurveyVersion
from ..models.base import labels_in
from .definition import Page, Question, SurveyDefinition, pages
from .expressions import ExpressionError, evaluate_bool, parse, references
from .responses import UnknownQuestion

MAX_TEXT = 5000


@dataclass
class Form:
    """A published survey as the resident sees it: one version, one language."""

    survey: Survey
    version: SurveyVersion
    definition: SurveyDefinition
    pages: list[Page]

    @classmethod
    def of(cls, survey: Survey, version: SurveyVersion | None = None) -> Form:
        version = version or survey.current_version
        definition = SurveyDefinition.from_dict(version.definition)
        return cls(survey, version, definition, pages(definition))

    def questions(self) -> dict[str, Question]:
        return {q.name: q for page in self.pages for q in page.questions}

    @property
    def consent_question(self) -> Question | None:
        """A consent question in the survey itself replaces the app's consent screen."""
        return next((q for q in self.questions().values() if q.type == "consent"), None)

    def choice_list(self, question: Question) -> list:
        return self.definition.choice_lists.get(question.choice_list or "", [])


@dataclass
class Checked:
    answers: dict[str, Any]  # what is kept: relevant, parsed answers (lists for multi-selects)
    errors: dict[str, str] = field(default_factory=dict)  # question name -> translated message


def geography_codes(survey: Survey) -> list[Geography]:
    """The places a geography question offers: the campaign's scope's children, else every
    place that has no smaller places in it (neighbourhoods rather than their cities)."""
    scope = survey.campaign.geography_scope
    query = select(Geography).order_by(Geography.name)
    if scope is not None and scope.children:
        return list(db.session.scalars(query.where(Geography.parent_id == scope.id)))
    parents = select(Geography.parent_id).where(Geography.parent_id.is_not(None))
    return list(db.session.scalars(query.where(Geography.id.not_in(parents))))


def typed(question: Question, value: Any) -> Any:
    """The value expressions see: numbers for numeric questions, lists for multi-selects."""
    if value in (None, "", []):
        return [] if question.type == "select_multiple" else ""
    if question.type == "integer":
        return int(value)
    if question.type == "decimal":
        return float(value)
    return value


def evaluation_answers(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    questions = form.questions()
    return {name: typed(questions[name], value) for name, value in answers.items() if name in questions}


@lru_cache(maxsize=4096)
def _parsed(source: str):
    """Expressions are parsed once per process: a survey's few dozen are asked for again and again."""
    return parse(source)


def _true(source: str, answers: dict[str, Any], current: Any = None, choice: dict | None = None) -> bool:
    try:
        return evaluate_bool(_parsed(source), answers, current, choice=choice)
    except ExpressionError:
        return False  # validate_definition refused unreadable expressions at publication


def is_relevant(page: Page, question: Question, answers: dict[str, Any]) -> bool:
    return all(_true(condition, answers) for condition in page.relevant[question.name])


def page_is_relevant(form: Form, index: int, answers: dict[str, Any]) -> bool:
    page = form.pages[index]
    values = evaluation_answers(form, answers)
    return any(is_relevant(page, question, values) for question in page.questions)


def next_page(form: Form, index: int, answers: dict[str, Any], step: int = 1) -> int | None:
    """The next (or, with step -1, previous) page that has a question to show, or None."""
    index += step
    while 0 <= index < len(form.pages):
        if page_is_relevant(form, index, answers):
            return index
        index += step
    return None


def options(form: Form, question: Question, answers: dict[str, Any], language: str, *,
            filtered: bool = True) -> list[tuple[str, str]]:
    """(value, label) pairs a select or geography question offers, choice filter applied
    unless ``filtered`` is False (every choice)."""
    if question.type == "geography":
        return [(place.code, labels_in(place.names, language) or place.name)
                for place in geography_codes(form.survey)]
    choices = form.choice_list(question)
    if question.choice_filter and filtered:
        values = evaluation_answers(form, answers)
        filtered = [c for c in choices if _true(question.choice_filter, values,
                                                choice={"name": c.name, **c.attributes})]
        waiting = any(values.get(name) in ("", [], None) for name in references(_parsed(question.choice_filter)))
        choices = filtered if filtered or not waiting else choices
    return [(choice.name, labels_in(choice.label, language, form.definition.default_language) or choice.name)
            for choice in choices]


def page_entries(form: Form, page: Page, language: str, *, shown: dict[str, Any], earlier: dict[str, Any],
                 errors: dict[str, str] | None = None, every_choice: bool = False) -> list[dict[str, Any]]:
    """What ``macros/question.html`` needs to draw each question of a page: the online
    survey passes the resident's answers; the canvass bundle passes none and asks for
    ``every_choice`` (the tablet filters the choices as answers come, and fills them in)."""
    evaluation = evaluation_answers(form, {**earlier, **{k: v for k, v in shown.items() if v not in ("", [])}})
    entries = []
    for question in page.questions:
        entries.append({
            "question": question, "relevant": " and ".join(f"({c})" for c in page.relevant[question.name]),
            "shown": is_relevant(page, question, evaluation),
            "label": labels_in(question.label, language, form.definition.default_language),
            "hint": labels_in(question.hint, language, form.definition.default_language),
            "options": (options(form, question, {**earlier, **shown}, language, filtered=not every_choice)
                        if question.type in ("select_one", "select_multiple", "geography") else []),
            "value": shown.get(question.name, [] if question.type == "select_multiple" else ""),
            "error": (errors or {}).get(question.name),
        })
    return entries


def _parse(form: Form, question: Question, raw: Any, answers: dict[str, Any],
           language: str) -> tuple[Any, str | None]:
    """(value, None) or (None, translated error) for one submitted answer."""
    kind = question.type
    if kind == "select_multiple":
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else str(raw).split())
        allowed = {value for value, _label in options(form, question, answers, language)}
        if any(value not in allowed for value in values):
            return None, _("Choose among the options shown.")
        return [value for value, _label in options(form, question, answers, language) if value in values], None
    text = "" if raw is None else str(raw).strip()
    if not text:
        return "", None
    if kind in ("select_one", "geography"):
        if text not in {value for value, _label in options(form, question, answers, language)}:
            return None, _("Choose one of the options shown.")
        return text, None
    if kind == "integer":
        try:
            return str(int(text)), None
        except ValueError:
            return None, _("Enter a whole number, such as 3.")
    if kind == "decimal":
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None, _("Enter a number, such as 2.5.")
        if not number.is_finite():
            return None, _("Enter a number, such as 2.5.")
        return str(number), None
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, _("Enter a date as year-month-day, such as 2024-09-01.")
    if kind == "consent":  # stored as "yes" (ODK's acknowledge stores "OK": both are accepted)
        return ("yes", None) if text.lower() in ("ok", "yes", "on", "true", "1") else ("", None)
    if len(text) > MAX_TEXT:
        return None, _("Please keep your answer under %(count)d characters.", count=MAX_TEXT)
    return text, None


def check_questions(form: Form, questions: list[tuple[Page, Question]], submitted: dict[str, Any],
                    earlier: dict[str, Any], language: str) -> Checked:
    """Check ``submitted`` answers to ``questions`` in form order, given ``earlier`` ones."""
    answers = dict(earlier)
    checked = Checked({})
    for page, question in questions:
        answers.pop(question.name, None)
        if question.type == "note" or not is_relevant(page, question, evaluation_answers(form, answers)):
            continue
        value, error = _parse(form, question, submitted.get(question.name), answers, language)
        if error is None and value in ("", []) and question.required:
            error = (labels_in(question.required_message, language, form.definition.default_language)
                     or _("This question needs an answer."))
        if error is None and value not in ("", []) and question.constraint:
            current = typed(question, value)
            if not _true(question.constraint, evaluation_answers(form, {**answers, question.name: value}), current):
                error = (labels_in(question.constraint_message, language, form.definition.default_language)
                         or _("This answer is not accepted. Please check it."))
        if error is not None:
            checked.errors[question.name] = error
            continue
        if value not in ("", []):
            answers[question.name] = value
            checked.answers[question.name] = value
    return checked


def check_page(form: Form, index: int, submitted: dict[str, Any], earlier: dict[str, Any],
               language: str) -> Checked:
    page = form.pages[index]
    return check_questions(form, [(page, q) for q in page.questions], submitted, earlier, language)


def check_all(form: Form, submitted: dict[str, Any], language: str) -> Checked:
    """A whole submission at once (the JSON intake): every page in order."""
    unknown = sorted(set(submitted) - set(form.questions()))
    if unknown:
        raise UnknownQuestion(unknown)
    return check_questions(form, [(page, q) for page in form.pages for q in page.questions],
                           submitted, {}, language)


def prune(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers that later changes made irrelevant (ODK clears skipped questions)."""
    kept: dict[str, Any] = {}
    for page in form.pages:
        for question in page.questions:
            if question.name in answers and is_relevant(page, question, evaluation_answers(form, kept)):
                kept[question.name] = answers[question.name]
    return kept


def has_consent(form: Form, answers: dict[str, Any], consent: bool) -> bool:
    question = form.consent_question
    return consent if question is None else answers.get(question.name) == "yes"
