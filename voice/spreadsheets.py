"""The one writer of every CSV and XLSX download, so that no export can let a cell run as a formula.

A spreadsheet treats text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (OWASP's CSV injection); labels and residents' words can start that way, so such
text gets a leading apostrophe. Numbers, and text that is just a number such as ``-3``, are
not formulas and are written as they are.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Sequence

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

Rows = Iterable[Sequence[Any]]


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _safe_row(row: Sequence[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def to_csv(rows: Rows) -> bytes:
    """UTF-8 with a byte-order mark, which makes Excel read it as UTF-8."""
    output = io.StringIO()
    writer = csv.writer(output)
    for row in rows:
        writer.writerow(_safe_row(row))
    return output.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Iterable[tuple[str, Rows]]) -> bytes:
    """One sheet per (title, rows), in order; titles are cut to Excel's 31 characters."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        for row in rows:
            sheet.append(_safe_row(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
