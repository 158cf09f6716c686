"""Import and export XLSForm workbooks (the ODK spreadsheet format).

Import reads the workbook (.xlsx or .xls, or pyxform's CSV form) with the one table reader (``voice.tables``) into
the rows pyxform expects, and pyxform's ``workbook_to_json`` gives the nested form (header
case, aliases, ``label::Language (code)`` columns and the spellings of ``begin group`` are
its business). Two passes over that:

1. The raw ``survey`` rows, in spreadsheet order, refuse what we do not support (repeats,
   external choices...) naming the row the author sees (the header is
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
select_multiple (also ``or_other``) and rank map to the same types; ``acknowledge`` is ``consent``; a
``trigger`` is a ``trigger`` (one "OK" box, stored as OK);
``text`` with ``role`` = ``geography`` is a ``geography`` question (the extra ``role``
column, which ODK ignores, carries ``geography`` or ``group:<key>``). ``start``, ``end``
and ``today`` are dropped: a Response records its own timestamps. Phone numbers and device
or user identifiers are left out with a notice (we do not collect contact details through
survey questions: DESIGN.md's privacy rules); so are photo, sound, video and file questions
and drawings (``signature``, ``draw``, ``annotate``), which can identify a resident; so is an
OpenMapKit (``osm``) question. ``barcode`` is typed as text. ``gps`` and ``location`` are
``geopoint``; a ``hidden`` field is kept as a calculation of its default. ``begin repeat`` is
a repeat group (nested ones too), its ``repeat_count`` (``jr:count``) an expression.
``select_one_external`` takes its choices from the ``external_choices`` sheet as an ordinary
choice list (named ``<list>_external`` when the choices sheet has a list of that name too),
extra columns and all, so that its choice filter works online and offline. ``begin loop over
<list>`` becomes a group with one group per choice (``<loop>_<choice>``), its questions named
``<loop>_<choice>_<question>`` (see ``_expanded_loop``).

The files a form names come with it (``attachments``, by file name; only those it names are
read). ``select_*_from_file`` reads its choices from the attached CSV or XML file, named after
the file, which the definition remembers (``choice_files``) so that an export writes it back;
the CSV files that ``pulldata()`` reads are kept with the definition (``data_files``); a file
the form names for these and that is not attached, or cannot be read, refuses the form at its
row. The media columns of labels and choices (``image``, ``big-image``, ``audio``, ``video``,
also ``media::image::Language (xx)``) name image, sound and video files (``voice.surveys.media``
checks them); a name with no file is a notice and the label keeps its text.

Everything else is refused: geo traces and shapes, GeoJSON choice files; a
``required`` that is an
expression rather than yes/no. Unknown columns are ignored, as ODK does.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from openpyxl import Workbook
from pyxform import aliases as pyxform_aliases
from pyxform.constants import LIST_NAME_S, SUPPORTED_SHEET_NAMES
from pyxform.errors import PyXFormError
from pyxform.question import Option
from pyxform.xls2json import dealias_and_group_headers, group_dictionaries_by_key, workbook_to_json
from pyxform.xls2json_backends import DefinitionData

from ..intake.definition import (
    MEDIA_KINDS,
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
from .media import MAX_MEDIA_BYTES, MediaFile, media_file
from .attachments import AttachmentError, Records, pulldata_files, read_attachment, write_attachment

__all__ = ["LANGUAGE_NAMES", "MESSAGES", "XLSFormImport", "export_attachments", "export_xlsform",
           "import_xlsform", "read_xlsform", "refusal"]

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
    "media_missing": N_("The file %(file)s was not uploaded with the form: the text is shown "
                        "without it."),
    "media_type": N_("The file %(file)s is not an image, a sound or a video that the survey can "
                     "show (PNG, JPEG, GIF, WebP, MP3, WAV, Ogg, FLAC, MP4 or WebM)."),
    "media_too_big": N_("The file %(file)s is larger than %(megabytes)d MB."),
    "missing_attachment": N_("%(type)s needs the file %(file)s: attach it with the form."),
    "bad_attachment": N_("The attached file %(file)s cannot be read: %(detail)s"),
    "attachment_column": N_("The attached file %(file)s has no %(column)s column."),
    "contact_details": N_("%(type)s questions collect contact or device details, which "
                          "surveys do not store: this row is left out of the survey."),
    "media_capture": N_("%(type)s questions record photos, drawings, sound, video or files, which "
                        "can identify a resident and which surveys do not store: this row is left "
                        "out of the survey."),
    "map_feature": N_("%(type)s questions draw a map feature in the OpenMapKit app, which surveys "
                      "here cannot open: this row is left out of the survey."),
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
    "barcode": "barcode",  # typed: the tablet has no scanner
    "trigger": "trigger",
}
_IGNORED_TYPES = ("start", "end", "today")
_TABLE_LIST_HEADER = "reserved_name_for_field_list_labels_"
# A photo, a recording, a drawing (a signature) or a file can identify a resident: such a row
# is left out with a notice, as contact details are (DESIGN.md's privacy rule).
_CAPTURE_TYPES = ("image", "photo", "audio", "video", "file", "background-audio", "background-video")
_CAPTURE_APPEARANCES = ("signature", "draw", "annotate")
_CONTACT_TYPES = ("phone number", "phonenumber", "deviceid", "device id", "subscriberid",
                  "simserial", "username", "email", "audit", "imei", "start-geopoint")
_SELECT_TYPES = {"select_one": "select_one", "select one": "select_one",
                 "select1": "select_one", "select_multiple": "select_multiple",
                 "select all that apply": "select_multiple",
                 "select multiple": "select_multiple", "rank": "rank"}
_FILE_SELECTS = ("select_one_from_file", "select_multiple_from_file",
                 "select one from file", "select multiple from file")
_FILE_SUFFIXES = (".csv", ".xml")
# Choices from the form's own external_choices sheet (ODK reads them from a CSV it writes):
# they become an ordinary choice list, so that the tablet has them offline.
_EXTERNAL_SHEET_SELECTS = ("select_one_external", "select one external")
_OR_OTHER = re.compile(r"selected\(\.\./([A-Za-z_][A-Za-z0-9_.\-]*), 'other'\)")
_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
# pyxform (and so ODK) reads no further than a run of 60 blank rows.
PYXFORM_BLANK_ROWS_END_A_SHEET = 60
_PYXFORM_SHEET = re.compile(r"[Oo]n the '(\w+)' sheet")


@dataclass(frozen=True)
class XLSFormImport:
    """A validated definition, and the rows it leaves out, each with the notice that says why."""

    definition: SurveyDefinition
    left_out: list[Problem]  # also each media file the form names but that was not uploaded
    media: list[MediaFile] = dataclasses.field(default_factory=list)  # those its labels show


def read_xlsform(source: str | PathLike | bytes, *, fallback_language: str = "en",
                 filename: str = "", attachments: Mapping[str, bytes] | None = None) -> XLSFormImport:
    """Read an XLSForm workbook (.xlsx or .xls) into a validated SurveyDefinition, or raise Invalid.

    ``fallback_language`` is the language of unsuffixed ``label``/``hint`` columns when
    the settings sheet names no ``default_language`` (usually the campaign's language). A form
    whose settings name no ``form_id`` takes the name of its file, as pyxform does.
    ``attachments`` are the files that come with it, by file name: the choices of
    ``select_one_from_file``, the tables of ``pulldata()`` and the media of labels and choices;
    only those it names are read. A media file it names but that is missing is left out of
    the label with a notice.
    """
    content, path_name = _read_bytes(source)
    filename = filename or path_name
    data = _read_sheets(content, filename)
    data = dataclasses.replace(data, fallback_form_name=_form_name(filename))
    rows = _survey_rows(data)
    attached = _attached_files(rows, attachments or {})
    left_out = _refuse_unsupported(rows, data)
    files, missing = _media_files(data, attachments or {})
    form = _to_json(data)
    defn = _Mapper(form, data, rows, fallback_language, left_out=set(left_out), attached=attached,
                   media_names=set(files)).definition()
    used = _media_used(defn)
    defn.attachments = {name: files[name].sha256 for name in sorted(used)}
    _refuse_unlabelled(defn, rows)
    for problem in validate_definition(defn):
        # Point a duplicate at its second use: the first is where the author meant it.
        occurrence = 1 if problem.code == "duplicate_name" else 0
        row = rows.row_of(problem.params.get("name"), occurrence)
        raise refusal("survey", row, None, problem.code, dict(problem.params))
    return XLSFormImport(defn, list(left_out.values()) + missing, [files[name] for name in sorted(used)])


def _media_references(data: DefinitionData) -> Iterable[tuple[str, int, str, str]]:
    """(sheet, row, column as the author spelt it, file name) of every media column's cell."""
    for sheet, rows in (("survey", data.survey), ("choices", data.choices)):
        for index, row in enumerate(rows or []):
            for column, value in row.items():
                if value and _media_kind(column):
                    yield sheet, index + 2, column, value.strip()


def _media_kind(column: str) -> str | None:
    """``image``, ``media::audio::English (en)``, ``big-image::he`` -> the kind; else None."""
    parts = [part.strip().lower() for part in column.split("::")]
    if parts[0] == "media" and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts[0] in MEDIA_KINDS else None


def _media_files(data: DefinitionData, uploaded: Mapping[str, bytes]) -> tuple[dict[str, MediaFile], list[Problem]]:
    """The uploaded files the form names, each checked, and a notice for each name with no file;
    a file that is no image, sound or video, or too big, refuses the whole form."""
    files: dict[str, MediaFile] = {}
    missing: list[Problem] = []
    for sheet, number, column, name in _media_references(data):
        if name in files:
            continue
        if name not in uploaded:
            missing += refusal(sheet, number, column, "media_missing", {"file": name}).problems
            continue
        checked = media_file(name, uploaded[name])
        if isinstance(checked, str):
            raise refusal(sheet, number, column, checked,
                          {"file": name, "megabytes": MAX_MEDIA_BYTES // (1024 * 1024)})
        files[name] = checked
    return files, missing


def _media_used(defn: SurveyDefinition) -> set[str]:
    """The file names the definition's labels and choices show."""
    holders = [*iter_questions(defn), *(choice for choices in defn.choice_lists.values() for choice in choices)]
    return {name for holder in holders for files in holder.media.values() for name in files.values()}


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


_ONE_ROW_SHEETS = ("settings", "entities")


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
        if name in _ONE_ROW_SHEETS:  # pyxform reads their first row: the padding of a CSV form's lines is not it
            rows = [row for row in rows if row]
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
        leave_out = _left_out_because(raw_type, row.get("appearance", ""))
        if leave_out:
            (notice,) = refusal("survey", number, "type", leave_out, {"type": raw_type.strip()}).problems
            left_out[row.get("name") or raw_type.strip()] = notice
            continue
        _refuse_type("survey", number, raw_type)
    for index, choice in enumerate(data.choices or []):
        _refuse_columns("choices", index + 2, {k.lower(): v for k, v in choice.items()})
    return left_out


def _left_out_because(raw_type: str, appearance: str) -> str | None:
    """The notice code of a row the survey leaves out (contact details, media capture), else None."""
    type_ = _normalise_type(raw_type)
    if type_.removeprefix("uri:") in _CONTACT_TYPES:  # uri:deviceid: pyxform's older spelling
        return "contact_details"
    if type_ in _CAPTURE_TYPES or set(appearance.lower().split()) & set(_CAPTURE_APPEARANCES):
        return "media_capture"
    if type_.split(" ")[0] == "osm":
        return "map_feature"
    return None


def _attached_files(rows: _SurveyRows, attachments: Mapping[str, bytes]) -> dict[str, Records]:
    """The attached files the form reads, by file name: the choices of each
    ``select_*_from_file`` row and the tables of each ``pulldata()``. A file the form names
    that is not attached, or cannot be read, refuses the form at the row that names it."""
    attached: dict[str, Records] = {}
    for number, row in rows.rows:
        raw_type = row.get("type") or ""
        needed = []
        if any(_normalise_type(raw_type).startswith(select + " ") for select in _FILE_SELECTS):
            if not raw_type.lower().rstrip().endswith(_FILE_SUFFIXES):  # a GeoJSON file: no map here
                raise refusal("survey", number, "type", "unsupported_type", {"type": raw_type.strip()})
            needed.append(("type", raw_type.strip(), raw_type.split()[-1]))
        for column, value in row.items():
            needed += [(column, "pulldata()", name) for name in pulldata_files(value or "")]
        for column, what, name in needed:
            if name in attached:
                continue
            if name not in attachments:
                raise refusal("survey", number, column, "missing_attachment", {"type": what, "file": name})
            try:
                attached[name] = read_attachment(name, attachments[name])
            except AttachmentError as err:
                raise refusal("survey", number, column, "bad_attachment",
                              {"file": name, "detail": str(err)}) from None
    return attached


def _refuse_columns(sheet: str, number: int, row: dict[str, str]) -> None:
    for column, value in row.items():
        if not value:
            continue
        base = column.split("::")[0].strip()
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
    if type_.startswith(_BEGIN_LOOP) or type_ in ("end loop", "end_loop"):
        return  # expanded into one group per choice (_expanded_loop)
    if any(type_.startswith(external + " ") for external in _EXTERNAL_SHEET_SELECTS):
        return
    if any(type_.startswith(external + " ") for external in _FILE_SELECTS):
        return  # choices from an attached file (_attached_files)
    if any(type_.startswith(select + " ") for select in _SELECT_TYPES):
        return
    if type_ in _SUPPORTED_TYPES or type_ in _IGNORED_TYPES:
        return
    if type_ in _KNOWN_UNSUPPORTED:
        raise refuse("unsupported_type")
    raise refuse("unknown_type")


_BEGIN_LOOP = ("begin loop over ", "begin_loop over ")
_KNOWN_UNSUPPORTED = ("geotrace", "geoshape", "background-geopoint",
                      "xml-external", "csv-external")


def _to_json(data: DefinitionData) -> dict:
    try:
        return workbook_to_json(workbook_dict=data, fallback_form_name=data.fallback_form_name, warnings=[])
    except PyXFormError as err:
        raise _from_pyxform(err) from None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        # pyxform assumes well-formed sheets in places; a malformed one must still end
        # as a refusal the author can read, never as a traceback.
        raise refusal("survey", None, None, "pyxform", {"detail": repr(err)}) from None


def _external_choices_sheet(data: DefinitionData) -> dict[str, list[dict]]:
    """The external_choices sheet by list name, its headers read as pyxform reads the choices
    sheet's (aliases, ``label::language``); extra columns stay, for choice filters."""
    if not data.external_choices:
        return {}
    sheet = dealias_and_group_headers(
        sheet_name="external_choices", sheet_data=data.external_choices,
        sheet_header=data.external_choices_header, header_aliases=pyxform_aliases.list_header,
        header_columns=set(Option.get_slot_names()), default_language=_PYXFORM_DEFAULT)
    return group_dictionaries_by_key(list_of_dicts=sheet.data, key=LIST_NAME_S)


_LOOP_TEXTS = ("label", "hint", "jr:constraintMsg", "jr:requiredMsg")
_LOOP_SUBSTITUTION = re.compile(r"%\((name|label)\)s")
_REFERENCE = re.compile(r"\$\{([^}\s]+)\}")


def _expanded_loop(loop: dict) -> dict:
    """pyxform's ``begin loop over <list>`` as a group holding one group per choice of the list
    (but ``none``, as pyxform), named ``<loop>_<choice>`` and labelled with the choice. ODK
    tells the rounds' questions apart by their path; we need unique names, so each question is
    ``<loop>_<choice>_<question>`` and a ``${question}`` inside a round points to that round's
    own. ``%(name)s`` and ``%(label)s`` in texts and expressions become the choice's."""
    rounds = []
    for column in loop.get("columns", []):
        if column["name"] == "none":
            continue
        prefix = f"{loop['name']}_{column['name']}"
        renames = {name: f"{prefix}_{name}" for name in _node_names(loop.get("children", []))}
        children = [_loop_round(child, column, renames) for child in loop.get("children", [])]
        rounds.append({"type": "group", "name": prefix, "label": column.get("label"), "children": children})
    return {**{key: value for key, value in loop.items() if key != "columns"}, "type": "group",
            "children": rounds}


def _node_names(children: list[dict]) -> Iterable[str]:
    for child in children:
        yield child["name"]
        yield from _node_names(child.get("children", []))


def _loop_round(node, column: dict, renames: dict[str, str], language: str | None = None):
    """A copy of a loop's question (or group) for one choice (see ``_expanded_loop``)."""
    if isinstance(node, list):
        return [_loop_round(item, column, renames, language) for item in node]
    if isinstance(node, str):
        label = column.get("label")
        if isinstance(label, dict):
            label = label.get(language) or next(iter(label.values()), "")
        values = {"name": column["name"], "label": label or column["name"]}
        text = _LOOP_SUBSTITUTION.sub(lambda match: str(values[match.group(1)]), node)
        return _REFERENCE.sub(lambda match: "${%s}" % renames.get(match.group(1), match.group(1)), text)
    if not isinstance(node, dict):
        return node
    copy = {}
    for key, value in node.items():
        if key == "name":
            copy[key] = renames.get(value, value)
        elif key in _LOOP_TEXTS and isinstance(value, dict):  # {pyxform language: text}
            copy[key] = {name: _loop_round(text, column, renames, name) for name, text in value.items()}
        else:
            copy[key] = _loop_round(value, column, renames, language)
    return copy


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
                 fallback_language: str, *, left_out: set[str], attached: dict[str, Records],
                 media_names: set[str]):
        self.form, self.rows, self.left_out, self.media_names = form, rows, left_out, media_names
        # Rows the survey does not keep: a label's ${reference} to one shows nothing, so it is
        # dropped from the text (an export would otherwise name a question that is not there).
        self.not_kept = left_out | {row.get("name") for _number, row in rows.rows
                                    if _normalise_type(row.get("type") or "") in _IGNORED_TYPES}
        self.attached = attached
        self.file_lists: dict[tuple[str, str, str], str] = {}  # (file, value, label column) -> list
        self.file_choices: dict[str, list[Choice]] = {}
        self.inline_choices: dict[str, list[Choice]] = {}  # question name -> its choices
        # external_choices sheet: its list names -> the names of their choice lists here
        self.external_lists: dict[str, str] = {}
        self.external_choices: dict[str, list[dict]] = _external_choices_sheet(data)
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
            return {self.default: self.kept_references(value)}
        texts: dict[str, str] = {}
        # Suffixed columns win over unsuffixed ones in the same language, as in pyxform.
        for name, text in sorted(value.items(), key=lambda kv: kv[0] != _PYXFORM_DEFAULT):
            if text:
                texts[self.code(name, "survey", f"{column}::{name}")] = self.kept_references(text)
        return texts

    def kept_references(self, text: str) -> str:
        kept = _REFERENCE.sub(lambda found: "" if found.group(1) in self.not_kept else found.group(0), text)
        return kept if kept == text else kept.strip()  # as a spreadsheet cell reads back

    def definition(self) -> SurveyDefinition:
        form = self.form
        items = self.items(form.get("children", []))
        choice_lists: dict[str, list[Choice]] = {}
        for list_name, choices in (form.get("choices") or {}).items():
            choice_lists[list_name] = [self.choice(choice) for choice in choices]
        for sheet_name, list_name in self.external_lists.items():
            choice_lists[list_name] = [self.choice(choice) for choice in self.external_choices[sheet_name]]
        choice_lists.update(self.file_choices)
        choice_files = {list_name: file for (file, _value, _label), list_name in self.file_lists.items()}
        pulled = {name for _number, row in self.rows.rows for text in row.values()
                  for name in pulldata_files(text or "")}
        data_files = {name: records for name, records in self.attached.items() if name in pulled}
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
            languages=self.languages, items=items, choice_lists=choice_lists,
            choice_files=choice_files, data_files=data_files)

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
            if child.get("name", "").startswith(_TABLE_LIST_HEADER):
                continue  # pyxform's header row of a table-list group: choice labels, no answer
            if type_ == "loop":
                child, type_ = _expanded_loop(child), "group"
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
                question = self.question(child)
                if question.type == "note" and not (question.label or question.hint or question.media):
                    continue  # a note that only showed a media file not uploaded (its notice says so)
                items.append(question)
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
        if child["type"] == "select one external":
            type_ = "select_one"
        if type_ is None:  # a type pyxform produced that the row scan did not foresee
            raise refusal("survey", self.rows.row_of(name), "type", "unsupported_type",
                               {"type": child["type"]})
        role = child.get("role") or None
        if type_ == "text" and role == "geography":
            type_ = "geography"
        list_name = child.get("list_name") or child.get("itemset")
        if child["type"] == "select one external":
            list_name = self.external_list(list_name)
        elif type_ in SELECT_TYPES and str(list_name).lower().endswith(_FILE_SUFFIXES):
            list_name = self.file_list(child)
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
            parameters={k: str(v) for k, v in (child.get("parameters") or {}).items()} if type_ == "range" else {},
            media=self.media(child.get("media")))

    def external_list(self, sheet_name: str) -> str:
        """The choice list an external_choices list becomes: its own name, or
        ``<name>_external`` when the choices sheet has a list of that name too."""
        if sheet_name not in self.external_lists:
            taken = set(self.form.get("choices") or {}) | set(self.external_lists.values())
            list_name = sheet_name
            while list_name in taken:
                list_name += "_external"
            self.external_lists[sheet_name] = list_name
        return self.external_lists[sheet_name]

    def file_list(self, child: dict) -> str:
        """The choice list of a ``select_*_from_file`` question: the rows of its attached
        file, ``name`` and ``label`` columns (or those its ``parameters`` value= and label=
        name), the other columns kept for choice filters. Named after the file."""
        file = child["itemset"]
        parameters = child.get("parameters") or {}
        key = (file, parameters.get("value", "name"), parameters.get("label", "label"))
        if key not in self.file_lists:
            taken = set(self.form.get("choices") or {}) | set(self.external_lists.values()) | set(
                self.file_lists.values())
            list_name = _form_name(file) or "choices"
            while list_name in taken:
                list_name += "_file"
            self.file_choices[list_name] = self.file_rows_as_choices(child, *key)
            self.file_lists[key] = list_name
        return self.file_lists[key]

    def file_rows_as_choices(self, child: dict, file: str, value: str, label: str) -> list[Choice]:
        records = self.attached[file]
        columns = list(dict.fromkeys(column for record in records for column in record))
        labels = {column: column.partition("::")[2].strip() for column in columns
                  if column == label or column.lower().startswith(label.lower() + "::")}
        for needed, present in ((value, value in columns), (label, bool(labels))):
            if not present:
                raise refusal("survey", self.rows.row_of(child["name"]), "type", "attachment_column",
                              {"file": file, "column": needed})
        choices = []
        for record in records:
            if not record.get(value):
                continue
            texts = {(language or _PYXFORM_DEFAULT): record.get(column, "") for column, language in labels.items()}
            choices.append(Choice(
                name=record[value], label=self.texts({name: text for name, text in texts.items() if text}),
                attributes={column: text for column, text in record.items()
                            if column != value and column not in labels}))
        return choices

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
                      attributes=attributes, media=self.media(raw.get("media")))

    def media(self, value: dict | None) -> dict[str, dict[str, str]]:
        """{kind: {language: file}} of the files that came with the form (notices name the rest)."""
        media = {}
        for kind, files in (value or {}).items():
            found = {language: name.strip() for language, name in self.texts(files, kind).items()
                     if name.strip() in self.media_names}
            if kind in MEDIA_KINDS and found:
                media[kind] = found
        return media


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


def _media_columns(holders: Iterable[Question | Choice], defn: SurveyDefinition) -> list[tuple[str, str]]:
    """(kind, language) of each media column the questions or choices need, as ``image::English (en)``."""
    used = {(kind, code) for holder in holders for kind, files in holder.media.items() for code in files}
    return [(kind, code) for kind in MEDIA_KINDS for code in defn.languages if (kind, code) in used]


def _media_cells(holder: Question | Choice, columns: list[tuple[str, str]]) -> list[str | None]:
    return [holder.media.get(kind, {}).get(code) for kind, code in columns]


def _write_survey_sheet(sheet, defn: SurveyDefinition) -> None:
    media = _media_columns(iter_questions(defn), defn)
    sheet.append(["type", "name"] + _translated("label", defn) + _translated("hint", defn)
                 + ["required"] + _translated("required_message", defn)
                 + ["relevant", "constraint"] + _translated("constraint_message", defn)
                 + ["choice_filter", "appearance", "role", "calculation", "default", "read_only", "parameters",
                    "repeat_count"]
                 + [f"{kind}::{_column_name(code)}" for kind, code in media])

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
                    _file_select_type(item, defn) or _export_type(item), item.name,
                    *texts(item.label), *texts(item.hint),
                    "yes" if item.required else None, *texts(item.required_message),
                    item.relevant, item.constraint, *texts(item.constraint_message),
                    item.choice_filter, item.appearance, item.role, item.calculation, item.default,
                    "yes" if item.read_only else None,
                    " ".join(f"{k}={v}" for k, v in item.parameters.items()) or None, None,
                    *_media_cells(item, media)])

    write(defn.items)


def _write_choices_sheet(sheet, defn: SurveyDefinition) -> None:
    # Lists read from an attached file go back to that file (export_attachments).
    lists = {name: choices for name, choices in defn.choice_lists.items() if name not in defn.choice_files}
    extra = sorted({key for lst in lists.values() for c in lst for key in c.attributes})
    media = _media_columns((choice for lst in lists.values() for choice in lst), defn)
    sheet.append(["list_name", "name"] + _translated("label", defn) + extra
                 + [f"{kind}::{_column_name(code)}" for kind, code in media])
    for list_name, items in lists.items():
        for choice in items:
            sheet.append([list_name, choice.name] + [choice.label.get(code) for code in defn.languages]
                         + [choice.attributes.get(key) for key in extra] + _media_cells(choice, media))


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


def _file_select_type(question: Question, defn: SurveyDefinition) -> str | None:
    """``select_one_from_file regions.csv`` for a question whose choices came from a file."""
    file = defn.choice_files.get(question.choice_list or "")
    return f"{question.type}_from_file {file}" if file and question.type in SELECT_TYPES else None


def export_attachments(defn: SurveyDefinition) -> dict[str, bytes]:
    """The files the exported workbook names, by file name: each choice list read from a file
    (``name``, labels, its other columns) and each table ``pulldata()`` reads."""
    files = {name: write_attachment(name, rows) for name, rows in defn.data_files.items()}
    for list_name, file in defn.choice_files.items():
        # An XML element cannot be called label::English (en): an XML list has one language.
        label_columns = (["label"] if file.lower().endswith(".xml")
                         else _translated("label", defn))
        languages = [defn.default_language] if len(label_columns) == 1 else defn.languages
        files[file] = write_attachment(file, [
            {"name": choice.name,
             **{column: choice.label.get(code, "") for column, code in zip(label_columns, languages)},
             **choice.attributes} for choice in defn.choice_lists.get(list_name, [])])
    return files


def _export_type(question: Question) -> str:
    if question.type in SELECT_TYPES:
        return f"{question.type} {question.choice_list}"
    # consent is ODK's acknowledge; a geography question is a text question with the
    # geography role (see the module docstring).
    return {"consent": "acknowledge", "geography": "text"}.get(question.type, question.type)
