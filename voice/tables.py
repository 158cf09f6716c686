"""Read an uploaded table (CSV, XLSX or XLS) into rows that know the line they came from.

One reader for every tabular upload, so that a file one import accepts, the others accept
too. A CSV may be separated by commas, semicolons (Excel in many European locales) or tabs,
and encoded as UTF-8 (with or without a byte order mark), UTF-16 with a byte order mark, or
Windows-1252 (Excel's "CSV" on Western Windows). Workbooks are recognised by their content,
whatever the file is called. Values come back as the text a person would see in the CSV:
stripped, integer-valued numbers without ".0". Blank rows and trailing blank cells are
dropped. A file that cannot be read raises ``Invalid`` with the problems, located.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import xlrd
from openpyxl import load_workbook

from .problems import Invalid, N_, Problem

XLSX_SIGNATURE = b"PK\x03\x04"  # a zip archive
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound document
WORKBOOK_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}
DELIMITERS = ",;\t"
LEGACY_ENCODING = "cp1252"
SNIFF_LINES = 50
# A run of this many blank rows ends a sheet: sheets formatted down to Excel's millionth row
# would otherwise take seconds to walk. XLSForms pass pyxform's own (shorter) run.
BLANK_ROWS_END_A_SHEET = 1000
# Control characters never appear in a text table: their presence means the bytes are not text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

NOT_TEXT = N_("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")
NOT_CSV = N_("The file cannot be read as CSV: %(error)s")
NOT_WORKBOOK = {"xlsx": N_("The file is not a readable Excel workbook (.xlsx)."),
                "xls": N_("The file is not a readable Excel workbook (.xls).")}
EMPTY = N_("The file is empty: it needs a header row.")
DUPLICATE_COLUMN = N_("The column %(column)s appears twice.")


@dataclass(frozen=True)
class Row:
    """One non-blank row: its CSV line (or spreadsheet row number) and its cells, stripped."""

    line: int
    cells: tuple[str, ...]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


@dataclass(frozen=True)
class Table:
    """The header (the first non-blank row) and the rows under it.

    ``sheet`` names a workbook's sheet; ``delimiter`` is a CSV file's separator.
    """

    header: tuple[str, ...]
    rows: tuple[Row, ...]
    sheet: str | None = None
    delimiter: str | None = None

    @property
    def decimal_comma(self) -> bool:
        """Excel separates with semicolons where the comma is the decimal mark: 71,5 is 71.5."""
        return self.delimiter == ";"

    def records(self, name: Callable[[str], str] = str.lower) -> list[tuple[int, dict[str, str]]]:
        """Each row as (line, {name(column title): value}), "" where the row is short."""
        names = [name(title) for title in self.header]
        return [(row.line, {key: row.cell(index) for index, key in enumerate(names)}) for row in self.rows]

    def overflowing(self) -> list[Row]:
        """Rows with more cells than the header has columns (often an unquoted separator)."""
        return [row for row in self.rows if len(row.cells) > len(self.header)]


def read_table(data: bytes, filename: str = "") -> Table:
    """The CSV file, or the first sheet of a workbook; refuses a file without a header."""
    table = next(iter(read_sheets(data, filename).values()))
    if not table.header:
        raise Invalid([Problem("empty", EMPTY, sheet=table.sheet)])
    return table


def read_sheets(data: bytes, filename: str = "", *,
                blank_rows_end: int = BLANK_ROWS_END_A_SHEET) -> dict[str, Table]:
    """Every sheet of a workbook by name, in order (a CSV file is one sheet named "")."""
    kind = _kind(data, filename)
    if kind == "csv":
        return {"": read_csv(data)}
    named_rows = (_xlsx_sheets if kind == "xlsx" else _xls_sheets)(data, blank_rows_end)
    tables, problems = {}, []
    for name, rows in named_rows:
        try:
            tables[name] = table_of(rows, sheet=name)
        except Invalid as invalid:
            problems.extend(invalid.problems)
    if problems:
        raise Invalid(problems)
    return tables


def read_csv(data: bytes) -> Table:
    """A CSV file in any of the separators and encodings above; refuses one without a header."""
    rows, delimiter = csv_rows(data)
    table = table_of(rows)
    if not table.header:
        raise Invalid([Problem("empty", EMPTY)])
    return dataclasses.replace(table, delimiter=delimiter)


def csv_rows(data: bytes) -> tuple[list[tuple[int, list[str]]], str]:
    """Every row of a CSV file with the line it starts on, and the separator: for a file that
    holds several tables one under another (an XLSForm written as CSV)."""
    text = decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, cells))  # a quoted value may span lines: a row is where it starts
            start = reader.line_num + 1
    except csv.Error as error:
        raise Invalid([Problem("not_csv", NOT_CSV, {"error": str(error)}, line=reader.line_num)])
    return rows, delimiter


def decode(data: bytes) -> str:
    """The text of a file in UTF-8, UTF-16 with a byte order mark, or Windows-1252."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", LEGACY_ENCODING):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not CONTROL.search(text):
            return text
        break  # binary content decodes in some encoding, yet it is not text
    raise Invalid([Problem("not_text", NOT_TEXT)])


def _kind(data: bytes, filename: str) -> str:
    if data.startswith(XLSX_SIGNATURE):
        return "xlsx"
    if data.startswith(XLS_SIGNATURE):
        return "xls"
    return WORKBOOK_SUFFIXES.get(Path(filename or "").suffix.lower(), "csv")


def _delimiter(text: str) -> str:
    """The Sniffer's choice when the header holds it (separators inside values can fool the
    Sniffer), else the separator the header holds most; a comma for a single column."""
    lines = text.splitlines()[:SNIFF_LINES]
    header = next((line for line in lines if line.strip()), "")
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or too few rows to tell
        sniffed = ""
    if sniffed and sniffed in header:
        return sniffed
    return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def table_of(rows: Iterable[tuple[int, Sequence[Any]]], sheet: str | None = None) -> Table:
    """Header and rows from (line, raw cells), blank rows and trailing blank cells dropped."""
    kept = []
    for line, raw in rows:
        cells = [_text(value) for value in raw]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            kept.append(Row(line, tuple(cells)))
    if not kept:
        return Table((), (), sheet)
    header, *body = kept
    repeated = _repeated(header.cells)
    if repeated:
        raise Invalid([Problem("duplicate_column", DUPLICATE_COLUMN, {"column": title},
                               sheet=sheet, line=header.line, column=title) for title in repeated])
    return Table(header.cells, tuple(body), sheet)


def _repeated(titles: Iterable[str]) -> list[str]:
    """Column titles given more than once (ignoring case, which every import ignores)."""
    seen: set[str] = set()
    repeated: list[str] = []
    for title in titles:
        key = title.casefold()
        if key in seen and title and title not in repeated:
            repeated.append(title)
        seen.add(key)
    return repeated


def _text(value: Any) -> str:
    """A cell as CSV would hold it: 12.0 -> "12", TRUE/FALSE, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"  # Excel shows 15 digits
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _xlsx_sheets(data: bytes, blank_rows_end: int) -> list[tuple[str, list[tuple[int, tuple]]]]:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it drops; only the values matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = []
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()  # some writers store a wrong size, which read-only mode trusts
                sheets.append((sheet.title, _until_blank_run(sheet.iter_rows(values_only=True), blank_rows_end)))
        workbook.close()
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid([Problem("not_workbook", NOT_WORKBOOK["xlsx"])])
    return sheets


def _xls_sheets(data: bytes, blank_rows_end: int) -> list[tuple[str, list[tuple[int, list]]]]:
    try:
        # xlrd writes its warnings to a log file: keep them out of the server's output.
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
    except Exception:  # xlrd raises many kinds for a file that is not a workbook
        raise Invalid([Problem("not_workbook", NOT_WORKBOOK["xls"])])
    return [(sheet.name, _until_blank_run(([_xls_value(cell, book.datemode) for cell in sheet.row(index)]
                                           for index in range(sheet.nrows)), blank_rows_end))
            for sheet in book.sheets()]


def _until_blank_run(rows: Iterable[Sequence[Any]], blank_rows_end: int) -> list[tuple[int, Sequence[Any]]]:
    """The non-blank rows with their numbers, up to a run of ``blank_rows_end`` blank rows."""
    kept, blank_run = [], 0
    for line, values in enumerate(rows, start=1):
        if any(value is not None and value != "" for value in values):
            kept.append((line, values))
            blank_run = 0
        else:
            blank_run += 1
            if blank_run == blank_rows_end:
                break
    return kept


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> Any:
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return None
    return cell.value
