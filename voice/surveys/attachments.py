"""Files attached to an XLSForm: the CSV or XML choice lists of ``select_one_from_file`` and
the CSV tables ``pulldata()`` reads.

An attached file is read into records, one ``{column: value}`` per row, as ODK reads it: a CSV
file's header names the columns; an XML file is ``<root><item><name>…</name><label>…</label>
</item>…</root>``, each child of an item a column. ``write_attachment`` writes records back in
the format the file name says, so that an exported form can be imported again.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..problems import Invalid
from ..tables import read_csv

__all__ = ["AttachmentError", "pulldata_files", "read_attachment", "write_attachment"]

Records = list[dict[str, str]]

# pulldata('fruits', ...) reads fruits.csv (the first argument, a quoted name).
_PULLDATA_FILE = re.compile(r"""pulldata\s*\(\s*(['"])([^'"]+)\1""")


class AttachmentError(ValueError):
    """A file that cannot be read as a table; its message says why (a detail for the author)."""


def pulldata_files(text: str) -> list[str]:
    """The CSV files the ``pulldata()`` calls of an expression read, in order."""
    return [f"{match.group(2)}.csv" for match in _PULLDATA_FILE.finditer(text)]


def read_attachment(filename: str, content: bytes) -> Records:
    """The rows of an attached CSV or XML file, or AttachmentError."""
    if PurePosixPath(filename).suffix.lower() == ".xml":
        return _read_xml(content)
    try:
        table = read_csv(content)
    except Invalid as invalid:
        raise AttachmentError("; ".join(problem.message for problem in invalid.problems)) from None
    return [{title: row.cell(index) for index, title in enumerate(table.header) if title}
            for row in table.rows]


def _read_xml(content: bytes) -> Records:
    try:
        root = fromstring(content)
    except (ParseError, DefusedXmlException) as err:
        raise AttachmentError(str(err)) from None
    records = []
    for item in root:
        records.append({_local(field.tag): (field.text or "").strip() for field in item})
    if not records:
        raise AttachmentError("no items")
    return records


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]  # without a namespace


def write_attachment(filename: str, records: Records) -> bytes:
    """Records as a CSV or XML file (the one ``read_attachment`` reads back)."""
    columns = list(dict.fromkeys(column for record in records for column in record))
    if PurePosixPath(filename).suffix.lower() == ".xml":
        root = Element("root")
        for record in records:
            item = SubElement(root, "item")
            for column in columns:
                SubElement(item, column).text = record.get(column, "")
        return tostring(root, encoding="utf-8", xml_declaration=True)
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow(columns)
    writer.writerows([record.get(column, "") for column in columns] for record in records)
    return output.getvalue().encode("utf-8")
