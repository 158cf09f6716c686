"""XLSForm import and export: the shared acceptance fixtures, our own forms, broken ones."""

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from voice.intake.definition import Group, iter_questions, missing_translations, pages
from voice.problems import Invalid, Problem
from voice.surveys.xlsform import MESSAGES, _read_sheets, _to_json, export_xlsform, import_xlsform, read_xlsform

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "fixtures" / "xlsform"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"shared XLSForm fixtures not found at {SHARED}")


def xlsx(survey=None, choices=None, settings=None) -> bytes:
    """A workbook built in memory, so each test shows its own form; rows include headers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows is not None:
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def questions(defn):
    return {q.name: q for q in iter_questions(defn)}


def assert_round_trips(defn):
    assert import_xlsform(export_xlsform(defn)) == defn


# --- The shared acceptance set ----------------------------------------------------------

REFUSED = {
    # file: (sheet, row, column, code)
    "UCL_Biomass_Plot_Form.xlsx": ("survey", 16, "type", "external_choices"),
    "case_insensitivity.xlsx": ("survey", 3, "type", "external_choices"),
    "duplicate_columns.xlsx": ("survey", 1, "label", "duplicate_column"),
    "xlsform_spec_test.xlsx": ("survey", 9, "image", "media_column"),
}
IMPORTED = {
    # file: (question names and types, languages)
    "choice_filter_test.xlsx": (
        {"state": "select_one", "county": "select_one", "city": "select_one"}, ["en"]),
    "field-list.xlsx": ({"table_list_question": "select_one"}, ["en", "zh"]),
    # Its father's phone number is left out with a notice (test_contact_details_are_left_out…).
    "group.xlsx": ({"family_name": "text", "age": "integer"}, ["en"]),
    "specify_other.xlsx": ({"sex": "select_one", "sex_other": "text"}, ["en"]),
    "text_and_integer.xlsx": ({"your_name": "text", "your_age": "integer"}, ["en"]),
    "yes_or_no_question.xlsx": ({"good_day": "select_one"}, ["en"]),
}


@needs_shared
def test_every_shared_fixture_is_classified():
    assert {p.name for p in SHARED.glob("*.xlsx")} == set(REFUSED) | set(IMPORTED)


@needs_shared
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_shared_fixture_is_refused_precisely(name):
    error = refused(SHARED / name)
    assert (error.sheet, error.line, error.column, error.code) == REFUSED[name]
    assert str(error).startswith(f"Sheet {error.sheet}, row {error.line}")


@needs_shared
@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_shared_fixture_imports_faithfully(name):
    defn = import_xlsform(SHARED / name)
    expected_types, languages = IMPORTED[name]
    assert {n: q.type for n, q in questions(defn).items()} == expected_types
    assert defn.languages == languages
    assert_round_trips(defn)


@needs_shared
def test_shared_cascading_selects_keep_their_filters():
    defn = import_xlsform(SHARED / "choice_filter_test.xlsx")
    county = questions(defn)["county"]
    assert county.choice_filter == "${state}=cf"
    kings = [c for c in defn.choice_lists["counties"] if c.name == "king"]
    assert [c.attributes for c in kings] == [{"cf": "washington"}, {"cf": "texas"}]


@needs_shared
def test_shared_specify_other_becomes_a_relevant_text_question():
    defn = import_xlsform(SHARED / "specify_other.xlsx")
    other = questions(defn)["sex_other"]
    assert other.relevant == "selected(${sex}, 'other')"
    assert [c.name for c in defn.choice_lists["sexes"]] == ["male", "female", "other"]


@needs_shared
def test_shared_unsuffixed_and_named_languages_merge():
    defn = import_xlsform(SHARED / "field-list.xlsx")
    question = questions(defn)["table_list_question"]
    assert question.label == {"en": "table list question"}
    assert question.hint == {"en": "hint"}
    assert defn.choice_lists["yes_no"][0].label == {"en": "Yes", "zh": "是"}
    # The Chinese label and hint are missing, so the survey cannot be published yet.
    assert ("name/table_list_question", "label", "zh") in missing_translations(defn)


# --- Our own forms ------------------------------------------------------------------------

LANGS = ["Hebrew (he)", "Arabic (ar)", "Amharic (am)"]


def multilingual_form() -> bytes:
    survey = [
        ["type", "name", *[f"label::{lang}" for lang in LANGS],
         *[f"hint::{lang}" for lang in LANGS], "required",
         *[f"required_message::{lang}" for lang in LANGS], "relevant", "constraint",
         *[f"constraint_message::{lang}" for lang in LANGS], "choice_filter", "appearance",
         "role"],
        ["acknowledge", "consent", "אני מסכים", "أوافق", "እስማማለሁ", None, None, None, "yes",
         "חובה", "مطلوب", "ያስፈልጋል", None, None, None, None, None, None, None, None],
        ["begin_group", "about", "עליך", "عنك", "ስለ እርስዎ", None, None, None, None, None,
         None, None, "${consent} = 'OK'", None, None, None, None, None, "field-list", None],
        ["select_one roles", "role", "תפקיד", "الدور", "ሚና", None, None, None, "yes", None,
         None, None, None, None, None, None, None, None, None, "group:role"],
        ["integer", "age", "גיל", "العمر", "ዕድሜ", "בשנים", "بالسنوات", "በዓመታት", None, None,
         None, None, None, ". >= 16 and . < 120", "גיל לא תקין", "عمر غير صالح",
         "ዕድሜ ልክ አይደለም", None, None, None],
        ["end_group"],
        ["text", "neighbourhood", "שכונה", "الحي", "ሰፈር", None, None, None, None, None, None,
         None, None, None, None, None, None, None, None, "geography"],
        ["select_multiple topics", "topics", "נושאים", "المواضيع", "ርዕሶች", None, None, None,
         None, None, None, None, "${role} != 'youth'", "count-selected(.) <= 2", "עד שניים",
         "اثنان على الأكثر", "እስከ ሁለት", "audience = 'all' or audience = ${role}", None,
         None],
        ["text", "story", "ספרו לנו", "أخبرنا", "ንገሩን", None, None, None, None, None, None,
         None, "selected(${topics}, 'schools')", "string-length(.) <= 2000", "ארוך מדי",
         "طويل جدا", "በጣም ረጅም", None, "multiline", None],
    ]
    choices = [
        ["list_name", "name", *[f"label::{lang}" for lang in LANGS], "audience"],
        ["roles", "parent", "הורה", "والد", "ወላጅ", None],
        ["roles", "youth", "נוער", "شباب", "ወጣት", None],
        ["topics", "schools", "בתי ספר", "المدارس", "ትምህርት ቤቶች", "all"],
        ["topics", "jobs", "עבודה", "العمل", "ሥራ", "parent"],
    ]
    settings = [["form_id", "form_title", "form_title::Arabic (ar)", "form_title::Amharic (am)",
                 "version", "default_language"],
                ["voice_2024", "קול הקהילה", "صوت المجتمع", "የማህበረሰብ ድምፅ", "7", "Hebrew (he)"]]
    return xlsx(survey, choices, settings)


def test_multilingual_form_imports_every_feature():
    defn = import_xlsform(multilingual_form())
    assert (defn.form_id, defn.version, defn.default_language) == ("voice_2024", "7", "he")
    assert defn.languages == ["he", "ar", "am"]
    assert defn.title == {"he": "קול הקהילה", "ar": "صوت المجتمع", "am": "የማህበረሰብ ድምፅ"}
    q = questions(defn)
    assert {n: x.type for n, x in q.items()} == {
        "consent": "consent", "role": "select_one", "age": "integer",
        "neighbourhood": "geography", "topics": "select_multiple", "story": "text"}
    assert q["consent"].required and q["consent"].required_message["am"] == "ያስፈልጋል"
    assert q["role"].role == "group:role" and q["neighbourhood"].role == "geography"
    assert q["age"].constraint == ". >= 16 and . < 120"
    assert q["age"].constraint_message["ar"] == "عمر غير صالح"
    assert q["age"].hint == {"he": "בשנים", "ar": "بالسنوات", "am": "በዓመታት"}
    assert q["topics"].choice_filter == "audience = 'all' or audience = ${role}"
    assert q["story"].relevant == "selected(${topics}, 'schools')"
    assert q["story"].appearance == "multiline"
    group = defn.items[1]
    assert isinstance(group, Group) and group.appearance == "field-list"
    assert group.relevant == "${consent} = 'OK'"
    assert missing_translations(defn) == []
    assert [p.name for p in pages(defn)] == ["consent", "about", "neighbourhood", "topics",
                                             "story"]
    assert_round_trips(defn)


def test_language_names_without_codes_map_to_iso_codes():
    survey = [["type", "name", "label::english", "label::Swahili", "label::EN"],
              ["text", "q", "Name", "Jina", None]]
    defn = import_xlsform(xlsx(survey))
    assert defn.languages == ["en", "sw"]
    assert questions(defn)["q"].label == {"en": "Name", "sw": "Jina"}


def test_unsuffixed_labels_use_the_fallback_language():
    defn = import_xlsform(xlsx([["type", "name", "label"], ["text", "q", "Hola"]]),
                          fallback_language="es")
    assert (defn.languages, defn.default_language) == (["es"], "es")
    assert questions(defn)["q"].label == {"es": "Hola"}
    assert defn.title == {"es": defn.form_id}


def test_unsuffixed_labels_use_the_settings_default_language():
    survey = [["type", "name", "label", "label::French (fr)"], ["text", "q", "Hi", "Salut"]]
    settings = [["default_language"], ["English (en)"]]
    defn = import_xlsform(xlsx(survey, settings=settings))
    assert questions(defn)["q"].label == {"en": "Hi", "fr": "Salut"}
    assert defn.default_language == "en"


def test_headers_and_group_spelling_are_case_and_space_insensitive():
    survey = [["TYPE", "NAME", "LABEL::EN"], ["begin  group", "g", "G"], ["text", "q", "Q"],
              ["end group"]]
    defn = import_xlsform(xlsx(survey))
    assert isinstance(defn.items[0], Group) and defn.items[0].children[0].name == "q"


def test_metadata_timestamps_are_dropped():
    survey = [["type", "name", "label"], ["start", "start", None], ["end", "end", None],
              ["text", "q", "Q"]]
    assert [q.name for q in iter_questions(import_xlsform(xlsx(survey)))] == ["q"]


# --- Broken workbooks ---------------------------------------------------------------------

def refused(source) -> Problem:
    """The one problem an import refuses ``source`` for."""
    with pytest.raises(Invalid) as caught:
        import_xlsform(source)
    (problem,) = caught.value.problems
    problem.message  # every template formats with its params
    return problem


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


HEADER = ["type", "name", "label"]
BROKEN = {
    "empty file": (b"", (None, None, None, "empty_file")),
    "not an xlsx": (b"type,name,label\ntext,q,Q\n", (None, None, None, "not_xlsx")),
    "empty zip": (b"PK\x05\x06" + b"\0" * 18, (None, None, None, "not_xlsx")),
    "zip that is not a workbook": (zipped({"notes.txt": "not a workbook"}), (None, None, None, "not_workbook")),
    "no survey sheet": (xlsx(None, choices=[["list_name", "name", "label"]],
                             settings=[["form_id"], ["x"]]),
                        (None, None, None, "no_survey_sheet")),
    "missing type column": (xlsx([["name", "label"], ["q", "Q"]]),
                            ("survey", 1, "type", "missing_column")),
    "row without a type": (xlsx([HEADER, ["text", "a", "A"], [None, "b", "B"]]),
                           ("survey", 3, "type", "missing_type")),
    "unknown type": (xlsx([HEADER, ["text", "a", "A"], ["texte", "b", "B"]]),
                     ("survey", 3, "type", "unknown_type")),
    "geotrace": (xlsx([HEADER, ["geotrace", "path", "Path"]]),
                 ("survey", 2, "type", "unsupported_type")),
    "loop": (xlsx([HEADER, ["begin loop", "kids", "Kids"], ["text", "n", "N"],
                   ["end loop"]]), ("survey", 2, "type", "repeat")),
    "media question": (xlsx([HEADER, ["text", "a", "A"], ["image", "photo", "Photo"]]),
                       ("survey", 3, "type", "media_question")),
    "media column": (xlsx([HEADER + ["media::audio"], ["note", "n", "N", "hello.mp3"]]),
                     ("survey", 2, "media::audio", "media_column")),
    "calculate without a calculation": (xlsx([HEADER, ["calculate", "c", None]]),
                                        ("survey", 2, None, "pyxform")),  # pyxform's own refusal
    "required expression": (xlsx([HEADER + ["required"], ["text", "q", "Q", "${x} = 1"]]),
                            ("survey", 2, "required", "required_expression")),
    "choices list missing": (xlsx([HEADER, ["select_one colours", "c", "Colour"]],
                                  choices=[["list_name", "name", "label"],
                                           ["sizes", "s", "Small"]]),
                             ("survey", 2, None, "pyxform")),
    "group not closed": (xlsx([HEADER, ["begin_group", "g", "G"], ["text", "q", "Q"]]),
                         ("survey", 2, None, "pyxform")),
    "end group without begin": (xlsx([HEADER, ["text", "q", "Q"], ["end_group"]]),
                                ("survey", 3, None, "pyxform")),
    "bad expression": (xlsx([HEADER + ["relevant"], ["text", "a", "A", None],
                             ["text", "b", "B", "${a} = = 'x'"]]),
                       ("survey", 3, "relevant", "bad_expression")),
    "unknown reference": (xlsx([HEADER + ["relevant"], ["text", "a", "A", None],
                                ["text", "b", "B", "${nobody} = 'x'"]]),
                          ("survey", 3, None, "pyxform")),
    "bare name in relevant": (xlsx([HEADER + ["relevant"], ["text", "a", "A", None],
                                    ["text", "b", "B", "a = 'x'"]]),
                              ("survey", 3, None, "attribute_not_allowed")),
    "unknown function": (xlsx([HEADER + ["constraint"], ["integer", "a", "A", "pulldata(1)"]]),
                         ("survey", 2, "constraint", "bad_expression")),
    "duplicate question names": (xlsx([HEADER, ["text", "a", "A"], ["begin_group", "g", "G"],
                                       ["text", "a", "A again"], ["end_group"]]),
                                 ("survey", 4, None, "duplicate_name")),
    "unknown language": (xlsx([["type", "name", "label::Klingon"], ["text", "q", "Q"]]),
                         ("survey", 1, "label::Klingon", "unknown_language")),
    "bad role": (xlsx([HEADER + ["role"], ["integer", "a", "A", "group:age"]]),
                 ("survey", 2, None, "role_not_allowed")),
    "duplicate header": (xlsx([["type", "name", "label", "name"], ["text", "q", "Q", "r"]]),
                         ("survey", 1, "name", "duplicate_column")),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_workbook_is_refused_with_its_location(case):
    source, expected = BROKEN[case]
    error = refused(source)
    assert (error.sheet, error.line, error.column, error.code) == expected, str(error)


def test_missing_file_is_refused():
    assert refused(Path("/nonexistent/form.xlsx")).code == "unreadable"


def test_error_messages_name_the_place_and_the_feature():
    error = refused(BROKEN["loop"][0])
    assert str(error) == ("Sheet survey, row 2, column type: Repeat groups (begin loop) "
                          "are not supported: ask each question once.")
    assert error.template == MESSAGES["repeat"] and error.params == {"type": "begin loop"}


def test_pyxform_row_numbers_are_kept():
    source = xlsx([HEADER, ["select_one colours", "c", "Colour"]],
                  choices=[["list_name", "name", "label"], ["colours", "red", "Red"],
                           ["colours", "red", "Red again"]])
    error = refused(source)
    assert (error.sheet, error.line) == ("choices", 3)


def is_form(path: Path) -> bool:
    """A workbook, or a CSV whose first cell names the survey sheet (the rest are choice lists)."""
    if path.suffix != ".csv":
        return path.suffix in (".xls", ".xlsx")
    return path.read_text(encoding="utf-8", errors="replace").lstrip().strip('"').lower().startswith("survey")


PYXFORM_FORMS = sorted(p for p in (SHARED / "pyxform").glob("*.*") if is_form(p)) if (SHARED / "pyxform").is_dir() else []


@needs_shared
@pytest.mark.parametrize("path", PYXFORM_FORMS, ids=lambda path: path.name)
def test_pyxform_workbooks_import_or_are_refused_with_a_place(path):
    """.xls and .xlsx alike go through the one table reader: each form imports, or is refused
    with a located problem; what pyxform itself refuses, we refuse too."""
    try:
        convert(xlsform=str(path))
        pyxform_accepts = True
    except PyXFormError:
        pyxform_accepts = False
    try:
        definition = import_xlsform(path)
    except Invalid as refused_form:
        assert refused_form.problems and all(problem.sheet or problem.code in MESSAGES
                                             for problem in refused_form.problems), str(refused_form)
    else:
        assert pyxform_accepts, f"{path.name} is refused by pyxform but was imported"
        assert list(iter_questions(definition))
        assert_round_trips(definition)


@pytest.mark.parametrize("metadata", ["phonenumber", "deviceid", "username", "email", "audit", "phone number"])
def test_contact_and_device_details_are_left_out_with_a_notice_not_refused(metadata):
    name = "audit" if metadata == "audit" else "kept_out"  # pyxform's rule for audit rows
    read = read_xlsform(xlsx([HEADER, ["text", "why", "Why?"], [metadata, name, "Your details"],
                              ["integer", "kids", "Children?"]]))
    assert list(questions(read.definition)) == ["why", "kids"]
    (notice,) = read.left_out
    assert (notice.sheet, notice.line, notice.column, notice.code) == ("survey", 3, "type", "contact_details")
    assert str(notice) == (f"Sheet survey, row 3, column type: {metadata} questions collect contact or device "
                           "details, which surveys do not store: this row is left out of the survey.")


def test_a_form_without_form_id_is_named_after_its_file():
    content = xlsx([HEADER, ["text", "why", "Why?"]])
    assert read_xlsform(content, filename="Household roster (2).xlsx").definition.form_id == "household_roster_2"
    assert read_xlsform(content, filename="2026.xls").definition.form_id == "form_2026"
    assert read_xlsform(content).definition.form_id == "data"  # pyxform's own name when nothing says


def test_a_calculation_imports_and_round_trips():
    defn = import_xlsform(xlsx([HEADER + ["calculation", "relevant"],
                                ["integer", "adults", "Adults?", None, None],
                                ["calculate", "size", None, "${adults} + 1", None],
                                ["text", "why", "Why?", None, "${size} > 5"]]))
    size = questions(defn)["size"]
    assert (size.type, size.calculation, size.label) == ("calculate", "${adults} + 1", {})
    assert_round_trips(defn)


def test_defaults_and_read_only_import_and_round_trip():
    defn = import_xlsform(xlsx([HEADER + ["default", "read_only"], ["integer", "round", "Round", 2, "yes"],
                                ["select_multiple yn", "m", "M", "yes no", None]],
                               choices=[["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]))
    found = {name: (q.default, q.read_only) for name, q in questions(defn).items()}
    assert found == {"round": ("2", True), "m": ("yes no", False)}
    assert_round_trips(defn)


def test_a_position_question_imports():
    defn = import_xlsform(xlsx([HEADER, ["geopoint", "door", "Where is the door?"]]))
    assert questions(defn)["door"].type == "geopoint"
    assert_round_trips(defn)


def test_a_form_written_as_csv_imports_with_its_line_numbers(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text('"survey",,,\n,"type","name","label"\n,"integer","kids","Children?"\n,,,\n'
                    ',"texte","why","Why?"\n"choices",,,\n,"list_name","name","label"\n', encoding="utf-8")
    refused_form = refused(path)
    assert (refused_form.sheet, refused_form.line, refused_form.code) == ("survey", 5, "unknown_type")
    path.write_text('"survey",,,\n,"type","name","label"\n,"gps","door","Door?"\n,"hidden","round",\n',
                    encoding="utf-8")
    defn = import_xlsform(path)
    assert {n: (q.type, q.calculation) for n, q in questions(defn).items()} == {
        "door": ("geopoint", None), "round": ("calculate", "''")}


def test_a_range_imports_with_its_parameters_and_round_trips():
    defn = import_xlsform(xlsx([HEADER + ["parameters"], ["range", "share", "Share?", "start=0 end=1 step=0.25"],
                                ["range", "stars", "Stars?", None]]))
    found = {name: q.parameters for name, q in questions(defn).items()}
    assert found == {"share": {"start": "0", "end": "1", "step": "0.25"},
                     "stars": {"start": "1", "end": "10", "step": "1"}}  # pyxform's own defaults
    assert_round_trips(defn)


# --- Repeats --------------------------------------------------------------------------


@needs_shared
def test_the_tutorial_household_roster_imports_as_a_repeat():
    defn = import_xlsform(SHARED / "pyxform" / "tutorial.xls")
    (member,) = defn.items
    assert isinstance(member, Group) and member.repeat and member.repeat_count is None
    names = [q.name for q in iter_questions(defn)]
    assert names[:2] == ["name", "relationship_to_household_head"] and "pregnant" in names
    # Relevance inside the repeat reads the same member's answers.
    assert questions(defn)["age_in_years"].relevant == "${older_than_five}='yes'"
    assert_round_trips(defn)


@needs_shared
def test_repeat_date_test_takes_its_count_and_is_refused_only_for_its_media_choices():
    """Its repeat and repeat_count import; its choices sheet has images (not ours to take yet)."""
    path = SHARED / "pyxform" / "repeat_date_test.xls"
    error = refused(path)
    assert (error.sheet, error.column, error.code) == ("choices", "image", "media_column")
    data = _read_sheets(path.read_bytes(), path.name)
    repeat = next(child for child in _to_json(data)["children"] if child["name"] == "repeat_test")
    assert repeat["type"] == "repeat" and repeat["control"]["jr:count"] == "${repeat_count}"
    survey_only = import_xlsform(xlsx(
        [["type", "name", "label", "repeat_count", "calculation"], ["calculate", "repeat_count", None, None, "1"],
         ["begin_repeat", "repeat_test", None, "${repeat_count}"],
         ["select_one yes_no", "table_list_3", "Q1"], ["end_repeat"]],
        choices=[["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]))
    assert survey_only.items[1].repeat_count == "${repeat_count}"


def nested_roster() -> bytes:
    header = ["type", "name", "label", "repeat_count", "calculation", "relevant"]
    return xlsx([header, ["integer", "n", "How many?"],
                 ["begin_repeat", "kids", "Kids", "${n} + 1"], ["text", "kid", "Name"],
                 ["calculate", "number", None, None, "position(..)"],
                 ["begin repeat", "visits", "Visits", "2"], ["date", "when", "When"],
                 ["text", "why", "Why", None, None, "${kid} != ''"], ["end repeat"], ["end_repeat"],
                 ["calculate", "total", None, None, "count(${kids}) + sum(${number})"]])


def test_nested_repeats_with_counts_import_and_round_trip():
    defn = import_xlsform(nested_roster())
    kids = defn.items[1]
    assert (kids.name, kids.repeat, kids.repeat_count) == ("kids", True, "${n} + 1")
    visits = kids.children[2]
    assert (visits.name, visits.repeat, visits.repeat_count) == ("visits", True, "2")
    # pyxform's generated kids_count/visits_count calculations are folded back into the counts.
    assert [q.name for q in iter_questions(defn)] == ["n", "kid", "number", "when", "why", "total"]
    assert_round_trips(defn)


def test_the_jr_count_column_is_a_repeat_count():
    defn = import_xlsform(xlsx([["type", "name", "label", "jr:count"], ["begin_repeat", "kids", "Kids", "3"],
                                ["text", "kid", "Name"], ["end_repeat"]]))
    assert defn.items[0].repeat_count == "3" and [q.name for q in iter_questions(defn)] == ["kid"]


def test_a_repeat_count_that_cannot_be_read_is_refused_at_its_row():
    error = refused(xlsx([["type", "name", "label", "repeat_count"], ["integer", "n", "N"],
                          ["begin_repeat", "kids", "Kids", "${n} + + "], ["text", "kid", "Name"], ["end_repeat"]]))
    assert (error.sheet, error.line, error.code) == ("survey", 3, "bad_expression")


def test_indexed_repeat_imports_as_pyxform_takes_it():
    source = xlsx([["type", "name", "label", "calculation"], ["begin_repeat", "kids", "Kids"], ["text", "kid", "Name"],
                   ["end_repeat"], ["calculate", "eldest", None, "indexed-repeat(${kid}, ${kids}, 1)"]])
    convert(xlsform=io.BytesIO(source), file_type=".xlsx")  # pyxform writes the XForm without complaint
    assert questions(import_xlsform(source))["eldest"].calculation == "indexed-repeat(${kid}, ${kids}, 1)"
