"""What is wrong with something a person sent, and where: one type for every import and API.

A ``Problem`` keeps its English message template (marked with ``N_`` so that Babel extracts
it) and its params; it is translated only when shown, so operations stay free of the request
and the command line prints the same text in the default language. ``Invalid`` carries the
problems out of an operation that refused its input and stored nothing.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message template for extraction (Babel's default keyword); translated where shown."""
    return message


# Translators: where in a spreadsheet a problem was found; the problem follows after a colon.
IN_SHEET = {
    "cell": N_("Sheet %(sheet)s, row %(row)s, column %(column)s"),
    "row": N_("Sheet %(sheet)s, row %(row)s"),
    "sheet": N_("Sheet %(sheet)s"),
}
# Translators: a problem found on one line of an uploaded text file.
ON_LINE = N_("Line %(line)d: %(message)s")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: a stable ``code``, an English ``template`` with its ``params``, and where.

    ``line`` is the line of a text file, or the row of a spreadsheet when ``sheet`` is set;
    ``column`` names a spreadsheet column, ``field`` a key of a JSON body.
    """

    code: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    line: int | None = None
    column: str | None = None
    field: str | None = None

    @property
    def message(self) -> str:
        """The English message, without where it was found."""
        return self.template % self.params

    def at(self, **where: Any) -> Problem:
        """The same problem, found somewhere more precise (``line=``, ``sheet=``…)."""
        return dataclasses.replace(self, **where)

    def translated(self, translate: Callable[[str], str] = gettext) -> str:
        """The message in the reader's language, without where it was found."""
        return translate(self.template) % self.params

    def located(self, translate: Callable[[str], str] = gettext) -> str:
        """The message in the reader's language, after where it was found."""
        message = self.translated(translate)
        if self.sheet is not None:
            where = "sheet" if self.line is None else "cell" if self.column else "row"
            place = translate(IN_SHEET[where]) % {"sheet": self.sheet, "row": self.line, "column": self.column}
            return f"{place}: {message}"
        if self.line is not None:
            return translate(ON_LINE) % {"line": self.line, "message": message}
        return message

    def __str__(self) -> str:
        return self.located()


class Invalid(ValueError):
    """The input was refused whole and nothing was stored; ``problems`` says why, line by line.

    ``status`` is the HTTP answer an API gives for it: 422 for bad content, 403 for content
    the sender may not send.
    """

    def __init__(self, problems: Iterable[Problem], status: int = 422):
        self.problems = list(problems)
        self.status = status
        super().__init__("; ".join(problem.located(_english) for problem in self.problems))


def _english(template: str) -> str:
    return template
