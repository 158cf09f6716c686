"""The expression language: shared vectors (Python and JavaScript) plus safety checks."""

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voice.intake import expressions
from voice.intake.expressions import (
    POSITION,
    ExpressionError,
    NodeSet,
    evaluate,
    every_instance,
    parse,
    references,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
VECTORS_PATH = HERE / "data" / "expression_vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
JS_MODULE = REPO / "voice" / "static" / "js" / "expressions.js"


def encode(value):
    """The vector file's spelling of a result: JSON cannot carry NaN or infinities."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"number": "NaN" if math.isnan(value) else
                "Infinity" if value > 0 else "-Infinity"}
    return value


def same(actual, expected) -> bool:
    """Equal and of the same kind: True must not pass for 1, nor '1' for 1."""
    kinds = (bool, int | float, str, list, dict)
    for kind in kinds:
        if isinstance(expected, kind):
            return isinstance(actual, kind) and not (
                kind is not bool and isinstance(actual, bool)) and actual == expected
    return actual == expected


def vector_id(vector):
    return vector["expression"][:40]


def python_result(vector):
    try:
        tree = parse(vector["expression"])
        value = evaluate(tree, vector["answers"], vector["current"],
                         today=vector.get("today"), choice=vector.get("choice"), data=vector.get("data"))
    except ExpressionError as err:
        return {"error": err.position}
    return {"value": encode(value)}


def expected_result(vector):
    if vector.get("error"):
        return {"error": vector["position"]}
    return {"value": vector["expected"]}


def test_vector_table_is_broad():
    assert len(VECTORS) >= 80
    operators = ["=", "!=", "<", "<=", ">", ">=", " and ", " or ", "+", "-", "*", " div ",
                 " mod ", "not(", "selected(", "count-selected(", "string-length(", "regex(",
                 "if(", "today()", "number(", "string(", "concat(", "contains(", "coalesce(",
                 "pulldata(",
                 "${", "."]
    text = " ".join(vector["expression"] for vector in VECTORS if not vector.get("error"))
    assert [op for op in operators if op not in text] == []


@pytest.mark.parametrize("vector", VECTORS, ids=vector_id)
def test_python_evaluator_matches_vector(vector):
    actual, expected = python_result(vector), expected_result(vector)
    assert actual.keys() == expected.keys()
    assert same(next(iter(actual.values())), next(iter(expected.values()))), vector


def test_javascript_evaluator_matches_vectors():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required in CI to check voice/static/js/expressions.js")
        pytest.skip("node is not on PATH: the JavaScript evaluator was not checked")
    completed = subprocess.run(
        [node, str(HERE / "expression_vectors.js"), str(JS_MODULE), str(VECTORS_PATH)],
        capture_output=True, text=True, check=True, timeout=60)
    results = json.loads(completed.stdout)
    mismatches = [
        (vector["expression"], actual, expected_result(vector))
        for vector, actual in zip(VECTORS, results, strict=True)
        if actual.keys() != expected_result(vector).keys()
        or not same(next(iter(actual.values())), next(iter(expected_result(vector).values())))
    ]
    assert mismatches == []


def test_references_lists_every_question_read():
    tree = parse("if(selected(${a}, 'x'), ${b} + 1, count-selected(${c})) and . = ${a}")
    assert references(tree) == {"a", "b", "c"}
    assert references(parse("1 + 2")) == set()


def test_attributes_lists_choice_columns():
    tree = parse("${state} = cf and name != 'x' and count-selected(.) > 0")
    assert expressions.attributes(tree) == {"cf", "name"}
    assert references(tree) == {"state"}


def test_error_carries_position_and_expression():
    with pytest.raises(ExpressionError) as caught:
        parse("${a} = = 1")
    assert caught.value.position == 7
    assert caught.value.expression == "${a} = = 1"
    assert "character 8" in str(caught.value)


def test_unanswered_values_and_none_are_empty():
    assert evaluate(parse("${a}"), {"a": None}) == ""
    assert evaluate(parse("string-length(${a})"), {}) == 0


def test_regex_on_very_long_text_is_false_not_slow():
    long_text = "a" * (expressions.MAX_REGEX_INPUT_LENGTH + 1)
    assert evaluate(parse("regex(., 'a')"), {}, long_text) is False


def test_long_or_chains_within_the_limit_evaluate():
    chain = " or ".join(f"${{q}} = '{i}'" for i in range(60))
    assert evaluate(parse(chain), {"q": "59"}) is True


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}().,'\"=!<>+-*/ abdimnoqrstvx0123456789_-", max_size=60))
def test_parse_raises_only_expression_error(source):
    try:
        tree = parse(source)
    except ExpressionError:
        return
    evaluate(tree, {"a": "1", "b": ["x", "y"]}, "2")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-10**6, max_value=10**6), st.integers(min_value=1, max_value=999))
def test_numbers_print_like_javascript(whole, thousandths):
    # JavaScript prints integral values without a fraction and shortest round-trip digits
    # otherwise; repr() agrees for ordinary magnitudes.
    value = whole + thousandths / 1000
    assert expressions.to_string(float(whole)) == str(whole)
    assert expressions.to_string(value) == repr(value)


def test_count_and_sum_read_the_answers_of_every_instance():
    answers = {"age": NodeSet((34, "7", 2.5)), "members": NodeSet(("", "", "")), "alone": "x"}
    assert evaluate(parse("count(${members})"), answers) == 3
    assert evaluate(parse("sum(${age})"), answers) == 43.5
    assert evaluate(parse("count(${alone}) + count(${nobody})"), answers) == 1
    assert evaluate(parse("sum(${nobody})"), answers) == 0
    assert math.isnan(evaluate(parse("sum(${age})"), {"age": NodeSet((1, ""))}))


def test_a_nodeset_read_elsewhere_is_its_first_answer():
    assert evaluate(parse("${age} + 1"), {"age": NodeSet((34, 7))}) == 35
    assert evaluate(parse("${age}"), {"age": NodeSet(())}) == ""


def test_position_is_the_instance_number():
    assert evaluate(parse("position(..) = 2"), {POSITION: 2}) is True
    assert evaluate(parse("concat('member ', position(..))"), {POSITION: 3}) == "member 3"


def test_indexed_repeat_reads_one_instance_and_nothing_beyond_them():
    answers = {every_instance("first"): NodeSet(("Ana", "Ben"))}
    assert evaluate(parse("indexed-repeat(${first}, ${members}, 2)"), answers) == "Ben"
    assert evaluate(parse("indexed-repeat(${first}, ${members}, 1 + 2)"), answers) == ""
    assert evaluate(parse("indexed-repeat(${first}, ${members}, 0)"), answers) == ""
    assert evaluate(parse("indexed-repeat(${nobody}, ${members}, 1)"), answers) == ""


@pytest.mark.parametrize("source", ["count(3)", "sum('a')", "position()", "position(.)", "..", "count(${a}, ${b})",
                                    "indexed-repeat('a', ${r}, 1)", "indexed-repeat(${a}, ${r})"])
def test_repeat_functions_refuse_what_they_cannot_read(source):
    with pytest.raises(ExpressionError):
        parse(source)
