"""The page flow: shared vectors run against voice.intake.flow (Python) and, through node,
against voice/static/js/flow.js (the browser and the canvass tablet)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from voice.intake import flow
from voice.intake.definition import SurveyDefinition, iter_questions, pages, split_key, validate_definition

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
VECTORS_PATH = HERE / "data" / "flow_vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
CASES = VECTORS["cases"]
JS_MODULE = REPO / "voice" / "static" / "js" / "flow.js"
EXPECTATIONS = ("next", "previous", "shown", "choices", "pruned", "check", "initial")


def form(name: str) -> flow.Form:
    """A survey as flow.py reads it; no database: the vectors have no geography question."""
    definition = SurveyDefinition.from_dict(VECTORS["surveys"][name])
    return flow.Form(survey=None, version=None, definition=definition, pages=pages(definition))


def checked_page(vector: dict) -> dict:
    """Errors as codes, or the survey's own message where it gives one (as the runner in JS)."""
    survey, index = form(vector["survey"]), vector["check"]["page"]
    answers = vector["answers"]
    on_page = {key for key in answers if survey.page_of.get(split_key(key)[1]) == index}
    checked = flow.check_page(survey, index, {k: v for k, v in answers.items() if k in on_page},
                              {k: v for k, v in answers.items() if k not in on_page},
                              vector["check"].get("language", "en"))
    errors = {name: code if checked.errors[name] == str(flow.MESSAGES[code]) else checked.errors[name]
              for name, code in checked.codes.items()}
    return {"page": index, "errors": errors, "stored": checked.answers}


def python_outcome(vector: dict) -> dict:
    survey, answers = form(vector["survey"]), vector["answers"]
    questions = survey.questions()
    computed = {
        "next": lambda: [[start, flow.next_page(survey, start, answers)] for start, _to in vector["next"]],
        "previous": lambda: [[start, flow.next_page(survey, start, answers, step=-1)]
                             for start, _to in vector["previous"]],
        "shown": lambda: flow.shown_keys(survey, answers),
        "choices": lambda: {name: [value for value, _label in flow.options(survey, questions[name], answers, "en")]
                            for name in vector["choices"]},
        "pruned": lambda: flow.prune(survey, answers),
        "initial": lambda: flow.initial_answers(survey),
        "check": lambda: checked_page(vector),
    }
    return {key: computed[key]() for key in EXPECTATIONS if key in vector}


def expected_outcome(vector: dict) -> dict:
    return {key: vector[key] if key != "check" else {k: v for k, v in vector[key].items() if k != "language"}
            for key in EXPECTATIONS if key in vector}


def test_vector_table_is_broad():
    assert len(CASES) >= 40
    assert {key for vector in CASES for key in vector} >= set(EXPECTATIONS)
    codes = {error for vector in CASES if "check" in vector for error in vector["check"]["errors"].values()}
    assert set(flow.MESSAGES) <= codes
    kinds = {question.type for name in VECTORS["surveys"] for question in iter_questions(form(name).definition)}
    assert kinds >= {"select_one", "select_multiple", "rank", "integer", "decimal", "date", "time", "datetime",
                     "calculate", "geopoint", "range", "text", "consent", "note"}


@pytest.mark.parametrize("name", sorted(VECTORS["surveys"]))
def test_vector_surveys_are_valid_definitions(name):
    assert validate_definition(SurveyDefinition.from_dict(VECTORS["surveys"][name])) == []


@pytest.mark.parametrize("vector", CASES, ids=lambda vector: vector["case"][:50])
def test_python_flow_matches_vector(vector):
    assert python_outcome(vector) == expected_outcome(vector)


def test_javascript_flow_matches_vectors(tmp_path):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required in CI to check voice/static/js/flow.js")
        pytest.skip("node is not on PATH: the JavaScript page flow was not checked")
    outlines = tmp_path / "pages.json"
    outlines.write_text(json.dumps({name: flow.page_outline(form(name)) for name in VECTORS["surveys"]}),
                        encoding="utf-8")
    completed = subprocess.run(
        [node, str(HERE / "flow_vectors.js"), str(JS_MODULE), str(VECTORS_PATH), str(outlines)],
        capture_output=True, text=True, check=True, timeout=60)
    results = json.loads(completed.stdout)
    mismatches = [(vector["case"], actual, expected_outcome(vector))
                  for vector, actual in zip(CASES, results, strict=True) if actual != expected_outcome(vector)]
    assert mismatches == []


SHARED = REPO.parent / "shared" / "fixtures" / "xlsform" / "pyxform"


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared XLSForm fixtures not found at {SHARED}")
def test_the_tutorial_roster_is_asked_per_member_and_checked_on_each_members_answers():
    from voice.surveys.xlsform import import_xlsform

    definition = import_xlsform(SHARED / "tutorial.xls")
    survey = flow.Form(survey=None, version=None, definition=definition, pages=pages(definition))
    woman = {"name": "Ana", "relationship_to_household_head": "head", "sex": "female", "resident": "yes",
             "stayed_last_night": "yes", "older_than_five": "yes", "age_in_years": "30", "literate": "yes",
             "pregnant": "no"}
    boy = {"name": "Ben", "relationship_to_household_head": "son_or_daughter", "sex": "male", "resident": "yes",
           "stayed_last_night": "yes", "older_than_five": "no", "age_in_months": "30", "pregnant": "yes"}
    checked = flow.check_all(survey, {"member": [woman, boy]}, "en")
    assert checked.errors == {}
    assert checked.answers["member/1/pregnant"] == "no" and "member/2/pregnant" not in checked.answers  # not asked of him
    too_old = flow.check_all(survey, {"member": [woman, {**boy, "age_in_months": "80"}]}, "en")
    assert too_old.codes == {"member/2/age_in_months": "not_accepted"}  # . <= 72, on his own answer
