"""JSON that a person sent (a request body or an uploaded file), read within bounds.

Python's parser recurses: arrays nested a few thousand deep end in a RecursionError, a server
error and a traceback per request. So the nesting is counted by a flat scan before parsing,
a request body is refused above ``MAX_BODY_BYTES`` before it is parsed, and what no
database can store is refused at the edge: NaN and Infinity (not JSON; PostgreSQL's json
refuses them) and unpaired surrogates (escapes such as \\ud800 that are no character and
cannot be written as UTF-8). NUL is left to ``voice.text.clean_text``, which drops it from
free text. Refusals raise ``Invalid`` with the HTTP status an API answers.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from flask import request

from .problems import Invalid, N_, Problem

# A tablet record or a resident's whole survey is a few kilobytes; this leaves room for long answers.
MAX_BODY_BYTES = 256 * 1024
# Deep enough for every shape the app reads (a GeoJSON MultiPolygon feature collection is 8).
MAX_DEPTH = 16
TOO_DEEP = N_("This is nested too deeply: at most %(depth)d levels are accepted.")

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def request_json(*, malformed_status: int = 400) -> Any:
    """The request's JSON body: 413 above ``MAX_BODY_BYTES``, ``malformed_status`` when it is not
    JSON, nests too deep or holds what cannot be stored."""
    # The declared length refuses before reading; a body sent without one is measured once read.
    if (request.content_length or 0) > MAX_BODY_BYTES or len(data := request.get_data(cache=True)) > MAX_BODY_BYTES:
        raise Invalid([Problem("too_large", N_("The request is too large: at most %(kilobytes)d kB are accepted."),
                               {"kilobytes": MAX_BODY_BYTES // 1024})], 413)
    return parse_json(data, status=malformed_status)


def parse_json(data: bytes, *, status: int = 422) -> Any:
    """Bytes read as JSON within ``MAX_DEPTH``, or ``Invalid`` (one problem, ``status``)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refusal("not_utf8", N_("This is not JSON: it is not UTF-8 text."), status) from None
    if _depth(text) > MAX_DEPTH:
        raise _refusal("too_deep", TOO_DEEP, status, depth=MAX_DEPTH)
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except ValueError as error:
        raise _refusal("not_json", N_("This is not valid JSON: %(error)s"), status, error=str(error)[:200]) from None
    if any(_SURROGATE.search(piece) for piece in _strings(value)):
        raise _refusal("not_unicode", N_("The JSON holds an unpaired surrogate escape, which is not text."),
                       status)
    return value


def _refusal(code: str, template: str, status: int, **params: Any) -> Invalid:
    return Invalid([Problem(code, template, params)], status)


def _depth(text: str) -> int:
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if bracket in "[{" else -1 for bracket in brackets), default=0)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(digits: str) -> float:
    number = float(digits)
    if math.isinf(number):
        raise ValueError(f"{digits[:20]} is too large a number")
    return number


def _strings(value: Any):
    """Every string in a parsed document, keys included (its depth is already bounded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
