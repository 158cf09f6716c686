"""Notes split into comments: plain text, bullets, transcripts, CSV and Word; malformed input."""
from __future__ import annotations

import io

import docx
import pytest

from voice.sessions.parsing import (looks_like_transcript, parse_notes, role_for, speaker_turn,
                                    split_role_prefix, split_text, split_transcript)

ROLES = {"parent": ["Parent", "הורה"], "provider": ["Provider"], "youth": ["Youth"]}
LANGUAGES = ["en", "he"]


def parse(**kwargs):
    return parse_notes(roles=ROLES, languages=LANGUAGES, **kwargs)


def texts(notes):
    return [comment.text for comment in notes.comments]


def test_lines_without_blank_lines_are_one_comment_each():
    assert [c.text for c in split_text("The bus is late\nNo after-school care\n\n")] == [
        "The bus is late", "No after-school care"]


def test_paragraphs_join_their_lines_and_keep_their_first_line_number():
    comments = split_text("The clinic closes\nat four.\n\nRent went up\nagain this year.")
    assert [(c.line, c.text) for c in comments] == [(1, "The clinic closes at four."),
                                                     (4, "Rent went up again this year.")]


def test_bullets_are_one_comment_each_with_continuations():
    notes = "Concerns raised:\n\n- Buses stop at 8pm\n  so night shifts walk\n* Fees too high\n• No Amharic forms\n1. Parks unsafe"
    assert [c.text for c in split_text(notes)] == [
        "Concerns raised:", "Buses stop at 8pm so night shifts walk", "Fees too high", "No Amharic forms",
        "Parks unsafe"]


@pytest.mark.parametrize("line, expected", [
    ("Speaker 1: we need a crossing", ("Speaker 1", "we need a crossing")),
    ("Parent: the bus is late", ("Parent", "the bus is late")),
    ("[Provider] our waitlist is long", ("Provider", "our waitlist is long")),
    ("[00:12:03] Youth: nowhere to go", ("Youth", "nowhere to go")),
    ("הורה: אין מקום בגן", ("הורה", "אין מקום בגן")),
    ("We said many things: all of them loud", None),
    ("https://example.org", None),
])
def test_speaker_turns(line, expected):
    assert speaker_turn(line) == expected


def test_roles_match_values_labels_and_plurals_never_names():
    assert role_for("Parents", ROLES) == "parent"
    assert role_for("הורה", ROLES) == "parent"
    assert role_for("Speaker 2", ROLES) is None
    assert role_for("Miriam", ROLES) is None


def test_transcript_turns_become_comments_and_names_are_dropped():
    transcript = ("Miriam: The clinic is too far.\nIt takes two buses.\n"
                  "Parent: Childcare costs more than rent.\n[Provider] We have a waitlist of forty.\n"
                  "Speaker 3: Nobody told us about the forum.")
    assert looks_like_transcript(transcript)
    comments = split_transcript(transcript, ROLES)
    assert [(c.text, c.speaker_role) for c in comments] == [
        ("The clinic is too far. It takes two buses.", None),
        ("Childcare costs more than rent.", "parent"),
        ("We have a waitlist of forty.", "provider"),
        ("Nobody told us about the forum.", None)]
    assert all("Miriam" not in c.text for c in comments)


def test_auto_detects_a_pasted_transcript():
    notes = parse(pasted="Parent: too expensive\nYouth: nothing to do after school\n")
    assert notes.ok and notes.format == "transcript"
    assert [c.speaker_role for c in notes.comments] == ["parent", "youth"]


def test_quick_entry_role_prefix():
    assert split_role_prefix("Parent: the bus is late", ROLES) == ("parent", "the bus is late")
    assert split_role_prefix("Dana: the bus is late", ROLES) == (None, "the bus is late")  # no name kept
    assert split_role_prefix("דנה: האוטובוס מאחר", ROLES) == (None, "האוטובוס מאחר")
    assert split_role_prefix("Dana:", ROLES) == (None, "Dana:")  # nothing said: kept as typed
    assert split_role_prefix("no prefix here", ROLES) == (None, "no prefix here")


def test_csv_rows_with_roles_and_languages():
    data = "text,speaker_role,language\nToo expensive,parent,en\n\"Buses, at night\",,he\n\n".encode()
    notes = parse(data=data, filename="notes.csv")
    assert notes.ok and notes.format == "csv"
    assert [(c.line, c.text, c.speaker_role, c.language) for c in notes.comments] == [
        (2, "Too expensive", "parent", "en"), (3, "Buses, at night", None, "he")]


def test_csv_with_only_a_text_column_and_a_byte_order_mark():
    notes = parse(data="\ufefftext\nOne\nTwo\n".encode(), filename="x.csv")
    assert texts(notes) == ["One", "Two"]


def test_csv_as_excel_saves_it_with_semicolons_in_cp1252():
    data = "text;speaker_role\nLa crèche coûte trop cher;parent\nPas de bus, le soir;\n".encode("cp1252")
    notes = parse(data=data, filename="notes.csv")
    assert notes.ok, notes.problems
    assert [(c.line, c.text, c.speaker_role) for c in notes.comments] == [
        (2, "La crèche coûte trop cher", "parent"), (3, "Pas de bus, le soir", None)]


def test_pasted_csv_is_read_like_a_file():
    notes = parse(pasted="text\tlanguage\nToo expensive\ten\n", format="csv")
    assert notes.ok and [(c.text, c.language) for c in notes.comments] == [("Too expensive", "en")]


def test_csv_problems_carry_their_line():
    notes = parse(data=b"text,speaker_role\nfine,\nhello,parent,extra\n", filename="x.csv")
    assert [(p.code, p.line) for p in notes.problems] == [("csv_extra_cells", 3)]
    assert [p.located(str) for p in notes.problems] == ["Line 3: this row has more cells than there are columns."]


@pytest.mark.parametrize("data, codes", [
    (b"comment,who\nhello,parent\n", {"csv_unknown_columns", "csv_no_text_column"}),
    (b"text,name\nhello,Dana\n", {"csv_unknown_columns"}),
    (b"text,speaker_role\nhello,parent\n,youth\nfine,\n", {"empty_text"}),
    (b"text,speaker_role\nhello,grandmother\n", {"unknown_role"}),
    (b"text,language\nhello,de\n", {"unknown_language"}),
    (b"text\nhello,extra\n", {"csv_extra_cells"}),
    (b"text,text\nhello,again\n", {"duplicate_column"}),
])
def test_malformed_csv_is_reported_by_line(data, codes):
    notes = parse(data=data, filename="bad.csv")
    assert not notes.ok
    assert {problem.code for problem in notes.problems} == codes


def test_empty_text_rows_are_each_reported_with_their_line():
    notes = parse(data=b"text,speaker_role\nfirst,\n  ,\n,youth\nlast,\n\"\",parent\n", filename="x.csv")
    # Row 3 is blank (layout, skipped); rows 4 and 6 have a role but no text.
    assert [(p.code, p.line) for p in notes.problems] == [("empty_text", 4), ("empty_text", 6)]


def test_bad_encoding_names_the_line():
    notes = parse(data="first line\nsecond\n".encode() + b"caf\xe9\n", filename="notes.txt")
    assert [(p.code, p.line) for p in notes.problems] == [("encoding", 3)]


def test_utf16_with_byte_order_mark_is_read():
    notes = parse(data="Parent: hello\nYouth: bye\n".encode("utf-16"), filename="t.txt")
    assert notes.ok and texts(notes) == ["hello", "bye"]


def test_binary_and_broken_docx_are_refused():
    assert [p.code for p in parse(data=b"\x00\x01\x02garbage", filename="x.txt").problems] == ["binary"]
    assert [p.code for p in parse(data=b"PK\x03\x04not really a zip", filename="x.docx").problems] == [
        "docx_broken"]
    assert [p.code for p in parse(data=b"plain text", filename="x.docx").problems] == ["docx_broken"]


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_become_comments():
    notes = parse(data=docx_bytes("The rent is too high.", "", "Call me Dana at 050-123-4567."), filename="n.docx")
    assert notes.ok and notes.format == "docx"
    assert texts(notes) == ["The rent is too high.", "Call me Dana at 050-123-4567."]


def test_nothing_found_is_a_problem():
    assert [p.code for p in parse(pasted="  \n\n ").problems] == ["empty"]


# A speaker's name opening a line of notes, in each language of the platform: (notes, name, what was said).
NAMED_SPEAKERS = {
    "en": ("- The bus stops at eight\nMaria: the park has no shade", "Maria", "the park has no shade"),
    "es": ("- El autobús para a las ocho\nMaría José: el parque no tiene sombra", "María José",
           "el parque no tiene sombra"),
    "he": ("- האוטובוס מפסיק בשמונה\nמרים: אין צל בפארק", "מרים", "אין צל בפארק"),
    "ar": ("- الحافلة تتوقف في الثامنة\nمريم: لا يوجد ظل في الحديقة", "مريم", "لا يوجد ظل في الحديقة"),
    "ru": ("- Автобус ходит до восьми\nМария Петровна: в парке нет тени", "Мария Петровна", "в парке нет тени"),
    "am": ("- አውቶቡሱ በሁለት ሰዓት ይቆማል\nማርያም፦ መናፈሻው ጥላ የለውም", "ማርያም", "መናፈሻው ጥላ የለውም"),
    "fr": ("- Le bus s’arrête à huit heures\nMarie : le parc n’a pas d’ombre", "Marie", "le parc n’a pas d’ombre"),
}


@pytest.mark.parametrize("language", sorted(NAMED_SPEAKERS))
def test_a_speaker_in_notes_is_a_comment_of_its_own_and_the_name_is_never_kept(language):
    notes, name, said = NAMED_SPEAKERS[language]
    for pasted in (notes, notes.replace("\n", "\n- "), notes.replace("\n", "\n\n")):
        parsed = parse(pasted=pasted)
        assert parsed.ok and parsed.format == "text", pasted
        assert texts(parsed)[1:] == [said], pasted
        assert not any(name in text for text in texts(parsed)), pasted


def test_a_role_opening_a_line_of_notes_becomes_the_role_and_a_heading_stays():
    parsed = parse(pasted="Concerns raised:\n\n- Fees too high\n  for two children\n- No crossing\n"
                          "Parent: no evening buses")
    assert parsed.format == "text"
    assert [(c.text, c.speaker_role) for c in parsed.comments] == [
        ("Concerns raised:", None), ("Fees too high for two children", None), ("No crossing", None),
        ("no evening buses", "parent")]


def test_a_word_document_drops_speaker_names_too():
    document = docx.Document()
    for paragraph in ("Notes from the library", "Dana: the library closes at five"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = parse(data=buffer.getvalue(), filename="notes.docx")
    assert texts(parsed) == ["Notes from the library", "the library closes at five"]
