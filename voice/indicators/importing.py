"""What the geography and indicator imports share: the result they report, and how they read
numbers and name columns.

Both importers read a file into plain rows (``voice.tables``), collect every problem with its
line number (the line a person sees in a spreadsheet: the header is line 1), and write only
when there is no problem, in one transaction with AuditEvents. Re-importing a corrected file
updates what is already stored and records each change.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable

from ..problems import Invalid, N_, Problem

TRANSLATED_NAME = re.compile(r"^name[_:][a-z]{2,3}$")


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def located(line: int, problems: Iterable[Problem]) -> list[Problem]:
    return [problem.at(line=line) for problem in problems]


def number(text: str, decimal_comma: bool = False) -> float | None:
    value = float(point_decimal(text, decimal_comma)) if text else None
    if value is not None and not math.isfinite(value):
        raise ValueError(text)
    return value


def require_columns(header: Iterable[str], needed: Iterable[str]) -> None:
    present = {title.lower() for title in header}
    missing = [name for name in needed if name not in present]
    if missing:
        raise Invalid(Problem("missing_column", N_("The column “%(column)s” is missing."), {"column": name}, line=1)
                      for name in missing)


def point_decimal(text: str, decimal_comma: bool) -> str:
    """A number as Python reads it: commas group thousands, or are the decimal mark (71,5)."""
    if decimal_comma:
        return text.replace(",", ".", 1) if text.count(",") == 1 and "." not in text else text
    return text.replace(",", "")
