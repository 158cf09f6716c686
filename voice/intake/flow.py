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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Geography, Survey, SurveyVersion
from ..models.base import labels_in
from .definition import Page, Question, SurveyDefinition
from .expressions import ExpressionError, evaluate, evaluate_bool, parse, references, to_string
from .responses import UnknownQuestion
from .versions import parsed

MAX_TEXT = 5000
# ODK's (XML Schema's) spellings: ASCII digits, an optional sign, no exponent; "," may stand
# for the decimal point. A date is year-month-day and must exist.
WHOLE = re.compile(r"[-+]?[0-9]+")
NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A time of day on a 24-hour clock (what <input type=time> sends), seconds optional.
CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
CONSENTED = ("ok", "yes", "on", "true", "1")  # ODK's acknowledge stores "OK"; we store "yes"

# Why an answer is refused, by code: the server translates these, the tablet's bundle
# carries them per language (canvass.bundle.resident_messages) and flow.js gives the code.
MESSAGES = {
    "required": _l("This question needs an answer."),
    "not_accepted": _l("This answer is not accepted. Please check it."),
    "whole_number": _l("Enter a whole number, such as 3."),
    "number": _l("Enter a number, such as 2.5."),
    "date": _l("Enter a date as year-month-day, such as 2024-09-01."),
    "time": _l("Enter a time as hours:minutes, such as 14:30."),
    "datetime": _l("Enter a date and a time, such as 2024-09-01 14:30."),
    "geopoint": _l("Enter a position as latitude and longitude, such as 31.7767 35.2345."),
    "range": _l("Choose a number within the range shown."),
    "too_long": _l("Please keep your answer under %(count)d characters.", count=MAX_TEXT),
    "choose_option": _l("Choose one of the options shown."),
    "choose_options": _l("Choose among the options shown."),
}


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
        definition, laid_out = parsed(version)
        return cls(survey, version, definition, laid_out)

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
    codes: dict[str, str] = field(default_factory=dict)  # question name -> a key of MESSAGES


def geography_codes(survey: Survey) -> list[Geography]:
    """The places a geography question offers: the campaign's scope's children, else every
    place that has no smaller places in it (neighbourhoods rather than their cities)."""
    scope = survey.campaign.geography_scope
    query = select(Geography).order_by(Geography.name)
    if scope is not None and scope.children:
        return list(db.session.scalars(query.where(Geography.parent_id == scope.id)))
    parents = select(Geography.parent_id).where(Geography.parent_id.is_not(None))
    return list(db.session.scalars(query.where(Geography.id.not_in(parents))))


def _text(value: Any) -> str:
    """A submitted value as text; a JSON number keeps its digits (no exponent)."""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return "" if value is None else str(value).strip()


def typed(question: Question, value: Any) -> Any:
    """The value expressions see: numbers for numeric questions, lists for multi-selects.
    Numeric text that does not read as a number (mid-typing) stays text."""
    if value in (None, "", []):
        return [] if question.type == "select_multiple" else ""
    if question.type in ("integer", "decimal", "range"):
        text = _text(value).replace(",", ".")
        if question.type == "integer" and WHOLE.fullmatch(text):
            return int(text)
        return float(text) if NUMBER.fullmatch(text) else value
    return value


def evaluation_answers(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """The values expressions read: the answers, typed, and what each calculation gives on them."""
    questions = form.questions()
    values = {name: typed(questions[name], value) for name, value in answers.items() if name in questions}
    if any(question.type == "calculate" for question in questions.values()):
        for question, relevant, value in _walk(form, answers):
            if question.type == "calculate":
                values[question.name] = value if relevant else ""
    return values


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


def calculated(question: Question, values: dict[str, Any]) -> str:
    """What a calculate question stores, as text (JavaScript's spelling of numbers, as flow.js)."""
    try:
        result = to_string(evaluate(_parsed(question.calculation or ""), values))
    except ExpressionError:
        return ""  # validate_definition refused unreadable expressions at publication
    return result if isinstance(result, str) else str(result)


def _walk(form: Form, answers: dict[str, Any]) -> Iterator[tuple[Question, bool, Any]]:
    """Every question in form order with its relevance and the answer that stands, decided on
    the answers that stand before it: ODK clears a skipped question, so its stale answer
    decides nothing. A calculation's answer is what it gives on them."""
    kept: dict[str, Any] = {}
    for page in form.pages:
        for question in page.questions:
            relevant = is_relevant(page, question, kept)
            value = answers.get(question.name)
            if question.type == "calculate":
                value = calculated(question, kept) if relevant else ""
            yield question, relevant, value
            if relevant and value not in (None, "", []):
                kept[question.name] = typed(question, value)


def relevant_questions(form: Form, answers: dict[str, Any]) -> set[str]:
    """The questions to show: relevant ones, but calculations, which nobody answers."""
    return {question.name for question, relevant, _value in _walk(form, answers)
            if relevant and question.type != "calculate"}


def page_is_relevant(form: Form, index: int, answers: dict[str, Any]) -> bool:
    shown = relevant_questions(form, answers)
    return any(question.name in shown for question in form.pages[index].questions)


def next_page(form: Form, index: int, answers: dict[str, Any], step: int = 1) -> int | None:
    """The next (or, with step -1, previous) page that has a question to show, or None."""
    shown = relevant_questions(form, answers)
    index += step
    while 0 <= index < len(form.pages):
        if any(question.name in shown for question in form.pages[index].questions):
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
    relevant = relevant_questions(form, {**earlier, **shown})
    standing = prune(form, {**earlier, **shown})
    entries = []
    for question in page.questions:
        if question.type == "calculate":
            continue  # nothing to draw: the server works it out
        label = labels_in(question.label, language, form.definition.default_language)
        hint = labels_in(question.hint, language, form.definition.default_language)
        entries.append({
            "question": question, "relevant": " and ".join(f"({c})" for c in page.relevant[question.name]),
            "shown": question.name in relevant,
            "label": label, "hint": hint,
            "label_parts": with_answers(label, standing), "hint_parts": with_answers(hint, standing),
            "options": (options(form, question, {**earlier, **shown}, language, filtered=not every_choice)
                        if question.type in ("select_one", "select_multiple", "geography") else []),
            "value": shown.get(question.name, [] if question.type == "select_multiple" else ""),
            "error": (errors or {}).get(question.name),
        })
    return entries


REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9._-]*)\}")


def with_answers(text: str, answers: dict[str, Any]) -> list[tuple[str, str | None]]:
    """A label or hint cut into (text, None) and (answer, question name) parts: ODK shows the
    answer where a text says ``${name}`` (the value, as stored; a multi-select's space-separated)."""
    parts: list[tuple[str, str | None]] = []
    position = 0
    for match in REFERENCE.finditer(text or ""):
        if match.start() > position:
            parts.append((text[position:match.start()], None))
        value = answers.get(match.group(1), "")
        parts.append((" ".join(value) if isinstance(value, list) else str(value), match.group(1)))
        position = match.end()
    if position < len(text or ""):
        parts.append((text[position:], None))
    return parts


def _parse(question: Question, text: str) -> tuple[Any, str | None]:
    """(stored value, None) or (None, a key of MESSAGES) for one non-empty answer that is
    not a choice: the spelling ``static/js/flow.js`` (parse) stores too."""
    kind = question.type
    if kind == "integer":
        return (str(int(text)), None) if WHOLE.fullmatch(text) else (None, "whole_number")
    if kind == "decimal":
        text = text.replace(",", ".")
        return (format(Decimal(text), "f"), None) if NUMBER.fullmatch(text) else (None, "number")
    if kind == "date":
        return (text, None) if _real_day(text) else (None, "date")
    if kind == "time":
        return (text, None) if CLOCK.fullmatch(text) else (None, "time")
    if kind == "datetime":  # stored with a T, whether typed with a T or a space
        day, _sep, clock = text.replace(" ", "T", 1).partition("T")
        return (f"{day}T{clock}", None) if _real_day(day) and CLOCK.fullmatch(clock) else (None, "datetime")
    if kind == "range":
        number = text.replace(",", ".")
        return (format(Decimal(number), "f"), None) if NUMBER.fullmatch(number) and _on_scale(
            question, Decimal(number)) else (None, "range")
    if kind == "geopoint":
        return (" ".join(text.split()), None) if _position(text.split()) else (None, "geopoint")
    if kind == "consent":  # anything but agreement is no answer
        return ("yes", None) if text.lower() in CONSENTED else ("", None)
    if len(text) > MAX_TEXT:
        return None, "too_long"
    return text, None


def _on_scale(question: Question, number: Decimal) -> bool:
    """Between the range's start and end (either may be the larger), on one of its steps."""
    start, end, step = (Decimal(question.parameters[key]) for key in ("start", "end", "step"))
    return min(start, end) <= number <= max(start, end) and (number - start) % step == 0


def _position(numbers: list[str]) -> bool:
    """Latitude and longitude, then optionally altitude and accuracy (metres, not negative)."""
    if not 2 <= len(numbers) <= 4 or not all(NUMBER.fullmatch(n) for n in numbers):
        return False
    values = [float(n) for n in numbers]
    return -90 <= values[0] <= 90 and -180 <= values[1] <= 180 and (len(values) < 4 or values[3] >= 0)


def _real_day(text: str) -> bool:
    try:
        return bool(DAY.fullmatch(text)) and date.fromisoformat(text).year > 0
    except ValueError:
        return False


def _answer(form: Form, question: Question, raw: Any, answers: dict[str, Any],
            language: str) -> tuple[Any, str | None]:
    """(value, None) or (None, code) for one submitted answer, given the answers before it."""
    if question.type == "select_multiple":
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else str(raw).split())
        allowed = [value for value, _label in options(form, question, answers, language)]
        if any(value not in allowed for value in values):
            return None, "choose_options"
        return [value for value in allowed if value in values], None
    text = _text(raw)
    if not text:
        return "", None
    if question.type in ("select_one", "geography"):
        allowed = {value for value, _label in options(form, question, answers, language)}
        return (text, None) if text in allowed else (None, "choose_option")
    return _parse(question, text)


def _problem(form: Form, question: Question, value: Any, answers: dict[str, Any]) -> str | None:
    """Required, then the constraint (only with an answer), as ODK checks them."""
    if value in ("", []):
        return "required" if question.required else None
    if question.constraint and not _true(question.constraint, evaluation_answers(
            form, {**answers, question.name: value}), typed(question, value)):
        return "not_accepted"
    return None


def _message(form: Form, question: Question, code: str, language: str) -> str:
    """What the resident is told: the survey's own message where it gives one."""
    own = {"required": question.required_message, "not_accepted": question.constraint_message}.get(code)
    return labels_in(own or {}, language, form.definition.default_language) or str(MESSAGES[code])


def check_questions(form: Form, questions: list[tuple[Page, Question]], submitted: dict[str, Any],
                    earlier: dict[str, Any], language: str) -> Checked:
    """Check ``submitted`` answers to ``questions`` in form order, given ``earlier`` ones."""
    answers = dict(earlier)
    checked = Checked({})
    for page, question in questions:
        answers.pop(question.name, None)
        values = evaluation_answers(form, answers)
        if question.type == "note" or not is_relevant(page, question, values):
            continue
        if question.type == "calculate":  # never taken from the sender: worked out here
            value, code = calculated(question, values), None
        elif question.read_only:  # shown, never changed: the sender cannot change it either
            value, code = initial(question), None
        else:
            value, code = _answer(form, question, submitted.get(question.name), answers, language)
        code = code or _problem(form, question, value, answers)
        if code is not None:
            checked.codes[question.name] = code
            checked.errors[question.name] = _message(form, question, code, language)
            continue
        if value not in ("", []):
            answers[question.name] = value
            checked.answers[question.name] = value
    return checked


def initial(question: Question) -> Any:
    """The answer a question starts with: its default (a multi-select's as a list), else none."""
    if question.default is None or question.type in ("note", "calculate"):
        return [] if question.type == "select_multiple" else ""
    return question.default.split() if question.type == "select_multiple" else question.default


def initial_answers(form: Form) -> dict[str, Any]:
    """What an interview starts with: every default, as ODK fills them in when a form opens."""
    starting = {question.name: initial(question) for question in form.questions().values()}
    return {name: value for name, value in starting.items() if value not in ("", [])}


def standing_before(form: Form, index: int, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers that stand on the pages before page ``index``: all its relevance reads."""
    before = {q.name for page in form.pages[:index] for q in page.questions}
    return {name: value for name, value in prune(form, answers).items() if name in before}


def check_page(form: Form, index: int, submitted: dict[str, Any], earlier: dict[str, Any],
               language: str) -> Checked:
    """One page, given the answers that stand before it (as check_all sees them)."""
    page = form.pages[index]
    return check_questions(form, [(page, q) for q in page.questions], submitted,
                           standing_before(form, index, earlier), language)


def check_all(form: Form, submitted: dict[str, Any], language: str) -> Checked:
    """A whole submission at once (the JSON intake): every page in order."""
    unknown = sorted(set(submitted) - set(form.questions()))
    if unknown:
        raise UnknownQuestion(unknown)
    return check_questions(form, [(page, q) for page in form.pages for q in page.questions],
                           submitted, {}, language)


def prune(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers that later changes made irrelevant (ODK clears skipped questions)."""
    return {question.name: value for question, relevant, value in _walk(form, answers)
            if relevant and value not in (None, "", [])}


def page_outline(form: Form) -> list[dict[str, Any]]:
    """The pages as ``static/js/flow.js`` reads them (the canvass bundle carries them)."""
    return [{"name": page.name, "label": page.label, "questions": [q.name for q in page.questions],
             "relevant": {name: list(conditions) for name, conditions in page.relevant.items()}}
            for page in form.pages]


def has_consent(form: Form, answers: dict[str, Any], consent: bool) -> bool:
    question = form.consent_question
    return consent if question is None else answers.get(question.name) == "yes"
