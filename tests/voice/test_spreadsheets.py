"""The one writer of CSV and XLSX downloads: text that would run as a formula goes out as text."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from voice import spreadsheets

ROW = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tx", "\rx", "plain", -3, 2.5, "-3", "+4.5", "1e-3"]
WRITTEN = ["'=1+1", "'+1+1", "'-1+1", "'@SUM(A1)", "'\tx", "'\rx", "plain", -3, 2.5, "-3", "+4.5", "1e-3"]


def test_csv_escapes_formulas_and_keeps_numbers():
    text = spreadsheets.to_csv([ROW]).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text, newline=""))) == [str(v) for v in WRITTEN]


def test_xlsx_escapes_formulas_and_keeps_numbers():
    workbook = load_workbook(io.BytesIO(spreadsheets.to_xlsx([("first", [ROW]), ("second", [["=x"]])])))
    assert workbook.sheetnames == ["first", "second"]
    assert list(next(workbook["first"].iter_rows(values_only=True))) == WRITTEN
    assert all(cell.data_type != "f" for row in workbook.worksheets[0].iter_rows() for cell in row)
    assert workbook["second"]["A1"].value == "'=x"
