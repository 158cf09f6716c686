"""How a view shows that an operation refused what a form sent.

Both helpers are context managers that work like ``contextlib.suppress``: the block holds the
operation and what follows its success (a flash, a redirect); when the operation refuses, the
reason is shown and the view goes on after the block, usually to render the form again.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import flash
from wtforms import Field

from .problems import Invalid


@contextmanager
def problems_flashed() -> Iterator[None]:
    """An ``Invalid`` from the block becomes one error message per problem, in the reader's language."""
    try:
        yield
    except Invalid as error:
        for problem in error.problems:
            flash(problem.located(), "error")


@contextmanager
def refused_on_field(field: Field, refusal: type[Exception], message: str) -> Iterator[None]:
    """A ``refusal`` from the block (another record holds this e-mail, this short name…) becomes
    ``message`` under the form ``field`` that holds the refused value."""
    try:
        yield
    except refusal:
        field.errors.append(message)
