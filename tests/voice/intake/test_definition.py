"""The normalised survey definition: serialisation, validation, translations, pages."""

import json

import pytest

from voice.intake.definition import (
    MESSAGES,
    Choice,
    DefinitionError,
    Group,
    Question,
    SurveyDefinition,
    definition_hash,
    missing_translations,
    pages,
    validate_definition,
)


def survey(items, choice_lists=None, languages=("en", "he")) -> SurveyDefinition:
    return SurveyDefinition(
        form_id="f", title={"en": "Voice", "he": "קול"}, version="1",
        default_language=languages[0], languages=list(languages), items=items,
        choice_lists=choice_lists or {})


def text(name, **fields) -> Question:
    fields.setdefault("label", {"en": name, "he": name})
    return Question(name=name, type="text", **fields)


YES_NO = {"yn": [Choice("yes", {"en": "Yes", "he": "כן"}),
                 Choice("no", {"en": "No", "he": "לא"}, {"zone": "north"})]}


def full_survey() -> SurveyDefinition:
    return survey([
        Question("ok", "select_one", {"en": "OK?", "he": "בסדר?"}, required=True,
                 choice_list="yn", role="group:mood"),
        Group("g", {"en": "Page", "he": "עמוד"}, "field-list", "${ok} = 'yes'", [
            text("why", hint={"en": "Say more", "he": "ספרו"}, relevant="${ok} = 'no'"),
            Group("inner", relevant="${why} != ''", children=[text("more")]),
        ]),
        text("last", constraint="string-length(.) < 10",
             constraint_message={"en": "Too long", "he": "ארוך מדי"}),
    ], YES_NO)


def codes(defn):
    return [problem.code for problem in validate_definition(defn)]


def test_to_dict_is_json_and_round_trips():
    defn = full_survey()
    data = json.loads(json.dumps(defn.to_dict()))
    assert data["format"] == 1 and data["items"][1]["kind"] == "group"
    assert SurveyDefinition.from_dict(data) == defn


@pytest.mark.parametrize("broken", [
    {}, {"format": 2}, {"format": 1, "languages": "en"},
    {**full_survey().to_dict(), "items": [{"kind": "page"}]},
    {**full_survey().to_dict(), "items": [{"kind": "question", "name": 1, "type": "text"}]},
    {**full_survey().to_dict(), "choice_lists": {"yn": "yes"}},
])
def test_from_dict_refuses_malformed_data(broken):
    with pytest.raises(DefinitionError):
        SurveyDefinition.from_dict(broken)


def test_a_consistent_survey_has_no_problems():
    assert validate_definition(full_survey()) == []


@pytest.mark.parametrize("items, expected", [
    ([text("a"), Group("g", children=[text("a")])], ["duplicate_name"]),
    ([text("1a")], ["invalid_name"]),
    ([Question("a", "geotrace", {"en": "x"})], ["unknown_type"]),
    ([Question("a", "select_one", {"en": "x"}, choice_list="nope")], ["missing_choices"]),
    ([Question("a", "select_one", {"en": "x"})], ["missing_choices"]),
    ([text("a", choice_list="yn")], ["choices_not_allowed"]),
    ([text("a", choice_filter="zone = 'x'")], ["choice_filter_not_allowed"]),
    ([text("a", relevant="${a} = = 1")], ["bad_expression"]),
    ([text("a", constraint="${b} > 1")], ["unknown_reference"]),
    ([text("a", relevant="b = 1")], ["attribute_not_allowed"]),
    ([Question("a", "select_one", {"en": "x"}, choice_list="yn", choice_filter="size = 1")],
     ["unknown_choice_attribute"]),
    ([text("a", role="boss")], ["bad_role"]),
    ([text("a", role="group:age")], ["role_not_allowed"]),
    ([Question("a", "geography", {"en": "x"}, role="geography"),
      Question("b", "select_one", {"en": "x"}, choice_list="yn", role="geography")],
     ["duplicate_role"]),
    ([Group("g", children=[])], ["no_questions", "empty_group"]),
    ([text("a", label={"fr": "a"})], ["unlisted_language"]),
    ([Question("a", "calculate")], ["calculation_mismatch"]),
    ([text("a", calculation="1 + 1")], ["calculation_mismatch"]),
    ([Question("a", "range", {"en": "x"}, parameters={"start": "1", "end": "1", "step": "1"})], ["bad_range"]),
    ([Question("a", "range", {"en": "x"})], ["bad_range"]),
    ([text("a"), Question("b", "calculate", calculation="${a} +")], ["bad_expression"]),
    ([Question("b", "calculate", calculation="${nobody} + 1")], ["unknown_reference"]),
    ([Group("kids", repeat=True, repeat_count="${n} +", children=[text("a")])], ["bad_expression"]),
    ([Group("kids", repeat=True, repeat_count="${nobody}", children=[text("a")])], ["unknown_reference"]),
])
def test_validation_finds_each_problem(items, expected):
    assert codes(survey(items, YES_NO)) == expected


def test_validation_checks_languages():
    defn = survey([text("a", label={})], languages=["en"])
    defn.languages, defn.default_language = ["English"], "en"
    assert codes(defn) == ["bad_language", "default_language_not_listed"]
    defn.languages = []
    assert codes(defn)[0] == "no_languages"


def test_every_problem_message_formats():
    for problem in validate_definition(survey(
            [text("a", relevant="${zz} = 1"), text("a", role="x")], YES_NO)):
        assert problem.template == MESSAGES[problem.code]
        assert "%(" not in problem.message


def test_missing_translations_lists_path_field_and_language():
    defn = full_survey()
    assert missing_translations(defn) == []
    defn.items[1].children[0].hint = {"en": "Say more"}
    defn.choice_lists["yn"][0].label = {"en": "Yes"}
    defn.title = {"en": "Voice"}
    assert missing_translations(defn) == [
        ("", "title", "he"), ("g/why", "hint", "he"), ("choices/yn/yes", "label", "he")]


def test_a_question_without_any_label_is_missing_everywhere():
    defn = survey([text("a", label={})])
    assert missing_translations(defn) == [("a", "label", "en"), ("a", "label", "he")]


def test_pages_one_per_top_level_group_or_question():
    result = pages(full_survey())
    assert [(p.name, [q.name for q in p.questions]) for p in result] == [
        ("ok", ["ok"]), ("g", ["why", "more"]), ("last", ["last"])]
    assert result[1].relevant == {"why": ("${ok} = 'yes'", "${ok} = 'no'"),
                                  "more": ("${ok} = 'yes'", "${why} != ''")}
    assert result[0].relevant == {"ok": ()}


def test_definition_hash_is_stable_and_sensitive():
    assert definition_hash(full_survey()) == definition_hash(full_survey())
    changed = full_survey()
    changed.items[0].required = False
    assert definition_hash(changed) != definition_hash(full_survey())


def roster() -> SurveyDefinition:
    return survey([
        Question("n", "integer", {"en": "How many?", "he": "כמה?"}),
        Group("kids", {"en": "Kids", "he": "ילדים"}, repeat=True, repeat_count="${n}", children=[
            text("kid"),
            Group("visits", repeat=True, children=[text("why", relevant="${kid} != ''")]),
        ]),
        Question("size", "calculate", calculation="count(${kids})"),
    ])


def test_a_repeat_round_trips_and_may_be_counted():
    defn = roster()
    data = json.loads(json.dumps(defn.to_dict()))
    assert data["items"][1]["repeat"] is True and data["items"][1]["repeat_count"] == "${n}"
    assert "repeat" not in data["items"][1]["children"][1]["children"][0]
    assert SurveyDefinition.from_dict(data) == defn
    assert validate_definition(defn) == []


def test_a_plain_group_stores_no_repeat_keys_and_keeps_its_hash():
    data = full_survey().to_dict()
    assert not {"repeat", "repeat_count"} & set(data["items"][1])
    assert definition_hash(SurveyDefinition.from_dict(data)) == definition_hash(full_survey())


def test_only_a_repeat_has_a_repeat_count():
    data = roster().to_dict()
    del data["items"][1]["repeat"]
    with pytest.raises(DefinitionError):
        SurveyDefinition.from_dict(data)
