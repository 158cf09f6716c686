"""Import and export XLSForm workbooks (the ODK spreadsheet format).

Import reads the workbook (.xlsx or .xls, or pyxform's CSV form) with the one table reader (``voice.tables``) into
the rows pyxform expects, and pyxform's ``workbook_to_json`` gives the nested form (header
case, aliases, ``label::Language (code)`` columns and the spellings of ``begin group`` are
its business). Two passes over that:

1. The raw ``survey`` rows, in spreadsheet order, refuse what we do not support (repeats,
   media, external choices...) naming the row the author sees (the header is
   row 1, so the first data row is row 2: blank rows are kept in place so the index stays
   true), and leave out contact and device details with a notice per row. The same rows
   give each question name its row.
2. The nested form becomes a ``SurveyDefinition``: pyxform language names become ISO
   codes, expressions are parsed by ``voice.intake.expressions``, and ``validate_definition`` must
   find nothing wrong.

Any problem raises ``voice.problems.Invalid`` with the sheet, row and column; nothing partial
is ever returned.

What we do with each XLSForm type: text, integer, decimal, date, time, datetime, note, calculate
(its ``calculation`` is stored), select_one,
select_multiple (also ``or_other``) map to the same types; ``acknowledge`` is ``consent``;
``text`` with ``role`` = ``geography`` is a ``geography`` question (the extra ``role``
column, which ODK ignores, carries ``geography`` or ``group:<key>``). ``start``, ``end``
and ``today`` are dropped: a Response records its own timestamps. Phone numbers and device
or user identifiers are left out with a notice (we do not collect contact details through
survey questions: DESIGN.md's privacy rules). ``gps`` and ``location`` are ``geopoint``; a
``hidden`` field is kept as a calculation of its default. ``begin repeat`` is a repeat group
(nested ones too), its ``repeat_count`` (``jr:count``) an expression. Everything else is
refused: loops, media questions and media columns, ``*_from_file`` and external
choices, geo,
barcode, rank, and the column ``trigger``; a
``required`` that is an
expression rather than yes/no. Unknown columns are ignored, as ODK does.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from openpyxl import Workbook
from pyxform.constants import SUPPORTED_SHEET_NAMES
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData

from ..intake.definition import (
    MESSAGES as DEFINITION_MESSAGES,
    SELECT_TYPES,
    Choice,
    Group,
    Item,
    Question,
    SurveyDefinition,
    iter_items,
    iter_questions,
    validate_definition,
)
from ..intake.expressions import ExpressionError, parse
from ..problems import N_, Invalid, Problem
from ..tables import XLS_SIGNATURE, XLSX_SIGNATURE, Table, csv_rows, read_sheets, table_of

__all__ = ["LANGUAGE_NAMES", "MESSAGES", "XLSFormImport", "export_xlsform", "import_xlsform", "read_xlsform",
           "refusal"]

# Translators: shown to a survey author whose XLSForm spreadsheet could not be imported.
# %(...)s placeholders are sheet names, column names, question types and expressions.
IMPORT_MESSAGES = {
    "empty_file": N_("The file is empty."),
    "not_xlsx": N_("The file is not an Excel workbook (.xlsx). Save the form as .xlsx "
                   "and upload it again."),
    "unreadable": N_("The workbook could not be read: %(detail)s"),
    "no_survey_sheet": N_("The workbook has no sheet named survey."),
    "missing_column": N_("The %(sheet)s sheet has no %(column)s column."),
    "missing_type": N_("This row has a name or label but no type."),
    "unknown_type": N_("%(type)s is not an XLSForm question type."),
    "repeat": N_("Repeat groups (%(type)s) are not supported: ask each question once."),
    "media_question": N_("%(type)s questions (photos, sound, video, files) are not "
                         "supported."),
    "media_column": N_("Media in the %(column)s column are not supported."),
    "external_choices": N_("%(type)s needs choices from an external file, which is not "
                           "supported: put the choices on the choices sheet."),
    "contact_details": N_("%(type)s questions collect contact or device details, which "
                          "surveys do not store: this row is left out of the survey."),
    "unsupported_type": N_("The question type %(type)s is not supported."),
    "unsupported_column": N_("The %(column)s column is not supported."),
    "required_expression": N_("required must be yes or no, not an expression (%(value)s)."),
    "bad_expression": N_("The %(column)s expression cannot be read: %(error)s"),
    "unknown_language": N_("%(language)s is not a language we know. Write the column as "
                           "%(column)s (code), for example label::Hebrew (he)."),
    "pyxform": N_("%(detail)s"),
    "no_label": N_("The question %(name)s has no label or hint."),
}
# Every template an import can produce, definition problems included, for the web layer.
MESSAGES = {**DEFINITION_MESSAGES, **IMPORT_MESSAGES}


def refusal(sheet: str | None, row: int | None, column: str | None, code: str,
            params: dict | None = None) -> Invalid:
    """A workbook we refuse, with where (``row`` as numbered in the spreadsheet) when known."""
    return Invalid([Problem(code, MESSAGES[code], dict(params or {}), sheet=sheet, line=row, column=column)])


# --- Languages ------------------------------------------------------------------------

# English and native names that XLSForm authors write without a code.
LANGUAGE_NAMES = {
    "english": "en", "spanish": "es", "español": "es", "espanol": "es", "hebrew": "he",
    "עברית": "he", "arabic": "ar", "العربية": "ar", "russian": "ru", "русский": "ru",
    "amharic": "am", "አማርኛ": "am", "french": "fr", "français": "fr", "francais": "fr",
    "chinese": "zh", "中文": "zh", "swahili": "sw", "kiswahili": "sw", "portuguese": "pt",
    "german": "de", "italian": "it", "hindi": "hi", "urdu": "ur", "bengali": "bn",
    "punjabi": "pa", "persian": "fa", "farsi": "fa", "dari": "prs", "pashto": "ps",
    "turkish": "tr", "kurdish": "ku", "somali": "so", "tigrinya": "ti", "oromo": "om",
    "hausa": "ha", "yoruba": "yo", "igbo": "ig", "zulu": "zu", "xhosa": "xh",
    "afrikaans": "af", "haitian creole": "ht", "creole": "ht", "kreyol": "ht",
    "vietnamese": "vi", "korean": "ko", "japanese": "ja", "tagalog": "tl",
    "filipino": "fil", "indonesian": "id", "malay": "ms", "thai": "th", "burmese": "my",
    "nepali": "ne", "polish": "pl", "ukrainian": "uk", "romanian": "ro", "greek": "el",
    "dutch": "nl", "yiddish": "yi", "tamil": "ta", "telugu": "te", "marathi": "mr",
    "gujarati": "gu", "khmer": "km", "lao": "lo", "mongolian": "mn", "kinyarwanda": "rw",
    "luganda": "lg", "lingala": "ln", "wolof": "wo", "shona": "sn", "chichewa": "ny",
}
_CODE_NAMES = {
    "en": "English", "es": "Spanish", "he": "Hebrew", "ar": "Arabic", "ru": "Russian",
    "am": "Amharic", "fr": "French", "zh": "Chinese", "sw": "Swahili",
}
_NAMED_CODE = re.compile(r".*\(\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\s*\)\s*")
_KNOWN_CODES = set(LANGUAGE_NAMES.values())
_PYXFORM_DEFAULT = "default"  # pyxform's name for the language of unsuffixed columns
_TRANSLATABLE = ("label", "hint", "required_message", "constraint_message")


def _language_code(name: str) -> str | None:
    """``Hebrew (he)`` -> he, ``EN`` -> en, ``swahili`` -> sw; None if unknown."""
    match = _NAMED_CODE.fullmatch(name)
    if match:
        primary, _, rest = match.group(1).partition("-")
        return primary.lower() + ("-" + rest if rest else "")
    lowered = name.strip().lower()
    if lowered in _KNOWN_CODES:
        return lowered
    return LANGUAGE_NAMES.get(lowered)


def _column_name(code: str) -> str:
    return f"{_CODE_NAMES.get(code, code)} ({code})"


# --- Import ---------------------------------------------------------------------------

_UNSUPPORTED_COLUMNS = ("trigger", "save_to")
_SUPPORTED_TYPES = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer",
    "decimal": "decimal", "date": "date", "note": "note", "acknowledge": "consent",
    "time": "time", "datetime": "datetime", "date time": "datetime", "datetime-local": "datetime",
    "dateTime": "datetime",  # pyxform's JSON name for datetime
    "calculate": "calculate", "geopoint": "geopoint", "gps": "geopoint", "location": "geopoint",
    "hidden": "calculate",  # a value kept with every answer: its default, as a calculation
    "range": "range",
}
_IGNORED_TYPES = ("start", "end", "today")
_MEDIA_TYPES = ("image", "photo", "audio", "video", "file", "background-audio",
                "background-video", "background-geopoint")
_CONTACT_TYPES = ("phone number", "phonenumber", "deviceid", "device id", "subscriberid",
                  "simserial", "username", "email", "audit", "imei", "start-geopoint")
_SELECT_TYPES = {"select_one": "select_one", "select one": "select_one",
                 "select1": "select_one", "select_multiple": "select_multiple",
                 "select all that apply": "select_multiple",
                 "select multiple": "select_multiple"}
_EXTERNAL_SELECTS = ("select_one_from_file", "select_multiple_from_file",
                     "select one from file", "select multiple from file",
                     "select_one_external", "select one external")
_OR_OTHER = re.compile(r"selected\(\.\./([A-Za-z_][A-Za-z0-9_.\-]*), 'other'\)")
_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
# pyxform (and so ODK) reads no further than a run of 60 blank rows.
PYXFORM_BLANK_ROWS_END_A_SHEET = 60
_PYXFORM_SHEET = re.compile(r"[Oo]n the '(\w+)' sheet")


@dataclass(frozen=True)
class XLSFormImport:
    """A validated definition, and the rows it leaves out, each with the notice that says why."""

    definition: SurveyDefinition
    left_out: list[Problem]


def read_xlsform(source: str | PathLike | bytes, *, fallback_language: str = "en",
                 filename: str = "") -> XLSFormImport:
    """Read an XLSForm workbook (.xlsx or .xls) into a validated SurveyDefinition, or raise Invalid.

    ``fallback_language`` is the language of unsuffixed ``label``/``hint`` columns when
    the settings sheet names no ``default_language`` (usually the campaign's language). A form
    whose settings name no ``form_id`` takes the name of its file, as pyxform does.
    """
    content, path_name = _read_bytes(source)
    filename = filename or path_name
    data = _read_sheets(content, filename)
    data = dataclasses.replace(data, fallback_form_name=_form_name(filename))
    rows = _survey_rows(data)
    left_out = _refuse_unsupported(rows, data)
    form = _to_json(data)
    defn = _Mapper(form, data, rows, fallback_language, left_out=set(left_out)).definition()
    _refuse_unlabelled(defn, rows)
    for problem in validate_definition(defn):
        # Point a duplicate at its second use: the first is where the author meant it.
        occurrence = 1 if problem.code == "duplicate_name" else 0
        row = rows.row_of(problem.params.get("name"), occurrence)
        raise refusal("survey", row, None, problem.code, dict(problem.params))
    return XLSFormImport(defn, list(left_out.values()))


def _refuse_unlabelled(defn: SurveyDefinition, rows: _SurveyRows) -> None:
    """A question nobody can read is refused, as pyxform refuses it when it writes the XForm."""
    for question in iter_questions(defn):
        if question.type != "calculate" and not (question.label or question.hint):
            raise refusal("survey", rows.row_of(question.name), "label", "no_label", {"name": question.name})


def import_xlsform(source: str | PathLike | bytes, *, fallback_language: str = "en") -> SurveyDefinition:
    """The definition alone (see ``read_xlsform``)."""
    return read_xlsform(source, fallback_language=fallback_language).definition


def _form_name(filename: str) -> str | None:
    """A file's stem as a form id (``Household roster (2).xlsx`` -> ``household_roster_2``)."""
    stem = re.sub(r"[^0-9a-z]+", "_", Path(filename).stem.lower()).strip("_")
    return stem if stem and stem[0].isalpha() else (f"form_{stem}" if stem else None)


def _read_bytes(source: str | PathLike | bytes) -> tuple[bytes, str]:
    """The workbook's bytes and its file name (which tells .xls from .xlsx when unsure)."""
    if isinstance(source, bytes):
        return source, ""
    try:
        return Path(source).read_bytes(), Path(source).name
    except OSError as err:
        raise refusal(None, None, None, "unreadable", {"detail": err.strerror or str(err)}) from None


def _read_sheets(content: bytes, filename: str) -> DefinitionData:
    """The workbook's sheets, read by the one table reader, in the shape pyxform converts."""
    if not content:
        raise refusal(None, None, None, "empty_file")
    if content.startswith((XLSX_SIGNATURE, XLS_SIGNATURE)):
        read = read_sheets(content, filename, blank_rows_end=PYXFORM_BLANK_ROWS_END_A_SHEET)
    elif Path(filename).suffix.lower() == ".csv":
        read = _csv_sheets(content)
    else:
        raise refusal(None, None, None, "not_xlsx")
    tables = {name.lower(): table for name, table in read.items()}
    if len(tables) == 1 and not set(tables) & SUPPORTED_SHEET_NAMES:
        tables = {"survey": next(iter(tables.values()))}  # as pyxform: a lone sheet is the survey
    if "survey" not in tables:
        raise refusal(None, None, None, "no_survey_sheet")
    sheets = {}
    for name in SUPPORTED_SHEET_NAMES & set(tables):
        header, rows = _pyxform_sheet(tables[name])
        sheets[name], sheets[f"{name}_header"] = rows, [dict.fromkeys(header)] if header else []
    return DefinitionData(sheet_names=list(tables), **sheets)


def _csv_sheets(content: bytes) -> dict[str, Table]:
    """An XLSForm written as CSV, as pyxform reads one: a row whose first cell names a sheet
    starts it; the rows under it, first cell empty, are that sheet's header and rows."""
    rows, _delimiter = csv_rows(content)
    sheets: dict[str, list[tuple[int, list[str]]]] = {}
    name = None
    for line, cells in rows:
        if cells and cells[0].strip():
            name = cells[0].strip()
            sheets.setdefault(name, [])
        if name is not None and any(cell.strip() for cell in cells[1:]):
            sheets[name].append((line, cells[1:]))
    return {sheet: table_of(sheet_rows, sheet=sheet) for sheet, sheet_rows in sheets.items()}


def _pyxform_sheet(table: Table) -> tuple[list[str], list[dict[str, str]]]:
    """A sheet as pyxform reads one: header titles with runs of spaces folded, and one dict per
    row from row 2 on, blank rows kept as {} so that list index + 2 is the spreadsheet row."""
    header = [re.sub(r"\s+", " ", title) for title in table.header]
    rows: list[dict[str, str]] = []
    for row in table.rows:
        rows.extend({} for _blank in range(row.line - 2 - len(rows)))
        rows.append({title: value.replace("\u00a0", " ") for title, value in zip(header, row.cells)
                     if title and value})
    return [title for title in header if title], rows


def _from_pyxform(err: PyXFormError) -> Invalid:
    """pyxform's messages are English only; keep them whole with the row they name."""
    detail = str(err)
    row = _PYXFORM_ROW.search(detail)
    sheet = _PYXFORM_SHEET.search(detail)
    return refusal(sheet.group(1) if sheet else "survey",
                        int(row.group(1)) if row else None, None, "pyxform",
                        {"detail": detail})


class _SurveyRows:
    """The raw survey rows with their spreadsheet row numbers and lower-cased headers."""

    def __init__(self, rows: list[dict[str, str]]):
        # Header case does not matter to ODK: TYPE, Type and type are one column.
        self.rows = [(index + 2, {key.lower(): value for key, value in row.items()})
                     for index, row in enumerate(rows)]
        self._names: dict[str, list[int]] = {}
        for number, row in self.rows:
            self._names.setdefault(row.get("name"), []).append(number)

    def row_of(self, name: str | None, occurrence: int = 0) -> int | None:
        numbers = self._names.get(name, [])
        return numbers[min(occurrence, len(numbers) - 1)] if numbers else None


def _survey_rows(data: DefinitionData) -> _SurveyRows:
    headers = {key.lower() for key in (data.survey_header or [{}])[0]}
    if "type" not in headers:
        raise refusal("survey", 1, "type", "missing_column",
                           {"sheet": "survey", "column": "type"})
    return _SurveyRows(list(data.survey or []))


def _normalise_type(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.strip()).lower()


def _refuse_unsupported(rows: _SurveyRows, data: DefinitionData) -> dict[str, Problem]:
    """Refuse what the survey cannot do; return the rows it leaves out, by question name, each
    with the notice that says why (contact and device details are never stored)."""
    left_out: dict[str, Problem] = {}
    for number, row in rows.rows:
        _refuse_columns("survey", number, row)
        raw_type = row.get("type")
        if not raw_type:
            if row.get("name") or any(key.startswith("label") for key in row):
                raise refusal("survey", number, "type", "missing_type")
            continue
        if _normalise_type(raw_type) in _CONTACT_TYPES:
            (notice,) = refusal("survey", number, "type", "contact_details", {"type": raw_type.strip()}).problems
            left_out[row.get("name") or raw_type.strip()] = notice
            continue
        _refuse_type("survey", number, raw_type)
    for index, choice in enumerate(data.choices or []):
        _refuse_columns("choices", index + 2, {k.lower(): v for k, v in choice.items()})
    return left_out


def _refuse_columns(sheet: str, number: int, row: dict[str, str]) -> None:
    for column, value in row.items():
        if not value:
            continue
        base = column.split("::")[0].strip()
        if base in ("image", "big-image", "audio", "video", "media"):
            raise refusal(sheet, number, column, "media_column", {"column": column})
        if base in _UNSUPPORTED_COLUMNS or base.startswith(("bind::", "body::", "instance::")):
            raise refusal(sheet, number, column, "unsupported_column",
                               {"column": column})
        if base == "required" and _required(value) is None:
            raise refusal(sheet, number, column, "required_expression", {"value": value})


def _refuse_type(sheet: str, number: int, raw_type: str) -> None:
    type_ = _normalise_type(raw_type)
    params = {"type": raw_type.strip()}

    def refuse(code: str) -> Invalid:
        return refusal(sheet, number, "type", code, params)

    if type_ in ("begin group", "begin_group", "end group", "end_group", "begin repeat",
                 "begin_repeat", "end repeat", "end_repeat"):
        return
    if type_ in ("begin loop", "end loop"):
        raise refuse("repeat")
    if any(type_.startswith(external) for external in _EXTERNAL_SELECTS):
        raise refuse("external_choices")
    if any(type_.startswith(select + " ") for select in _SELECT_TYPES):
        return
    if type_ in _SUPPORTED_TYPES or type_ in _IGNORED_TYPES:
        return
    if type_ in _MEDIA_TYPES:
        raise refuse("media_question")
    if type_ in _KNOWN_UNSUPPORTED:
        raise refuse("unsupported_type")
    raise refuse("unknown_type")


_KNOWN_UNSUPPORTED = ("geotrace", "geoshape", "barcode",
                      "rank", "trigger",
                      "xml-external", "csv-external", "osm")


def _to_json(data: DefinitionData) -> dict:
    try:
        return workbook_to_json(workbook_dict=data, fallback_form_name=data.fallback_form_name, warnings=[])
    except PyXFormError as err:
        raise _from_pyxform(err) from None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        # pyxform assumes well-formed sheets in places; a malformed one must still end
        # as a refusal the author can read, never as a traceback.
        raise refusal("survey", None, None, "pyxform", {"detail": repr(err)}) from None


def _literal(value) -> str:
    """A text as an expression's string literal (a hidden field's value, kept as a calculation)."""
    text = "" if value is None else str(value)
    return f'"{text}"' if "'" in text else f"'{text}'"


def _default(value) -> str | None:
    """A default as text: pyxform gives a number or a date as written in the sheet."""
    return None if value in (None, "") else str(value)


def _required(value: str) -> bool | None:
    """yes/no as XLSForm spells them; None for anything else (an expression)."""
    lowered = value.strip().lower()
    if lowered in ("yes", "true", "true()", "1"):
        return True
    if lowered in ("", "no", "false", "false()", "0"):
        return False
    return None


class _Mapper:
    """Turns pyxform's nested form into a SurveyDefinition."""

    def __init__(self, form: dict, data: DefinitionData, rows: _SurveyRows,
                 fallback_language: str, *, left_out: set[str]):
        self.form, self.rows, self.left_out = form, rows, left_out
        self.inline_choices: dict[str, list[Choice]] = {}  # question name -> its choices
        settings = {k.lower(): v for k, v in ((data.settings or [{}])[0] or {}).items()}
        self.settings = settings
        self.languages: list[str] = []
        default_name = settings.get("default_language")
        self.default = None
        if default_name and default_name != _PYXFORM_DEFAULT:
            self.default = self.code(default_name, "settings", "default_language")
        for sheet, header in (("survey", data.survey_header), ("choices", data.choices_header)):
            for column in (header or [{}])[0]:
                base, sep, name = column.partition("::")
                if sep and base.strip().lower() in _TRANSLATABLE:
                    self.code(name.strip(), sheet, column)
        if self.default is None:
            self.default = fallback_language if self._uses_default() else (
                self.languages[0] if self.languages else fallback_language)
        if self.default not in self.languages:
            self.languages.insert(0, self.default)

    def code(self, name: str, sheet: str, column: str) -> str:
        if name == _PYXFORM_DEFAULT:
            return self.default
        code = _language_code(name)
        if code is None:
            raise refusal(sheet, 1, column, "unknown_language",
                               {"language": name, "column": column.partition("::")[0] + "::"
                                + name})
        if code not in self.languages:
            self.languages.append(code)
        return code

    def _uses_default(self) -> bool:
        """Does any text sit in an unsuffixed column (pyxform's "default" language)?"""
        def walk(node) -> bool:
            if isinstance(node, dict):
                return any(key in _TRANSLATABLE + ("jr:constraintMsg", "jr:requiredMsg")
                           and (isinstance(value, str) or _PYXFORM_DEFAULT in value)
                           or walk(value) for key, value in node.items())
            if isinstance(node, list):
                return any(walk(item) for item in node)
            return False
        return walk(self.form.get("children", [])) or walk(self.form.get("choices", {}))

    def texts(self, value, column: str = "label") -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, str):
            return {self.default: value}
        texts: dict[str, str] = {}
        # Suffixed columns win over unsuffixed ones in the same language, as in pyxform.
        for name, text in sorted(value.items(), key=lambda kv: kv[0] != _PYXFORM_DEFAULT):
            if text:
                texts[self.code(name, "survey", f"{column}::{name}")] = text
        return texts

    def definition(self) -> SurveyDefinition:
        form = self.form
        items = self.items(form.get("children", []))
        choice_lists: dict[str, list[Choice]] = {}
        for list_name, choices in (form.get("choices") or {}).items():
            choice_lists[list_name] = [self.choice(choice) for choice in choices]
        # pyxform only lists choices at the top when some question filters them.
        for _, item in iter_items(items):
            if (isinstance(item, Question) and item.choice_list
                    and item.choice_list not in choice_lists):
                choice_lists[item.choice_list] = self.inline_choices[item.name]
        title = self.settings.get("form_title")
        titles = self.texts(form.get("title")) if isinstance(form.get("title"), dict) else {}
        if title:
            titles[self.default] = title
        form_id = str(form.get("id_string") or "survey")
        return SurveyDefinition(
            form_id=form_id, title=titles or {self.default: form_id},
            version=str(form.get("version") or ""), default_language=self.default,
            languages=self.languages, items=items, choice_lists=choice_lists)

    def items(self, children: Iterable[dict]) -> list[Item]:
        items: list[Item] = []
        children = list(children)
        counts = self.generated_counts(children)
        for child in children:
            type_ = child.get("type")
            if child.get("name") in counts.values():
                continue  # folded back into its repeat's repeat_count
            if type_ == "group" and child.get("control", {}).get("bodyless"):
                continue  # pyxform's generated meta group (instanceID)
            if type_ in _IGNORED_TYPES or child.get("name") in self.left_out:
                continue
            if type_ in ("group", "repeat"):
                items.append(Group(
                    name=child["name"], label=self.texts(child.get("label")),
                    appearance=child.get("control", {}).get("appearance"),
                    relevant=self.expression(child, "relevant"),
                    children=self.items(child.get("children", [])),
                    repeat=type_ == "repeat",
                    repeat_count=(self.generated_count(children, child) if child["name"] in counts
                                  else self.expression(child, "jr:count"))))
            else:
                items.append(self.question(child))
        return items

    def generated_counts(self, children: list[dict]) -> dict[str, str]:
        """Repeat name -> the calculate pyxform made of a repeat_count that is not a bare
        ${reference} (``<repeat>_count``, no row of its own): the count is the repeat's."""
        names = {child.get("name") for child in children if child.get("type") == "calculate"
                 and self.rows.row_of(child.get("name")) is None}
        return {child["name"]: f"{child['name']}_count" for child in children
                if child.get("type") == "repeat" and f"{child['name']}_count" in names
                and child.get("control", {}).get("jr:count") == f"${{{child['name']}_count}}"}

    def generated_count(self, children: list[dict], repeat: dict) -> str | None:
        calculate = next(child for child in children if child.get("name") == f"{repeat['name']}_count")
        return self.expression({**calculate, "name": repeat["name"]}, "calculate")

    def question(self, child: dict) -> Question:
        name = child["name"]
        bind = child.get("bind", {})
        control = child.get("control", {})
        type_ = _SELECT_TYPES.get(child["type"]) or _SUPPORTED_TYPES.get(child["type"])
        if type_ is None:  # a type pyxform produced that the row scan did not foresee
            raise refusal("survey", self.rows.row_of(name), "type", "unsupported_type",
                               {"type": child["type"]})
        role = child.get("role") or None
        if type_ == "text" and role == "geography":
            type_ = "geography"
        list_name = child.get("list_name") or child.get("itemset")
        if type_ in SELECT_TYPES and list_name:
            self.inline_choices[name] = [self.choice(c) for c in child.get("choices", [])]
        required = _required(str(bind.get("required", "")))
        return Question(
            name=name, type=type_, label=self.texts(child.get("label")),
            hint=self.texts(child.get("hint"), "hint"), required=bool(required),
            required_message=self.texts(bind.get("jr:requiredMsg"), "required_message"),
            relevant=self.expression(child, "relevant"),
            constraint=self.expression(child, "constraint"),
            constraint_message=self.texts(bind.get("jr:constraintMsg"), "constraint_message"),
            choice_list=list_name if type_ in SELECT_TYPES else None,
            choice_filter=self.expression(child, "choice_filter"),
            appearance=control.get("appearance"), role=role,
            calculation=(_literal(child.get("default")) if child["type"] == "hidden"
                         else self.expression(child, "calculate") if type_ == "calculate" else None),
            default=None if child["type"] == "hidden" else _default(child.get("default")),
            read_only=_required(str(bind.get("readonly", ""))) is True,
            parameters={k: str(v) for k, v in (child.get("parameters") or {}).items()} if type_ == "range" else {})

    def expression(self, child: dict, column: str) -> str | None:
        source = (child.get(column) if column == "choice_filter"
                  else child.get("control", {}).get(column) if column == "jr:count"
                  else child.get("bind", {}).get(column))
        if not source:
            return None
        # pyxform writes the relevance of an or_other question as a relative path.
        match = _OR_OTHER.fullmatch(source)
        if match and child["name"] == f"{match.group(1)}_other":
            source = f"selected(${{{match.group(1)}}}, 'other')"
        try:
            parse(source)
        except ExpressionError as err:
            name = child["name"]
            row = self.rows.row_of(name) or self.rows.row_of(name.removesuffix("_other"))
            raise refusal("survey", row, column, "bad_expression",
                               {"column": column, "error": str(err)}) from None
        return source

    def choice(self, raw: dict) -> Choice:
        attributes = {key: str(value) for key, value in raw.items()
                      if key not in ("name", "label", "media")}
        return Choice(name=str(raw["name"]), label=self.texts(raw.get("label")),
                      attributes=attributes)


# --- Export ---------------------------------------------------------------------------


def export_xlsform(defn: SurveyDefinition) -> bytes:
    """Write the definition as an XLSForm workbook that ``import_xlsform`` reads back."""
    workbook = Workbook()
    workbook.active.title = "survey"
    _write_survey_sheet(workbook.active, defn)
    _write_choices_sheet(workbook.create_sheet("choices"), defn)
    _write_settings_sheet(workbook.create_sheet("settings"), defn)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _translated(field_name: str, defn: SurveyDefinition) -> list[str]:
    return [f"{field_name}::{_column_name(code)}" for code in defn.languages]


def _write_survey_sheet(sheet, defn: SurveyDefinition) -> None:
    sheet.append(["type", "name"] + _translated("label", defn) + _translated("hint", defn)
                 + ["required"] + _translated("required_message", defn)
                 + ["relevant", "constraint"] + _translated("constraint_message", defn)
                 + ["choice_filter", "appearance", "role", "calculation", "default", "read_only", "parameters",
                    "repeat_count"])

    def texts(values: dict[str, str]) -> list[str | None]:
        return [values.get(code) for code in defn.languages]

    none = [None] * len(defn.languages)

    def write(items: list[Item]) -> None:
        for item in items:
            if isinstance(item, Group):
                kind = "repeat" if item.repeat else "group"
                sheet.append([f"begin_{kind}", item.name, *texts(item.label), *none, None,
                              *none, item.relevant, None, *none, None, item.appearance, None,
                              None, None, None, None, item.repeat_count])
                write(item.children)
                sheet.append([f"end_{kind}"])
            else:
                sheet.append([
                    _export_type(item), item.name, *texts(item.label), *texts(item.hint),
                    "yes" if item.required else None, *texts(item.required_message),
                    item.relevant, item.constraint, *texts(item.constraint_message),
                    item.choice_filter, item.appearance, item.role, item.calculation, item.default,
                    "yes" if item.read_only else None,
                    " ".join(f"{k}={v}" for k, v in item.parameters.items()) or None])

    write(defn.items)


def _write_choices_sheet(sheet, defn: SurveyDefinition) -> None:
    extra = sorted({key for lst in defn.choice_lists.values() for c in lst for key in c.attributes})
    sheet.append(["list_name", "name"] + _translated("label", defn) + extra)
    for list_name, items in defn.choice_lists.items():
        for choice in items:
            sheet.append([list_name, choice.name] + [choice.label.get(code) for code in defn.languages]
                         + [choice.attributes.get(key) for key in extra])


def _write_settings_sheet(sheet, defn: SurveyDefinition) -> None:
    other_titles = [code for code in defn.languages if code != defn.default_language]
    # Cascading selects may repeat a choice name under different parents (see
    # choice_filter_test.xlsx); pyxform refuses that unless the form says it is meant.
    duplicates = any(len({c.name for c in lst}) < len(lst) for lst in defn.choice_lists.values())
    sheet.append(["form_id", "version", "default_language", "allow_choice_duplicates", "form_title"]
                 + [f"form_title::{_column_name(code)}" for code in other_titles])
    sheet.append([defn.form_id, defn.version, _column_name(defn.default_language),
                  "yes" if duplicates else None, defn.title.get(defn.default_language)]
                 + [defn.title.get(code) for code in other_titles])


def _export_type(question: Question) -> str:
    if question.type in SELECT_TYPES:
        return f"{question.type} {question.choice_list}"
    # consent is ODK's acknowledge; a geography question is a text question with the
    # geography role (see the module docstring).
    return {"consent": "acknowledge", "geography": "text"}.get(question.type, question.type)
