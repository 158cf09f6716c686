import copy

import pytest

from nlp.codebook import Codebook, CodebookError, load_codebook
from nlp.langid import SUPPORTED_LANGUAGES

THEMES = ["early_learning", "schooling", "youth", "postsecondary", "jobs", "housing", "health",
          "mental_health", "food", "water", "safety", "transport", "parks", "civic"]
BARRIERS = ["cost", "transport", "language", "schedule", "information", "access",
            "eligibility", "childcare", "discrimination", "digital", "disability", "capacity"]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _minimal():
    return {"codes": [
        {"key": "theme.housing", "kind": "theme", "label": {"en": "Housing"},
         "keywords": {"en": ["rent", "landlord"]}},
        {"key": "barrier.cost", "kind": "barrier", "label": {"en": "Cost"}},
    ]}


def test_default_codebook_has_exactly_the_agreed_keys(codebook):
    expected = [f"theme.{k}" for k in THEMES] + [f"barrier.{k}" for k in BARRIERS]
    assert sorted(c.key for c in codebook.codes) == sorted(expected)
    assert all(c.kind == c.key.split(".")[0] for c in codebook)


def test_default_codebook_is_complete_in_seven_languages(codebook):
    assert codebook.languages == SUPPORTED_LANGUAGES
    for code in codebook:
        for lang in SUPPORTED_LANGUAGES:
            assert code.label.get(lang), (code.key, lang)
            assert code.description.get(lang), (code.key, lang)
            assert len(code.keywords.get(lang, ())) >= 8, (code.key, lang)
        assert any(" " in kw for kws in code.keywords.values() for kw in kws), code.key


def test_get_and_contains(codebook):
    assert codebook.get("barrier.cost").label["he"] == "עלות"
    assert codebook.get("nope") is None
    assert "theme.water" in codebook


def test_yaml_round_trip_keeps_hash(codebook, tmp_path):
    path = tmp_path / "cb.yaml"
    codebook.dump(path)
    again = load_codebook(path)
    assert again.content_hash() == codebook.content_hash()
    assert again.to_dict() == codebook.to_dict()


def test_hash_ignores_order_and_keyword_case_but_not_content():
    data = _minimal()
    base = load_codebook(data).content_hash()
    shuffled = copy.deepcopy(data)
    shuffled["codes"].reverse()
    shuffled["codes"][1]["keywords"]["en"] = ["Landlord", "rent"]
    assert load_codebook(shuffled).content_hash() == base
    edited = copy.deepcopy(data)
    edited["codes"][0]["keywords"]["en"].append("eviction")
    assert load_codebook(edited).content_hash() != base
    assert len(base) == 64


def test_from_dict_accepts_bare_list_from_database_rows():
    cb = Codebook.from_dict(_minimal()["codes"])
    assert [c.key for c in cb] == ["theme.housing", "barrier.cost"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["codes"][0].update(kind="topic"), "code 'theme.housing': field 'kind'"),
    (lambda d: d["codes"].append(dict(d["codes"][1])),
     "code 'barrier.cost': field 'key': duplicate"),
    (lambda d: d["codes"][1].pop("label"), "code 'barrier.cost': field 'label' is missing"),
    (lambda d: d["codes"][1].update(label={}), "code 'barrier.cost': field 'label'"),
    (lambda d: d["codes"][0]["label"].update(de="Wohnen"), "unknown language 'de'"),
    (lambda d: d["codes"][0]["keywords"].update(xx=["a"]), "field 'keywords': unknown language"),
    (lambda d: d["codes"][0].update(parent="theme.nothing"), "field 'parent': unknown code"),
    (lambda d: d["codes"][0].update(parent="barrier.cost"), "field 'parent'"),
    (lambda d: d["codes"][0].update(parent="theme.housing"), "field 'parent': cycle"),
    (lambda d: d["codes"][0].update(key="Housing"), "field 'key'"),
    (lambda d: d["codes"][0]["keywords"].update(en="rent"), "field 'keywords'"),
    (lambda d: d["codes"][0].update(colour="red"), "unknown field"),
])
def test_validation_errors_name_code_and_field(mutate, message):
    data = _minimal()
    mutate(data)
    with pytest.raises(CodebookError, match=message.replace("(", r"\(")):
        load_codebook(data)
    assert issubclass(CodebookError, ValueError)


def test_valid_parent_accepted():
    data = _minimal()
    data["codes"].append({"key": "theme.housing.rent", "kind": "theme",
                          "label": {"en": "Rent"}, "parent": "theme.housing"})
    assert load_codebook(data).get("theme.housing.rent").parent == "theme.housing"
