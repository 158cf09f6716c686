"""The one Problem type: where it was found, and its message in the reader's language."""
from flask_babel import force_locale

from voice.problems import Invalid, N_, Problem

MISSING = N_("The column %(column)s is missing.")


def test_a_problem_says_where_it_was_found():
    problem = Problem("missing_column", MISSING, {"column": "value"})
    assert problem.message == "The column value is missing."
    assert problem.at(line=3).located() == "Line 3: The column value is missing."
    assert problem.at(sheet="survey", line=4).located() == "Sheet survey, row 4: The column value is missing."
    assert (problem.at(sheet="survey", line=4, column="type").located()
            == "Sheet survey, row 4, column type: The column value is missing.")
    assert problem.at(sheet="choices").located() == "Sheet choices: The column value is missing."


def test_a_problem_is_translated_where_it_is_shown(app):
    problem = Problem("missing_column", MISSING, {"column": "value"}, line=3)
    with force_locale("es"):
        spanish = problem.located()
    assert spanish == "Línea 3: Falta la columna value."


def test_invalid_carries_every_problem_and_an_english_summary():
    problems = [Problem("a", MISSING, {"column": "x"}, line=2), Problem("b", MISSING, {"column": "y"})]
    error = Invalid(problems, status=403)
    assert error.problems == problems and error.status == 403
    assert str(error) == "Line 2: The column x is missing.; The column y is missing."
