"""Representative quotes per code: a thin service over ``nlp.quotes`` (framework-free).

Only redacted text is ever read, only for codes raised by at least ``n`` residents in the
filtered population, and only a bounded sample of the newest items per code: the library
picks the most typical yet varied few among them.
"""
from __future__ import annotations

from flask import Flask, current_app

from ..extensions import db
from ..models.review import ReviewFactState
from ..nlp_adapter import representative_quotes
from .aggregates import Filters, codes_of_items, quote_candidates

# Quotes change only when items or tags do, which rebuilds the summary rows: each app caches
# them per build (a bounded number of entries, oldest dropped first).
QUOTE_CACHE = "review.quotes"
CACHE_SIZE = 2000


def init_app(app: Flask) -> None:
    app.extensions[QUOTE_CACHE] = {}


def quotes_for_code(f: Filters, code_id: int, *, k: int = 2) -> list[dict]:
    cache: dict[tuple, list[dict]] = current_app.extensions[QUOTE_CACHE]
    state = db.session.get(ReviewFactState, f.campaign_id)
    key = (f, code_id, k, state.fingerprint if state else None)
    if key not in cache:
        if len(cache) >= CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = _quotes(f, code_id, k)
    return cache[key]


def _quotes(f: Filters, code_id: int, k: int) -> list[dict]:
    """The chosen quotes' redacted text, language and every code the resident's text carries."""
    candidates = quote_candidates(f, code_id)
    if not candidates:
        return []
    texts = {item_id: (text, language) for item_id, text, language in candidates}
    chosen = representative_quotes([text for text, _ in texts.values()], list(texts), k=k)
    codes = codes_of_items(chosen)
    return [{"text": texts[item_id][0], "language": texts[item_id][1], "codes": codes.get(item_id, [])}
            for item_id in chosen]
