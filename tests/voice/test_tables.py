"""The one table reader: separators, encodings, workbooks, and the files it refuses."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from voice.problems import Invalid
from voice.tables import read_csv, read_sheets, read_table

from ..helpers import SHARED_FIXTURES

PYXFORM = SHARED_FIXTURES / "xlsform" / "pyxform"


def cells(table) -> list[tuple[int, tuple[str, ...]]]:
    return [(row.line, row.cells) for row in table.rows]


def refusal(data: bytes, filename: str = "x.csv") -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as refused:
        read_table(data, filename)
    return [(problem.code, problem.located(lambda template: template)) for problem in refused.value.problems]


@pytest.mark.parametrize("text", [
    "code,name\nA, Alpha \nB,Beta\n",
    "code;name\nA; Alpha \nB;Beta\n",
    "code\tname\nA\t Alpha \nB\tBeta\n",
])
def test_comma_semicolon_and_tab_separated(text):
    table = read_csv(text.encode())
    assert table.header == ("code", "name")
    assert cells(table) == [(2, ("A", "Alpha")), (3, ("B", "Beta"))]


def test_separators_inside_values_do_not_fool_it():
    single_column = read_csv("text\nI pay rent; it is high\nBuses; trains\n".encode())
    assert single_column.header == ("text",) and cells(single_column)[0] == (2, ("I pay rent; it is high",))
    quoted = read_csv('code;name\nA;"Rue de l\'Église, 4"\n'.encode())
    assert cells(quoted) == [(2, ("A", "Rue de l'Église, 4"))]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_excel_writes(encoding):
    table = read_csv("nom;adresse\nCafé Müller;Rue de l’Église\n".encode(encoding))
    assert table.header == ("nom", "adresse")
    assert cells(table) == [(2, ("Café Müller", "Rue de l’Église"))]


def test_blank_rows_and_trailing_cells_are_dropped_and_lines_kept():
    table = read_csv(b"\ncode,name,,\nA,Alpha,,\n\n,,\nB,\"two\nlines\"\nC,Gamma\n\n")
    assert table.header == ("code", "name")
    # The header is on line 2; a quoted value over two lines starts on line 6.
    assert cells(table) == [(3, ("A", "Alpha")), (6, ("B", "two\nlines")), (8, ("C", "Gamma"))]
    assert table.records() == [(3, {"code": "A", "name": "Alpha"}), (6, {"code": "B", "name": "two\nlines"}),
                               (8, {"code": "C", "name": "Gamma"})]


def test_short_and_long_rows():
    table = read_csv(b"Code,Name\nA\nB,Beta,extra\n")
    assert table.records() == [(2, {"code": "A", "name": ""}), (3, {"code": "B", "name": "Beta"})]
    assert [row.line for row in table.overflowing()] == [3]


def xlsx(**sheets) -> bytes:
    """A workbook of these sheets (name=[rows]), as an upload brings it."""
    workbook = Workbook(write_only=True)  # starts without a sheet, and keeps None cells empty
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    with io.BytesIO() as upload:
        workbook.save(upload)
        return upload.getvalue()


def test_xlsx_values_read_as_a_csv_would_hold_them():
    data = xlsx(values=[["indicator", "period", "value", "share", "when", "ok", None],
                        ["kr", 2024, 12.0, 0.715, dt.datetime(2024, 5, 1), True, None],
                        [None, None, None], [" lt ", 2025.0, 3, None, None, False]])
    table = read_table(data, "values.xlsx")
    assert table.sheet == "values" and table.header == ("indicator", "period", "value", "share", "when", "ok")
    assert cells(table) == [(2, ("kr", "2024", "12", "0.715", "2024-05-01", "TRUE")),
                            (4, ("lt", "2025", "3", "", "", "FALSE"))]


def test_every_sheet_of_a_workbook_by_name_whatever_the_file_is_called():
    data = xlsx(survey=[["type", "name"], ["text", "q1"]], choices=[["list_name", "name"]], settings=[])
    sheets = read_sheets(data, "upload.csv")
    assert list(sheets) == ["survey", "choices", "settings"]
    assert cells(sheets["survey"]) == [(2, ("text", "q1"))]
    assert sheets["choices"].rows == () and sheets["settings"].header == ()


def test_xls_workbook():
    path = PYXFORM / "yes_or_no_question.xls"
    if not path.exists():
        pytest.skip(f"the shared XLSForm fixtures are not at {PYXFORM}")
    sheets = read_sheets(path.read_bytes(), path.name)
    assert list(sheets) == ["survey", "choices"]
    assert sheets["survey"].header == ("type", "name", "label:english")
    assert cells(sheets["choices"]) == [(2, ("yes_or_no", "yes", "yes")), (3, ("yes_or_no", "no", "no"))]


@pytest.mark.parametrize("data, filename, expected", [
    (b"", "x.csv", [("empty", "The file is empty: it needs a header row.")]),
    (b"\n , \n\n", "x.csv", [("empty", "The file is empty: it needs a header row.")]),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "x.csv",
     [("not_text", "The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")]),
    (b"code,name\nA,\x81\x8d\n", "x.csv",
     [("not_text", "The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")]),
    (b"PK\x03\x04 not really a zip", "x.xlsx", [("not_workbook", "The file is not a readable Excel workbook (.xlsx).")]),
    (b"code,name\n", "x.xls", [("not_workbook", "The file is not a readable Excel workbook (.xls).")]),
    (b"Code,name,code,Name\n1,2,3,4\n", "x.csv", [("duplicate_column", "Line 1: The column code appears twice."),
                                                 ("duplicate_column", "Line 1: The column Name appears twice.")]),
    (b'code\nA\n"' + b"x" * 140_000 + b'"\n', "x.csv",
     [("not_csv", "Line 3: The file cannot be read as CSV: field larger than field limit (131072)")]),
])
def test_refusals_say_why(data, filename, expected):
    assert refusal(data, filename) == expected


def test_refusals_in_a_workbook_name_the_sheet():
    assert refusal(xlsx(empty=[]), "x.xlsx") == [("empty", "Sheet empty: The file is empty: it needs a header row.")]
    with pytest.raises(Invalid) as refused:
        read_sheets(xlsx(survey=[["type", "type"]], choices=[["name"]]), "form.xlsx")
    assert [problem.located(str) for problem in refused.value.problems] == [
        "Sheet survey, row 1, column type: The column type appears twice."]
