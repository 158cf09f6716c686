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

Repeats: answers are flat, keyed by ``definition.answer_key`` ("members/2/age"); a repeat's
own key holds its number of instances. A repeat with a ``repeat_count`` has as many as it
gives; one without has as many as its key says (the resident adds and removes them), else
as many as the answers name, else one. Each question of a repeat is asked once per
instance (a "slot"), its relevance, constraint and calculation evaluated on that instance's
answers (``_context``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Geography, Survey, SurveyVersion
from ..models.base import labels_in
from .definition import (
    Group,
    Page,
    Question,
    SurveyDefinition,
    answer_key,
    iter_items,
    pages,
    repeats_around,
    split_key,
)
from .expressions import (
    POSITION,
    ExpressionError,
    NodeSet,
    evaluate,
    evaluate_bool,
    every_instance,
    parse,
    references,
    to_number,
    to_string,
)
from .responses import flat_answers

MAX_TEXT = 5000
# ODK's (XML Schema's) spellings: ASCII digits, an optional sign, no exponent; "," may stand
# for the decimal point. A date is year-month-day and must exist.
WHOLE = re.compile(r"[-+]?[0-9]+")
NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A time of day on a 24-hour clock (what <input type=time> sends), seconds optional.
CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
CONSENTED = ("ok", "yes", "on", "true", "1")  # ODK's acknowledge stores "OK"; we store "yes"
MAX_INSTANCES = 100  # a repeat asks at most this many times, whatever its count says

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
    "rank": _l("Give every option its own place in the order: 1 for the first, 2 for the next, and so on."),
}


@dataclass
class Form:
    """A published survey as the resident sees it: one version, one language."""

    survey: Survey
    version: SurveyVersion
    definition: SurveyDefinition
    pages: list[Page]
    # Each question's and repeat's name -> the repeats around it, outermost first.
    repeats: dict[str, tuple[Group, ...]] = field(init=False)
    page_of: dict[str, int] = field(init=False)  # question or repeat name -> its page's index
    repeat_groups: dict[str, Group] = field(init=False)
    has_repeats: bool = field(init=False)
    # A repeat's name -> the conditions of the groups around it and its own, outermost first.
    repeat_relevant: dict[str, tuple[str, ...]] = field(init=False)

    def __post_init__(self):
        items = list(iter_items(self.definition.items))
        self.repeats = {item.name: repeats_around(parents) for parents, item in items}
        self.repeat_groups = {item.name: item for _, item in items if isinstance(item, Group) and item.repeat}
        self.has_repeats = bool(self.repeat_groups)
        self.repeat_relevant = {item.name: tuple(g.relevant for g in parents + (item,) if g.relevant)
                                for parents, item in items if item.name in self.repeat_groups}
        self.page_of = {}
        for index, page in enumerate(self.pages):
            for question in page.questions:
                self.page_of[question.name] = index
                self.page_of.update((repeat.name, index) for repeat in self.repeats[question.name])

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


def evaluation_answers(form: Form, answers: dict[str, Any], instance: str = "") -> dict[str, Any]:
    """The values expressions read in ``instance`` ("" outside repeats): the answers, typed,
    what each calculation gives on them, and each repeat's instances."""
    questions = form.questions()
    names = {key: split_key(key)[1] for key in answers} if form.has_repeats else {key: key for key in answers}
    values = {key: typed(questions[names[key]], value) for key, value in answers.items() if names[key] in questions}
    if form.has_repeats or any(question.type == "calculate" for question in questions.values()):
        kept: dict[str, Any] = {}
        for slot in _walk(form, answers, kept):
            if slot.question.type == "calculate":
                values[slot.key] = slot.value if slot.relevant else ""
        values.update((key, value) for key, value in kept.items() if isinstance(value, NodeSet))
    return _context(form, values, instance)


def _context(form: Form, values: dict[str, Any], instance: str) -> dict[str, Any]:
    """Flat values as the expressions of ``instance`` read them: by name, a question of this
    instance (or of one around it) as its answer there, one of a repeat elsewhere as the
    NodeSet of its answers in every instance, and ``..`` as the instance's position."""
    if not form.has_repeats:
        return values
    parts = instance.split("/") if instance else []
    here = tuple(parts[0::2])
    around = {"/".join(parts[:end]) for end in range(0, len(parts) + 1, 2)}
    named: dict[str, Any] = {}
    nodes: dict[str, list] = {}
    siblings: dict[str, list[tuple[int, Any]]] = {}  # for indexed-repeat(): (instance number, answer)
    for key, value in values.items():
        at, name = split_key(key)
        chain = tuple(repeat.name for repeat in form.repeats.get(name, ()))
        if chain == here[:len(chain)]:
            if at in around:
                named[name] = value
        else:
            nodes.setdefault(name, []).extend(value if isinstance(value, NodeSet) else [value])
        if at and (at.rsplit("/", 2)[0] if at.count("/") > 1 else "") in around:  # an instance of a repeat here
            siblings.setdefault(name, []).append((int(at.rsplit("/", 1)[1]), value))
    named.update((name, NodeSet(found)) for name, found in nodes.items())
    named.update((every_instance(name), NodeSet(value for _n, value in sorted(found, key=lambda pair: pair[0])))
                 for name, found in siblings.items())
    if instance:
        named[POSITION] = int(parts[-1])
    return named


@lru_cache(maxsize=4096)
def _parsed(source: str):
    """Expressions are parsed once per process: a survey's few dozen are asked for again and again."""
    return parse(source)


def _true(source: str, answers: dict[str, Any], current: Any = None, choice: dict | None = None,
          data: dict[str, list[dict[str, str]]] | None = None) -> bool:
    try:
        return evaluate_bool(_parsed(source), answers, current, choice=choice, data=data)
    except ExpressionError:
        return False  # validate_definition refused unreadable expressions at publication


def is_relevant(page: Page, question: Question, answers: dict[str, Any],
                data: dict[str, list[dict[str, str]]] | None = None) -> bool:
    """Do the conditions on the question hold (``data``: the survey's pulldata() tables)?"""
    return all(_true(condition, answers, data=data) for condition in page.relevant[question.name])


def calculated(question: Question, values: dict[str, Any], data: dict[str, list[dict[str, str]]] | None = None
               ) -> str:
    """What a calculate question stores, as text (JavaScript's spelling of numbers, as flow.js);
    ``data`` are the survey's tables that ``pulldata()`` reads."""
    try:
        result = to_string(evaluate(_parsed(question.calculation or ""), values, data=data))
    except ExpressionError:
        return ""  # validate_definition refused unreadable expressions at publication
    return result if isinstance(result, str) else str(result)


class Slot(NamedTuple):
    """One question asked once: outside repeats, or in one instance of its repeat(s)."""

    page: int
    key: str  # its answer's key (answer_key)
    question: Question
    instance: str
    relevant: bool
    value: Any  # the answer that stands (a calculation's: what it gives)


def _walk(form: Form, answers: dict[str, Any], kept: dict[str, Any] | None = None) -> Iterator[Slot]:
    """Every slot in form order with its relevance and the answer that stands, decided on
    the answers that stand before it: ODK clears a skipped question, so its stale answer
    decides nothing. A calculation's answer is what it gives on them. ``kept`` collects the
    typed answers and each repeat's instances (a NodeSet under its key)."""
    kept = {} if kept is None else kept
    data = form.definition.data_files
    for index, page in enumerate(form.pages):
        # Without repeats a slot is a question (the common case, kept as quick as it was).
        slots = (_slots(form, page.questions, 0, "", answers, kept) if form.has_repeats
                 else ((question.name, question, "") for question in page.questions))
        for key, question, instance in slots:
            values = _context(form, kept, instance) if instance or form.has_repeats else kept
            relevant = is_relevant(page, question, values, data)
            value = answers.get(key)
            if question.type == "calculate":
                value = calculated(question, values, data) if relevant else ""
            yield Slot(index, key, question, instance, relevant, value)
            if relevant and value not in (None, "", []):
                kept[key] = typed(question, value)


def _slots(form: Form, questions: tuple[Question, ...], depth: int, instance: str, answers: dict[str, Any],
           kept: dict[str, Any]) -> Iterator[tuple[str, Question, str]]:
    """(key, question, instance) of ``questions`` in ``instance``, a repeat's run of them once
    per instance of it (``depth`` repeats are already entered)."""
    index = 0
    while index < len(questions):
        repeats = form.repeats[questions[index].name]
        if len(repeats) == depth:
            yield answer_key(instance, questions[index].name), questions[index], instance
            index += 1
            continue
        repeat, end = repeats[depth], index
        while end < len(questions) and len(form.repeats[questions[end].name]) > depth \
                and form.repeats[questions[end].name][depth] is repeat:
            end += 1
        count = instance_count(form, repeat, instance, answers, kept)
        kept[answer_key(instance, repeat.name)] = NodeSet(("",) * count)
        for number in range(1, count + 1):
            yield from _slots(form, questions[index:end], depth + 1, f"{answer_key(instance, repeat.name)}/{number}",
                              answers, kept)
        index = end


def instance_count(form: Form, repeat: Group, instance: str, answers: dict[str, Any], kept: dict[str, Any]) -> int:
    """How many instances of ``repeat`` ``instance`` holds (see the module docstring)."""
    key = answer_key(instance, repeat.name)
    if repeat.repeat_count:
        try:
            number = to_number(evaluate(_parsed(repeat.repeat_count), _context(form, kept, instance)))
        except ExpressionError:
            number = 0.0  # validate_definition refused unreadable expressions at publication
        return 0 if number != number else max(0, min(MAX_INSTANCES, int(number)))
    given = _text(answers.get(key))
    if WHOLE.fullmatch(given):
        return max(0, min(MAX_INSTANCES, int(given)))
    numbers = [int(rest.split("/")[0]) for name in answers if name.startswith(key + "/")
               and (rest := name[len(key) + 1:]).split("/")[0].isdigit()]
    return min(MAX_INSTANCES, max(numbers, default=1))


def relevant_questions(form: Form, answers: dict[str, Any]) -> set[str]:
    """The keys of the slots to show: relevant ones, but calculations, which nobody answers."""
    return {slot.key for slot in _walk(form, answers) if slot.relevant and slot.question.type != "calculate"}


def shown_keys(form: Form, answers: dict[str, Any]) -> list[list[str]]:
    """The keys each page shows, in order (a repeat's, once per instance), then the count
    key of each relevant repeat the resident adds to: its page shows, if only to add one."""
    shown: list[list[str]] = [[] for _page in form.pages]
    kept: dict[str, Any] = {}
    for slot in _walk(form, answers, kept):
        if slot.relevant and slot.question.type != "calculate":
            shown[slot.page].append(slot.key)
    for key, value in kept.items():
        instance, name = split_key(key)
        if isinstance(value, NodeSet) and _addable(form, name) and all(
                _true(condition, _context(form, kept, instance)) for condition in form.repeat_relevant[name]):
            shown[form.page_of[name]].append(key)
    return shown


def page_slots(form: Form, index: int, answers: dict[str, Any]) -> list[Slot]:
    """Every slot of page ``index``, relevant or not, for the instances ``answers`` give."""
    return [slot for slot in _walk(form, answers) if slot.page == index]


def off_page(form: Form, index: int, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers that are not page ``index``'s own (a repeat's count belongs to its page)."""
    return {key: value for key, value in answers.items() if form.page_of.get(split_key(key)[1]) != index}


def page_is_relevant(form: Form, index: int, answers: dict[str, Any]) -> bool:
    return bool(shown_keys(form, answers)[index])


def next_page(form: Form, index: int, answers: dict[str, Any], step: int = 1) -> int | None:
    """The next (or, with step -1, previous) page that has a question to show, or None."""
    shown = shown_keys(form, answers)
    index += step
    while 0 <= index < len(form.pages):
        if shown[index]:
            return index
        index += step
    return None


def pages_to_come(form: Form, index: int, answers: dict[str, Any]) -> list[int]:
    """The pages a resident on page ``index`` sees or may still see: the relevant ones, and
    those after it whose relevance reads an answer not given yet (on this page or later).
    Counting only the relevant ones would make "Page 1 of 1" of a consent page that opens
    the rest of the survey, and the count would then grow as the resident goes on."""
    shown = relevant_questions(form, answers)
    open_names = {q.name for page in form.pages[index:] for q in page.questions}
    result = []
    for number, page in enumerate(form.pages):
        if any(q.name in shown for q in page.questions):
            result.append(number)
        elif number > index and any(references(_parsed(condition)) & open_names
                                    for conditions in page.relevant.values() for condition in conditions):
            result.append(number)
    return result


def options(form: Form, question: Question, answers: dict[str, Any], language: str, *,
            filtered: bool = True, instance: str = "") -> list[tuple[str, str]]:
    """(value, label) pairs a select or geography question offers, choice filter applied
    unless ``filtered`` is False (every choice)."""
    if question.type == "geography":
        return [(place.code, place.name_in(language))
                for place in geography_codes(form.survey)]
    choices = form.choice_list(question)
    if question.choice_filter and filtered:
        values = evaluation_answers(form, answers, instance)
        filtered = [c for c in choices if _true(question.choice_filter, values,
                                                choice={"name": c.name, **c.attributes},
                                                data=form.definition.data_files)]
        waiting = any(values.get(name) in ("", [], None) for name in references(_parsed(question.choice_filter)))
        choices = filtered if filtered or not waiting else choices
    return [(choice.name, labels_in(choice.label, language, form.definition.default_language) or choice.name)
            for choice in choices]


def page_entries(form: Form, page: Page, language: str, *, shown: dict[str, Any], earlier: dict[str, Any],
                 errors: dict[str, str] | None = None, every_choice: bool = False) -> list[dict[str, Any]]:
    """What ``macros/question.html`` needs to draw each question of a page: the online
    survey passes the resident's answers; the canvass bundle passes none and asks for
    ``every_choice`` (the tablet filters the choices as answers come, and fills them in).
    The online survey gets a repeat's questions once per instance, each entry with its
    ``key`` and ``instance``; the bundle gets each question once (its key is its name)."""
    answers = {**earlier, **shown}
    relevant = relevant_questions(form, answers)
    standing = prune(form, answers)
    index = form.pages.index(page)
    if every_choice:
        slots = [(question.name, question, "") for question in page.questions]
    else:
        slots = [(slot.key, slot.question, slot.instance) for slot in _walk(form, answers) if slot.page == index]
    entries = []
    previous = ""
    for key, question, instance in slots:
        if question.type == "calculate":
            continue  # nothing to draw: the server works it out
        heading = None
        if instance and instance != previous:  # the first question of an instance: say which one
            repeat = form.repeat_groups[instance.split("/")[-2]]
            heading = (labels_in(repeat.label, language, form.definition.default_language) or repeat.name,
                       int(instance.split("/")[-1]))
        previous = instance
        label = labels_in(question.label, language, form.definition.default_language)
        hint = labels_in(question.hint, language, form.definition.default_language)
        in_instance = _context(form, standing, instance)
        entries.append({
            "question": question, "key": key, "instance": instance, "heading": heading,
            "relevant": " and ".join(f"({c})" for c in page.relevant[question.name]),
            "shown": key in relevant or (every_choice and question.name in relevant),
            "label": label, "hint": hint,
            "label_parts": with_answers(label, in_instance), "hint_parts": with_answers(hint, in_instance),
            "options": (options(form, question, answers, language, filtered=not every_choice, instance=instance)
                        if question.type in ("select_one", "select_multiple", "rank", "geography") else []),
            "places": rank_places(shown.get(key)) if question.type == "rank" else {},
            "media": media_urls(form, question.media, language),
            "option_media": {choice.name: media_urls(form, choice.media, language)
                             for choice in form.choice_list(question) if choice.media},
            "value": shown.get(key, initial(question) if instance and key not in answers else
                               [] if question.type == "select_multiple" else ""),
            "error": (errors or {}).get(key),
        })
    return entries


def media_urls(form: Form, media: dict[str, dict[str, str]], language: str) -> dict[str, str]:
    """{kind: address} of the files a label or a choice shows in ``language`` (else in another)."""
    urls = {}
    for kind, files in media.items():
        name = labels_in(files, language, form.definition.default_language)
        sha256 = form.definition.attachments.get(name)
        if sha256:
            urls[kind] = url_for("resident.media", survey=form.survey.slug, sha256=sha256, name=name)
    return urls


def addable_repeats(form: Form, index: int, answers: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """The relevant repeats of page ``index`` without a repeat_count, one entry per instance of
    what holds them, for the resident's add-one-more and remove-the-last buttons: the key of
    their count (what the buttons change), the number of instances, the label."""
    if not form.has_repeats:  # most surveys: no walk of the form for buttons it cannot have
        return []
    counts = prune(form, answers)  # holds the number of instances of each of them
    found = []
    for key in shown_keys(form, answers)[index]:
        instance, name = split_key(key)
        if _addable(form, name):
            repeat = form.repeat_groups[name]
            found.append({"key": key, "count": counts.get(key, 0), "instance": instance,
                          "label": labels_in(repeat.label, language, form.definition.default_language) or name})
    return found


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
        # A multi-select's choices, or a NodeSet's answers (a repeat's question read outside it).
        parts.append((" ".join(map(str, value)) if isinstance(value, list | tuple) else str(value), match.group(1)))
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
    if kind == "trigger":  # ticked or not: ODK stores "OK" for an acknowledged trigger
        return ("OK", None) if text.upper() == "OK" else ("", None)
    if len(text) > MAX_TEXT:
        return None, "too_long"
    return text, None


def rank_places(value: Any) -> dict[str, str]:
    """{choice: its place, "1" first} of a rank's answer, as its page shows it: from the stored
    order, or as the resident sent it."""
    if isinstance(value, dict):
        return {str(choice): _text(place) for choice, place in value.items()}
    order = value if isinstance(value, list) else _text(value).split()
    return {str(choice): str(place) for place, choice in enumerate(order, start=1)}


def _ranking(raw: Any, allowed: list[str]) -> tuple[Any, str | None]:
    """(the choices' names in the resident's order, space-separated, None) or (None, "rank").

    The order comes as that text or a list (the JSON intake, the tablet) or as {choice: its
    place} (the page's number per choice, ``static/js/flow.js`` ranking reads both). Every
    choice offered takes one place, 1 to their number."""
    if isinstance(raw, dict):
        places = {choice: place for choice, place in rank_places(raw).items() if place}
        if not places:
            return "", None
        if sorted(places.values()) != sorted(str(n) for n in range(1, len(places) + 1)):
            return None, "rank"
        order = sorted(places, key=lambda choice: int(places[choice]))
    else:
        order = [str(choice) for choice in raw] if isinstance(raw, list) else _text(raw).split()
        if not order:
            return "", None
    return (" ".join(order), None) if sorted(order) == sorted(allowed) else (None, "rank")


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
            language: str, instance: str = "") -> tuple[Any, str | None]:
    """(value, None) or (None, code) for one submitted answer, given the answers before it."""
    if question.type == "select_multiple":
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else str(raw).split())
        allowed = [value for value, _label in options(form, question, answers, language, instance=instance)]
        if any(value not in allowed for value in values):
            return None, "choose_options"
        return [value for value in allowed if value in values], None
    if question.type == "rank":
        return _ranking(raw, [value for value, _label in options(form, question, answers, language, instance=instance)])
    text = _text(raw)
    if not text:
        return "", None
    if question.type in ("select_one", "geography"):
        allowed = {value for value, _label in options(form, question, answers, language, instance=instance)}
        return (text, None) if text in allowed else (None, "choose_option")
    return _parse(question, text)


def _problem(form: Form, question: Question, value: Any, answers: dict[str, Any], instance: str = "") -> str | None:
    """Required, then the constraint (only with an answer), as ODK checks them."""
    if value in ("", []):
        return "required" if question.required else None
    if question.constraint and not _true(question.constraint, evaluation_answers(
            form, {**answers, answer_key(instance, question.name): value}, instance), typed(question, value),
            data=form.definition.data_files):
        return "not_accepted"
    return None


def _message(form: Form, question: Question, code: str, language: str) -> str:
    """What the resident is told: the survey's own message where it gives one."""
    own = {"required": question.required_message, "not_accepted": question.constraint_message}.get(code)
    return labels_in(own or {}, language, form.definition.default_language) or str(MESSAGES[code])


def check_questions(form: Form, page_indexes: set[int], submitted: dict[str, Any],
                    earlier: dict[str, Any], language: str) -> Checked:
    """Check ``submitted`` answers to the slots of the pages ``page_indexes`` in form order,
    given ``earlier`` ones; errors and answers are keyed by slot. The number of instances of
    a repeat without a count is kept as sent."""
    answers = dict(earlier)
    checked = Checked({})
    for slot in _walk(form, {**earlier, **submitted}):
        if slot.page not in page_indexes:
            continue
        key, question, instance = slot.key, slot.question, slot.instance
        answers.pop(key, None)
        values = evaluation_answers(form, answers, instance)
        if question.type == "note" or not is_relevant(form.pages[slot.page], question, values,
                                                      form.definition.data_files):
            continue
        if question.type == "calculate":  # never taken from the sender: worked out here
            value, code = calculated(question, values, form.definition.data_files), None
        elif question.read_only:  # shown, never changed: the sender cannot change it either
            value, code = initial(question), None
        else:
            value, code = _answer(form, question, submitted.get(key), answers, language, instance)
        code = code or _problem(form, question, value, answers, instance)
        if code is not None:
            checked.codes[key] = code
            checked.errors[key] = _message(form, question, code, language)
            continue
        if value not in ("", []):
            answers[key] = value
            checked.answers[key] = value
    for key, value in submitted.items():
        name = split_key(key)[1]
        if form.page_of.get(name) in page_indexes and _addable(form, name) and WHOLE.fullmatch(_text(value)):
            checked.answers[key] = max(0, min(MAX_INSTANCES, int(_text(value))))
    return checked


def _addable(form: Form, name: str) -> bool:
    """Is ``name`` a repeat whose instances the resident adds (it has no repeat_count)?"""
    repeat = form.repeat_groups.get(name)
    return repeat is not None and not repeat.repeat_count


def initial(question: Question) -> Any:
    """The answer a question starts with: its default (a multi-select's as a list), else none."""
    if question.default is None or question.type in ("note", "calculate"):
        return [] if question.type == "select_multiple" else ""
    return question.default.split() if question.type == "select_multiple" else question.default


def initial_answers(form: Form) -> dict[str, Any]:
    """What an interview starts with: every default, as ODK fills them in when a form opens
    (a repeat's are filled in per instance, as it is drawn)."""
    starting = {question.name: initial(question) for question in form.questions().values()
                if not form.repeats[question.name]}
    return {name: value for name, value in starting.items() if value not in ("", [])}


def standing_before(form: Form, index: int, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers that stand on the pages before page ``index``: all its relevance reads."""
    return {key: value for key, value in prune(form, answers).items()
            if form.page_of.get(split_key(key)[1], len(form.pages)) < index}


def check_page(form: Form, index: int, submitted: dict[str, Any], earlier: dict[str, Any],
               language: str) -> Checked:
    """One page, given the answers that stand before it (as check_all sees them)."""
    return check_questions(form, {index}, submitted, standing_before(form, index, earlier), language)


def check_all(form: Form, submitted: dict[str, Any], language: str) -> Checked:
    """A whole submission at once (the JSON intake, repeats as lists of instance dicts): every
    page in order. Raises UnknownQuestion for an answer that is not a question at its place."""
    return check_questions(form, set(range(len(form.pages))), flat_answers(form.definition, submitted), {},
                           language)


def prune(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers that later changes made irrelevant (ODK clears skipped questions); keep
    the number of instances of each repeat the resident adds to."""
    kept: dict[str, Any] = {}
    standing = {slot.key: slot.value for slot in _walk(form, answers, kept)
                if slot.relevant and slot.value not in (None, "", [])}
    standing.update((key, len(value)) for key, value in kept.items()
                    if isinstance(value, NodeSet) and _addable(form, split_key(key)[1]))
    return standing


def page_outline(form: Form) -> list[dict[str, Any]]:
    """The pages as ``static/js/flow.js`` reads them (the canvass bundle carries them)."""
    return [{"name": page.name, "label": page.label, "questions": [q.name for q in page.questions],
             "relevant": {name: list(conditions) for name, conditions in page.relevant.items()}}
            for page in form.pages]


def has_consent(form: Form, answers: dict[str, Any], consent: bool) -> bool:
    question = form.consent_question
    return consent if question is None else answers.get(question.name) == "yes"
