"""Split a facilitator's notes into comments: plain text, .docx, CSV and speaker transcripts.

Framework-free: plain values in, ``ParsedNotes`` out. Problems (``voice.problems``) carry
an English template, its params and the line they were found on; the web layer translates
them. A CSV file is read by ``voice.tables``, like every tabular upload. Speaker names in
notes and transcripts are never kept: a speaker label becomes a role only when it matches one
of the campaign's role values, otherwise it is dropped.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import docx

from ..problems import Invalid, N_, Problem
from ..tables import read_csv

FORMATS = ("auto", "text", "transcript", "csv", "docx")
CSV_COLUMNS = ("text", "speaker_role", "language")
MAX_COMMENT_LENGTH = 5000


# Translators: shown line by line when imported notes cannot be read. Keep %(...)s as they are.
EMPTY = N_("No comments were found in the notes.")
NOT_UTF8 = N_("the file is not UTF-8 text. Save it as UTF-8 and try again.")
BINARY = N_("The file is not text. Upload plain text, CSV or a Word (.docx) document.")
DOCX_BROKEN = N_("The Word document cannot be opened: it is damaged or not a .docx file.")
NO_TEXT_COLUMN = N_("the first row must name the columns; a “text” column is required.")
UNKNOWN_COLUMNS = N_("unknown columns %(columns)s. Use text, speaker_role and language.")
EXTRA_CELLS = N_("this row has more cells than there are columns.")
EMPTY_TEXT = N_("the text is empty.")
TOO_LONG = N_("the comment is longer than %(max)s characters.")
UNKNOWN_ROLE = N_("%(role)s is not one of this campaign's speaker roles (%(roles)s).")
UNKNOWN_LANGUAGE = N_("%(language)s is not one of the languages (%(languages)s).")


@dataclass
class ParsedComment:
    line: int
    text: str
    speaker_role: str | None = None
    language: str | None = None


@dataclass
class ParsedNotes:
    format: str
    comments: list[ParsedComment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.comments)


# --- Speaker roles --------------------------------------------------------------------------


def role_for(label: str, roles: Mapping[str, Iterable[str]]) -> str | None:
    """The role value whose value or any label matches ``label`` (case-insensitive, a plural
    "s" allowed), else None. ``roles`` maps each value to the words that name it."""
    wanted = _fold(label)
    for value, names in roles.items():
        for name in (value, *names):
            folded = _fold(name)
            if folded and wanted in (folded, folded + "s", folded + "es"):
                return value
    return None


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().casefold()


# A speaker turn: optional [00:01:02] or 00:01 timestamp, then "Label:" or "[Label]". The
# colon may be full-width (：) or the Ethiopic preface colon (፦) that Amharic notes use;
# French puts a space before it ("Marie : …").
_COLONS = ":：፦"
_TIMESTAMP = r"(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?\s*(?:-\s*)?)?"
_TURN = re.compile(
    r"^\s*" + _TIMESTAMP
    + rf"(?:\[(?P<bracket>[^\]\n]{{1,40}})\]\s*[{_COLONS}]?"
    + rf"|(?P<label>[^\W\d_][^{_COLONS}\n]{{0,29}}?|Speaker\s*\d+)\s*[{_COLONS}])"
    + r"\s*(?P<text>.*)$", re.UNICODE)
_LABEL_WORDS = 3  # "Speaker 1", "Parent", "Youth worker": a few words, not a sentence


def speaker_turn(line: str) -> tuple[str, str] | None:
    """``(label, rest)`` when ``line`` opens a speaker turn, else None."""
    match = _TURN.match(line)
    if not match:
        return None
    label = (match.group("bracket") or match.group("label") or "").strip()
    if not label or len(label.split()) > _LABEL_WORDS or "http" in label.casefold():
        return None
    return label, match.group("text").strip()


def split_role_prefix(text: str, roles: Mapping[str, Iterable[str]]) -> tuple[str | None, str]:
    """Quick entry, read as the notes import reads a line: "Parent: the bus is late" ->
    ("parent", "the bus is late") for a known role; any other speaker's label ("Dana: …") is
    dropped, since a speaker's name is never kept."""
    turn = speaker_turn(text.split("\n", 1)[0])
    rest = text.split("\n", 1)
    body = (turn[1] + ("\n" + rest[1] if len(rest) > 1 else "")).strip() if turn else ""
    if not body:  # no speaker label, or nothing said after it: the text as typed
        return None, text
    return role_for(turn[0], roles), body


# --- Plain text and transcripts -------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•‣◦▪–—]|\d{1,3}[.)]|[a-zA-Z][.)](?=\s))\s+")


def split_text(text: str, roles: Mapping[str, Iterable[str]] | None = None, *,
               first_line: int = 1) -> list[ParsedComment]:
    """One comment per paragraph; a paragraph of bullets gives one per bullet; notes with no
    blank lines give one per line. Continuation lines (no bullet) join the comment above,
    but a line that opens a speaker turn ("Maria: the park has no shade", bulleted or not)
    is a comment of its own, its speaker's name dropped (a role label becomes the role)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    has_paragraphs = any(not line.strip() for line in _trim(lines))
    comments: list[ParsedComment] = []
    current: ParsedComment | None = None
    in_bullets = False
    for offset, raw in enumerate(lines):
        number = first_line + offset
        line = raw.strip()
        if not line:
            current, in_bullets = None, False
            continue
        bullet = _BULLET.match(raw)
        said = raw[bullet.end():] if bullet else raw
        turn = speaker_turn(said)
        if turn is not None and turn[1]:
            in_bullets = in_bullets or bool(bullet)
            current = ParsedComment(number, turn[1], speaker_role=role_for(turn[0], roles or {}))
            comments.append(current)
        elif bullet:
            in_bullets = True
            current = ParsedComment(number, said.strip())
            comments.append(current)
        elif current is not None and (in_bullets or has_paragraphs):
            current.text = f"{current.text} {line}".strip()
        else:
            current = ParsedComment(number, line)
            comments.append(current)
    return [comment for comment in comments if comment.text]


def _trim(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    end = len(lines) - next((i for i, line in enumerate(reversed(lines)) if line.strip()), len(lines))
    return lines[start:end]


def looks_like_transcript(text: str) -> bool:
    """At least half of the non-blank lines (and two or more) open a speaker turn."""
    lines = [line for line in text.splitlines() if line.strip()]
    turns = sum(1 for line in lines if speaker_turn(line))
    return turns >= 2 and turns * 2 >= len(lines)


def split_transcript(text: str, roles: Mapping[str, Iterable[str]]) -> list[ParsedComment]:
    """One comment per speaker turn; lines without a label continue the turn above."""
    comments: list[ParsedComment] = []
    current: ParsedComment | None = None
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        turn = speaker_turn(line)
        if turn is not None:
            label, rest = turn
            current = ParsedComment(number, rest, speaker_role=role_for(label, roles))
            comments.append(current)
        elif current is not None:
            current.text = f"{current.text} {line}".strip()
        else:
            current = ParsedComment(number, line)
            comments.append(current)
    return [comment for comment in comments if comment.text]


# --- Files ----------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; otherwise the line of the bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, Problem("encoding", NOT_UTF8, line=1)
    if b"\x00" in data[:4096]:
        return None, Problem("binary", BINARY)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, Problem("encoding", NOT_UTF8, line=data[:exc.start].count(b"\n") + 1)


def docx_text(data: bytes) -> tuple[str | None, Problem | None]:
    """The document's paragraphs (and table cells), one per line, blank lines between."""
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 (python-docx raises assorted errors on damaged parts)
        return None, Problem("docx_broken", DOCX_BROKEN)
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.extend(cell.text for cell in row.cells)
    # Word keeps a paragraph per line: separate them so each becomes its own comment.
    return "\n\n".join(text.strip() for text in paragraphs if text.strip()), None


def parse_csv(data: bytes) -> ParsedNotes:
    """One comment per row of a CSV whose columns are text and optionally speaker_role, language."""
    notes = ParsedNotes("csv")
    try:
        table = read_csv(data)
    except Invalid as invalid:
        notes.problems.extend(invalid.problems)
        return notes
    header = [title.casefold() for title in table.header]
    unknown = [title for title in header if title not in CSV_COLUMNS]
    if unknown:
        notes.problems.append(Problem("csv_unknown_columns", UNKNOWN_COLUMNS, {"columns": ", ".join(unknown)}, line=1))
    if "text" not in header:
        notes.problems.append(Problem("csv_no_text_column", NO_TEXT_COLUMN, line=1))
    notes.problems += [Problem("csv_extra_cells", EXTRA_CELLS, line=row.line) for row in table.overflowing()]
    if not notes.problems:
        notes.comments = [ParsedComment(line, cells["text"], cells.get("speaker_role") or None,
                                        cells.get("language") or None)
                          for line, cells in table.records(str.casefold)]
    return notes


def check(notes: ParsedNotes, *, roles: Mapping[str, Iterable[str]], languages: Iterable[str]) -> ParsedNotes:
    """Every comment has text of a sensible length, a known role and a known language."""
    languages = list(languages)
    for comment in notes.comments:
        notes.problems.extend(comment_problems(comment, roles=roles, languages=languages))
    if not notes.comments and not notes.problems:
        notes.problems.append(Problem("empty", EMPTY))
    return notes


def comment_problems(comment: ParsedComment, *, roles: Mapping[str, Iterable[str]],
                     languages: list[str]) -> list[Problem]:
    problems = []
    if not comment.text.strip():
        problems.append(Problem("empty_text", EMPTY_TEXT, line=comment.line))
    elif len(comment.text) > MAX_COMMENT_LENGTH:
        problems.append(Problem("too_long", TOO_LONG, {"max": MAX_COMMENT_LENGTH}, line=comment.line))
    if comment.speaker_role:
        role = role_for(comment.speaker_role, roles)
        if role is None:
            problems.append(Problem("unknown_role", UNKNOWN_ROLE, {"role": comment.speaker_role,
                                                                   "roles": ", ".join(roles)}, line=comment.line))
        else:
            comment.speaker_role = role
    if comment.language and comment.language not in languages:
        problems.append(Problem("unknown_language", UNKNOWN_LANGUAGE, {"language": comment.language,
                                                                       "languages": ", ".join(languages)},
                                line=comment.line))
    return problems


def parse_notes(*, pasted: str = "", data: bytes | None = None, filename: str = "", format: str = "auto",
                roles: Mapping[str, Iterable[str]], languages: Iterable[str]) -> ParsedNotes:
    """Read pasted text or an uploaded file into comments, or into problems (never both kept)."""
    chosen = format if format in FORMATS else "auto"
    suffix = filename.rsplit(".", 1)[-1].casefold() if "." in filename else ""
    if data is not None and (chosen == "docx" or (chosen == "auto" and suffix == "docx")):
        text, problem = docx_text(data)
        if problem:
            return ParsedNotes("docx", problems=[problem])
        return check(ParsedNotes("docx", split_text(text or "", roles)), roles=roles, languages=languages)
    if chosen == "csv" or (chosen == "auto" and suffix == "csv"):
        notes = parse_csv(pasted.encode("utf-8") if data is None else data)
        return notes if notes.problems else check(notes, roles=roles, languages=languages)
    if data is not None:
        if data.startswith(b"PK\x03\x04"):
            return ParsedNotes(chosen, problems=[Problem("binary", BINARY)])
        text, problem = decode(data)
        if problem:
            return ParsedNotes(chosen, problems=[problem])
    else:
        text = pasted
    text = text or ""
    if chosen == "transcript" or (chosen == "auto" and looks_like_transcript(text)):
        return check(ParsedNotes("transcript", split_transcript(text, roles)), roles=roles, languages=languages)
    return check(ParsedNotes("text", split_text(text, roles)), roles=roles, languages=languages)
