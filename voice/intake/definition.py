"""The normalised survey definition: what a SurveyVersion stores as JSON.

An XLSForm import (``xlsform.py``) and the survey editor both produce a
``SurveyDefinition``; the online intake, the canvass app and the exports read it. It is
plain data: dataclasses with ``to_dict``/``from_dict`` for the JSON column, no framework.

Shape of ``to_dict()``::

    {"format": 1, "form_id": "...", "version": "...", "title": {"en": "..."},
     "default_language": "en", "languages": ["en", "he"],
     "items": [{"kind": "question", "name": ..., "type": ..., "label": {lang: text}, ...},
               {"kind": "group", "name": ..., "label": {...}, "appearance": ...,
                "relevant": ..., "children": [...]},
               {"kind": "group", "repeat": true, "repeat_count": "${n}" or absent, ...}],
     "choice_lists": {"list_name": [{"name": ..., "label": {...}, "attributes": {...}}]},
     "choice_files": {"list_name": "regions.csv"},
     "data_files": {"fruits.csv": [{"column": "value", ...}, ...]}}

``choice_files`` names the file attached to an XLSForm that a choice list was read from
(``select_one_from_file``), so that an export writes it back; ``data_files`` keeps the rows
of the CSV files ``pulldata()`` reads. Both are absent when empty.

Texts are ``{language code: text}``; expressions are source strings in the language of
``expressions.py`` (parsed again when used). Problems are ``voice.problems.Problem``s
whose template is ``MESSAGES[code]``, translated where they are shown.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..problems import N_, Problem
from .expressions import (
    QUESTION_NAME,
    ExpressionError,
    attributes,
    parse,
    references,
)

FORMAT = 1

QUESTION_TYPES = (
    "text",  # an open answer: becomes a VoiceItem
    "select_one",
    "select_multiple",
    "rank",  # the choices in the resident's order: their names, space-separated
    "integer",
    "decimal",
    "date",
    "time",  # hours:minutes[:seconds], as the resident's clock reads
    "datetime",  # a date and a time, year-month-dayThours:minutes[:seconds]
    "geopoint",  # "latitude longitude [altitude [accuracy]]", as ODK stores a position
    "range",  # a number from ``parameters`` start to end, in steps of step
    "barcode",  # a code typed from a label (no scanner): kept as text, never a VoiceItem
    "note",
    "geography",  # one of the campaign's geographies
    "consent",
    "trigger",  # an acknowledgement (ODK's trigger): one checkbox, stored as "OK" once ticked
    "calculate",  # no answer: its ``calculation`` is evaluated and stored (a score, a count)
)
# Media a label or a choice shows, as XLSForm's columns name them: {kind: {language: file name}}.
MEDIA_KINDS = ("image", "big-image", "audio", "video")
SELECT_TYPES = ("select_one", "select_multiple", "rank")  # the types that take a choice list
GROUP_ROLE = re.compile(r"group:[a-z][a-z0-9_]*")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


# Translators: shown to a survey author when a survey definition is inconsistent. The
# %(...)s placeholders are question names, expressions and codes: keep them as they are.
MESSAGES = {
    "duplicate_name": N_("The name %(name)s is used more than once."),
    "invalid_name": N_("%(name)s is not a valid name: start with a letter and use letters, "
                       "digits, _, . and -."),
    "unknown_type": N_("%(name)s has the unknown question type %(type)s."),
    "missing_choices": N_("%(name)s is a select question but its choice list %(list)s "
                          "does not exist or is empty."),
    "choices_not_allowed": N_("%(name)s has a choice list but is not a select question."),
    "choice_filter_not_allowed": N_("%(name)s has a choice filter but is not a select question."),
    "bad_expression": N_("The %(field)s of %(name)s cannot be read: %(error)s"),
    "unknown_reference": N_("The %(field)s of %(name)s refers to ${%(reference)s}, which is "
                            "not a question in this survey."),
    "attribute_not_allowed": N_("The %(field)s of %(name)s uses the bare name %(attribute)s; "
                                "write ${%(attribute)s} to refer to a question."),
    "unknown_choice_attribute": N_("The choice filter of %(name)s uses %(attribute)s, which is "
                                   "not a column of the choice list %(list)s."),
    "bad_role": N_("%(name)s has the role %(role)s; a role is geography or group:<key>."),
    "role_not_allowed": N_("The role %(role)s cannot be given to %(name)s, a %(type)s question."),
    "duplicate_role": N_("The role %(role)s is given to more than one question."),
    "bad_range": N_("%(name)s is a range question but its start, end and step are not numbers "
                    "with a step above zero that fits between them."),
    "calculation_mismatch": N_("%(name)s needs a calculation if and only if it is a calculate "
                               "question."),
    "empty_group": N_("The group %(name)s has no questions."),
    "no_questions": N_("The survey has no questions."),
    "no_languages": N_("The survey has no languages."),
    "bad_language": N_("%(language)s is not a language code such as en or he."),
    "default_language_not_listed": N_("The default language %(language)s is not one of the "
                                      "survey's languages."),
    "unlisted_language": N_("%(name)s has a %(field)s in %(language)s, which is not one of the "
                            "survey's languages."),
}


def problem(code: str, params: dict) -> Problem:
    """One thing wrong with a definition, in the words of ``MESSAGES[code]``."""
    return Problem(code, MESSAGES[code], params)


class DefinitionError(ValueError):
    """A dict that does not have the shape of a survey definition (``from_dict``)."""


# --- The data -------------------------------------------------------------------------


@dataclass
class Choice:
    name: str
    label: dict[str, str] = field(default_factory=dict)
    # Extra columns of the choices sheet, read by choice filters (e.g. {"state": "texas"}).
    attributes: dict[str, str] = field(default_factory=dict)
    media: dict[str, dict[str, str]] = field(default_factory=dict)  # see MEDIA_KINDS

    def to_dict(self) -> dict:
        data = {"name": self.name, "label": dict(self.label),
                "attributes": dict(self.attributes)}
        if self.media:  # absent unless set, so that definitions stored before stay the same
            data["media"] = _copy_media(self.media)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Choice:
        return cls(name=_text(data, "name"), label=_texts(data, "label"),
                   attributes=_string_dict(data, "attributes"), media=_media(data))


@dataclass
class Question:
    name: str
    type: str
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    required: bool = False
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    choice_list: str | None = None
    choice_filter: str | None = None
    appearance: str | None = None
    role: str | None = None  # None | "geography" | "group:<key>"
    calculation: str | None = None  # the expression a calculate question stores
    default: str | None = None  # the answer an interview starts with (a multi-select's: space-separated)
    read_only: bool = False  # shown, never changed: it keeps its default
    parameters: dict[str, str] = field(default_factory=dict)  # a range's start, end and step
    media: dict[str, dict[str, str]] = field(default_factory=dict)  # the label's, see MEDIA_KINDS

    kind = "question"

    def to_dict(self) -> dict:
        data = {
            "kind": "question", "name": self.name, "type": self.type,
            "label": dict(self.label), "hint": dict(self.hint), "required": self.required,
            "required_message": dict(self.required_message), "relevant": self.relevant,
            "constraint": self.constraint,
            "constraint_message": dict(self.constraint_message),
            "choice_list": self.choice_list, "choice_filter": self.choice_filter,
            "appearance": self.appearance, "role": self.role,
        }
        # Absent unless set, so that definitions stored before these existed stay the same.
        if self.calculation is not None:
            data["calculation"] = self.calculation
        if self.default is not None:
            data["default"] = self.default
        if self.read_only:
            data["read_only"] = True
        if self.parameters:
            data["parameters"] = dict(self.parameters)
        if self.media:
            data["media"] = _copy_media(self.media)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        return cls(
            name=_text(data, "name"), type=_text(data, "type"),
            label=_texts(data, "label"), hint=_texts(data, "hint"), required=_flag(data, "required"),
            required_message=_texts(data, "required_message"),
            relevant=_optional(data, "relevant"), constraint=_optional(data, "constraint"),
            constraint_message=_texts(data, "constraint_message"),
            choice_list=_optional(data, "choice_list"),
            choice_filter=_optional(data, "choice_filter"),
            appearance=_optional(data, "appearance"), role=_optional(data, "role"),
            calculation=_optional(data, "calculation"), default=_optional(data, "default"),
            read_only=_flag(data, "read_only"), parameters=_string_dict(data, "parameters"),
            media=_media(data),
        )


@dataclass
class Group:
    """A set of questions; a top-level group is one page of the survey.

    A repeat is a group asked once per instance (each member of a household): as many
    times as its ``repeat_count`` expression gives, else as many as the resident adds.
    """

    name: str
    label: dict[str, str] = field(default_factory=dict)
    appearance: str | None = None  # "field-list": ODK shows the group on one screen
    relevant: str | None = None
    children: list[Question | Group] = field(default_factory=list)
    repeat: bool = False
    repeat_count: str | None = None  # only for a repeat

    kind = "group"

    def to_dict(self) -> dict:
        data = {"kind": "group", "name": self.name, "label": dict(self.label),
                "appearance": self.appearance, "relevant": self.relevant,
                "children": [child.to_dict() for child in self.children]}
        # Absent unless set, so that definitions stored before repeats existed stay the same.
        if self.repeat:
            data["repeat"] = True
        if self.repeat_count is not None:
            data["repeat_count"] = self.repeat_count
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Group:
        group = cls(name=_text(data, "name"), label=_texts(data, "label"),
                    appearance=_optional(data, "appearance"),
                    relevant=_optional(data, "relevant"),
                    children=_items(data.get("children", [])),
                    repeat=_flag(data, "repeat"), repeat_count=_optional(data, "repeat_count"))
        if group.repeat_count is not None and not group.repeat:
            raise DefinitionError("only a repeat has a repeat_count")
        return group


Item = Question | Group


@dataclass
class SurveyDefinition:
    form_id: str
    title: dict[str, str]
    version: str
    default_language: str
    languages: list[str]
    items: list[Item] = field(default_factory=list)
    choice_lists: dict[str, list[Choice]] = field(default_factory=dict)
    # The media files the labels and choices show: file name -> sha256 of its bytes (stored
    # apart, as SurveyAttachments), so a version names the very bytes it was published with.
    attachments: dict[str, str] = field(default_factory=dict)
    choice_files: dict[str, str] = field(default_factory=dict)  # list name -> attached file name
    data_files: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # pulldata()'s CSVs

    def to_dict(self) -> dict:
        data = {
            "format": FORMAT, "form_id": self.form_id, "title": dict(self.title),
            "version": self.version, "default_language": self.default_language,
            "languages": list(self.languages),
            "items": [item.to_dict() for item in self.items],
            "choice_lists": {name: [choice.to_dict() for choice in choices]
                             for name, choices in self.choice_lists.items()},
        }
        # Absent unless used, so that definitions stored before these existed stay the same.
        if self.attachments:
            data["attachments"] = dict(self.attachments)
        if self.choice_files:
            data["choice_files"] = dict(self.choice_files)
        if self.data_files:
            data["data_files"] = {name: [dict(row) for row in rows] for name, rows in self.data_files.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SurveyDefinition:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DefinitionError(f"not a survey definition of format {FORMAT}")
        languages = data.get("languages")
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise DefinitionError("languages must be a list of codes")
        lists = data.get("choice_lists", {})
        if not isinstance(lists, dict) or not all(isinstance(v, list) for v in lists.values()):
            raise DefinitionError("choice_lists must map list names to lists")
        return cls(
            form_id=_text(data, "form_id"), title=_texts(data, "title"),
            version=_text(data, "version"),
            default_language=_text(data, "default_language"), languages=list(languages),
            items=_items(data.get("items", [])),
            choice_lists={name: [Choice.from_dict(choice) for choice in choices]
                          for name, choices in lists.items()},
            attachments=_string_dict(data, "attachments"),
            choice_files=_string_dict(data, "choice_files"), data_files=_data_files(data),
        )


def _data_files(data: dict) -> dict[str, list[dict[str, str]]]:
    files = data.get("data_files", {})
    if not isinstance(files, dict) or not all(
            isinstance(rows, list) and all(isinstance(row, dict) for row in rows) for rows in files.values()):
        raise DefinitionError("data_files must map file names to lists of rows")
    return {name: [_string_dict({"row": row}, "row") for row in rows] for name, rows in files.items()}


def _items(raw) -> list[Item]:
    if not isinstance(raw, list):
        raise DefinitionError("items must be a list")
    items = []
    for entry in raw:
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind == "question":
            items.append(Question.from_dict(entry))
        elif kind == "group":
            items.append(Group.from_dict(entry))
        else:
            raise DefinitionError("each item must be a question or a group")
    return items


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise DefinitionError(f"{key} must be text")
    return value


def _flag(data: dict, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise DefinitionError(f"{key} must be true or false")
    return value


def _optional(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise DefinitionError(f"{key} must be text or null")
    return value


def _string_dict(data: dict, key: str) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise DefinitionError(f"{key} must map text to text")
    return dict(value)


_texts = _string_dict  # a {language: text} mapping has the same shape


def _media(data: dict) -> dict[str, dict[str, str]]:
    value = data.get("media", {})
    if not isinstance(value, dict) or not all(kind in MEDIA_KINDS for kind in value):
        raise DefinitionError(f"media must map {', '.join(MEDIA_KINDS)} to files by language")
    return {kind: _string_dict(value, kind) for kind in value}


def _copy_media(media: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {kind: dict(files) for kind, files in media.items()}


# --- Walking --------------------------------------------------------------------------


def iter_items(items: list[Item], parents: tuple[Group, ...] = ()
               ) -> Iterator[tuple[tuple[Group, ...], Item]]:
    """Every item, depth first, with the groups that contain it."""
    for item in items:
        yield parents, item
        if isinstance(item, Group):
            yield from iter_items(item.children, parents + (item,))


def iter_questions(defn: SurveyDefinition) -> Iterator[Question]:
    for _, item in iter_items(defn.items):
        if isinstance(item, Question):
            yield item


def item_path(parents: tuple[Group, ...], item: Item) -> str:
    return "/".join([group.name for group in parents] + [item.name])


def answer_key(instance: str, name: str) -> str:
    """An answer's key in a flat answers dict: its question's name, after its repeat
    instance if it has one ("members/2/age"). Names have no "/", so keys cannot clash."""
    return f"{instance}/{name}" if instance else name


def split_key(key: str) -> tuple[str, str]:
    """(instance, name) of a flat answer key: ("members/2", "age"), ("", "age")."""
    instance, _, name = key.rpartition("/")
    return instance, name


def repeat_chains(defn: SurveyDefinition) -> dict[str, tuple[str, ...]]:
    """Each question's (and repeat's) name -> the names of the repeats around it, outermost first."""
    return {item.name: tuple(group.name for group in repeats_around(parents))
            for parents, item in iter_items(defn.items)}


def instance_fits(instance: str, chain: tuple[str, ...]) -> bool:
    """Does an instance path ("members/2/visits/1") name the repeats of ``chain``, each with a
    number from 1?"""
    parts = instance.split("/") if instance else []
    return (tuple(parts[0::2]) == chain and len(parts) == 2 * len(chain)
            and all(number.isdigit() and int(number) >= 1 and number == str(int(number))
                    for number in parts[1::2]))


def repeats_around(parents: tuple[Group, ...]) -> tuple[Group, ...]:
    """The repeats among an item's groups, outermost first."""
    return tuple(group for group in parents if group.repeat)


def repeat_names(defn: SurveyDefinition) -> set[str]:
    return {item.name for _, item in iter_items(defn.items) if isinstance(item, Group) and item.repeat}


# --- Validation -----------------------------------------------------------------------


def validate_definition(defn: SurveyDefinition) -> list[Problem]:
    """Everything that would stop the survey from working, in form order."""
    problems = _check_languages(defn)
    all_items = list(iter_items(defn.items))
    question_names = {item.name for _, item in all_items if isinstance(item, Question)}
    if not question_names:
        problems.append(problem("no_questions", {}))
    readable = question_names | repeat_names(defn)  # ${repeat} is the set of its instances
    seen: set[str] = set()
    roles: set[str] = set()
    for _, item in all_items:
        if item.name in seen:
            problems.append(problem("duplicate_name", {"name": item.name}))
        seen.add(item.name)
        if not QUESTION_NAME.fullmatch(item.name):
            problems.append(problem("invalid_name", {"name": item.name}))
        problems += _check_texts(defn, item)
        if isinstance(item, Group):
            if not any(isinstance(i, Question) for _, i in iter_items(item.children)):
                problems.append(problem("empty_group", {"name": item.name}))
            for field_name in ("relevant", "repeat_count"):
                problems += _check_expression(item, field_name, readable)
            continue
        problems += _check_question(defn, item, readable)
        if item.role:
            if item.role in roles:
                problems.append(problem("duplicate_role", {"role": item.role}))
            roles.add(item.role)
    return problems


def _check_languages(defn: SurveyDefinition) -> list[Problem]:
    problems = []
    if not defn.languages:
        problems.append(problem("no_languages", {}))
    for language in defn.languages:
        if not LANGUAGE_CODE.fullmatch(language):
            problems.append(problem("bad_language", {"language": language}))
    if defn.default_language not in defn.languages:
        problems.append(problem("default_language_not_listed",
                                {"language": defn.default_language}))
    return problems


def _check_texts(defn: SurveyDefinition, item: Item) -> list[Problem]:
    problems = []
    for field_name, texts in _text_fields(item):
        for language in texts:
            if language not in defn.languages:
                problems.append(problem("unlisted_language", {
                    "name": item.name, "field": field_name, "language": language}))
    return problems


def _check_question(defn: SurveyDefinition, question: Question,
                    question_names: set[str]) -> list[Problem]:
    problems = []
    name = question.name
    if question.type not in QUESTION_TYPES:
        problems.append(problem("unknown_type", {"name": name, "type": question.type}))
    if question.type in SELECT_TYPES:
        if not defn.choice_lists.get(question.choice_list or ""):
            problems.append(problem("missing_choices",
                                    {"name": name, "list": question.choice_list or ""}))
    elif question.choice_list:
        problems.append(problem("choices_not_allowed", {"name": name}))
    if question.choice_filter and question.type not in SELECT_TYPES:
        problems.append(problem("choice_filter_not_allowed", {"name": name}))
    if question.type == "range" and not _range_ok(question.parameters):
        problems.append(problem("bad_range", {"name": name}))
    if (question.type == "calculate") != bool(question.calculation):
        problems.append(problem("calculation_mismatch", {"name": name}))
    for field_name in ("relevant", "constraint", "choice_filter", "calculation"):
        problems += _check_expression(question, field_name, question_names,
                                      defn.choice_lists.get(question.choice_list or ""))
    problems += _check_role(question)
    return problems


def _range_ok(parameters: dict[str, str]) -> bool:
    try:
        start, end, step = (float(parameters[key]) for key in ("start", "end", "step"))
    except (KeyError, ValueError):
        return False
    return step > 0 and start != end and abs(end - start) >= step


def _check_expression(item: Item, field_name: str, question_names: set[str],
                      choices: list[Choice] | None = None) -> list[Problem]:
    source = getattr(item, field_name)
    if not source:
        return []
    try:
        tree = parse(source)
    except ExpressionError as err:
        return [problem("bad_expression",
                        {"name": item.name, "field": field_name, "error": str(err)})]
    problems = [
        problem("unknown_reference",
                {"name": item.name, "field": field_name, "reference": reference})
        for reference in sorted(references(tree) - question_names)
    ]
    bare_names = sorted(attributes(tree))
    if field_name != "choice_filter":
        problems += [problem("attribute_not_allowed",
                             {"name": item.name, "field": field_name, "attribute": bare})
                     for bare in bare_names]
    elif choices:
        columns = {"name"}.union(*(choice.attributes for choice in choices))
        problems += [problem("unknown_choice_attribute",
                             {"name": item.name, "attribute": bare,
                              "list": item.choice_list})
                     for bare in bare_names if bare not in columns]
    return problems


def _check_role(question: Question) -> list[Problem]:
    role = question.role
    if role is None:
        return []
    params = {"name": question.name, "role": role, "type": question.type}
    if role == "geography":
        allowed = ("geography", "select_one")
    elif GROUP_ROLE.fullmatch(role):
        allowed = ("select_one",)
    else:
        return [problem("bad_role", params)]
    if question.type not in allowed:
        return [problem("role_not_allowed", params)]
    return []


# --- Translations ---------------------------------------------------------------------


def _text_fields(item: Item) -> list[tuple[str, dict[str, str]]]:
    if isinstance(item, Group):
        return [("label", item.label)]
    return [("label", item.label), ("hint", item.hint),
            ("required_message", item.required_message),
            ("constraint_message", item.constraint_message)]


def missing_translations(defn: SurveyDefinition) -> list[tuple[str, str, str]]:
    """(path, field, language) for every text that one language has and another lacks.

    A question always needs a label (but a calculation, which nobody sees); other texts
    (hints, messages, group labels) only need translating once some language has them. Choices are reported with the path
    ``choices/<list>/<choice>``, the title with the path ``""``. Publishing a survey is
    blocked until this is empty.
    """
    missing = []

    def check(path: str, field_name: str, texts: dict[str, str], always: bool = False):
        if always or any(text.strip() for text in texts.values()):
            missing.extend((path, field_name, language) for language in defn.languages
                           if not texts.get(language, "").strip())

    check("", "title", defn.title, always=True)
    for parents, item in iter_items(defn.items):
        path = item_path(parents, item)
        for field_name, texts in _text_fields(item):
            check(path, field_name, texts,
                  always=isinstance(item, Question) and item.type != "calculate" and field_name == "label")
    used_lists = {q.choice_list for q in iter_questions(defn) if q.type in SELECT_TYPES}
    for list_name, choices in defn.choice_lists.items():
        if list_name in used_lists:
            for choice in choices:
                check(f"choices/{list_name}/{choice.name}", "label", choice.label,
                      always=True)
    return missing


# --- Pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """What one screen of the online survey shows.

    Each top-level group is one page, with the questions of its nested groups in order:
    an author who groups questions wants them seen together. A question outside any
    group is a page of its own, as ODK shows it. ``relevant`` lists the conditions of
    the group(s) around each question, outermost first, followed by its own. A repeat's
    questions are listed once: the flow asks them once per instance, on the same page.
    """

    name: str
    label: dict[str, str]
    questions: tuple[Question, ...]
    relevant: dict[str, tuple[str, ...]]


def pages(defn: SurveyDefinition) -> list[Page]:
    result = []
    for item in defn.items:
        if isinstance(item, Question):
            conditions = {item.name: tuple(filter(None, [item.relevant]))}
            result.append(Page(item.name, item.label, (item,), conditions))
            continue
        questions, conditions = [], {}
        for parents, inner in iter_items([item]):
            if isinstance(inner, Question):
                questions.append(inner)
                conditions[inner.name] = tuple(
                    expr for expr in [g.relevant for g in parents] + [inner.relevant] if expr)
        if questions:
            result.append(Page(item.name, item.label, tuple(questions), conditions))
    return result


def definition_hash(defn: SurveyDefinition) -> str:
    """A stable digest of the definition, to tell whether two versions differ."""
    canonical = json.dumps(defn.to_dict(), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
