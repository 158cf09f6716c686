"""How a view shows that an operation refused what a form sent.

``problems_flashed`` is a context manager that works like ``contextlib.suppress``: the block holds the
operation and what follows its success (a flash, a redirect); when the operation refuses, the
reason is shown and the view goes on after the block, usually to render the form again.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import flash

from .problems import Invalid


@contextmanager
def problems_flashed() -> Iterator[None]:
    """An ``Invalid`` from the block becomes one error message per problem, in the reader's language."""
    try:
        yield
    except Invalid as error:
        for problem in error.problems:
            flash(problem.located(), "error")

