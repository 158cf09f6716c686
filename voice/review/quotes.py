"""Representative quotes per code: a thin service over ``nlp.quotes`` (framework-free).

Only redacted text is ever read, only for codes raised by at least ``n`` residents in the
filtered population, and only a bounded sample of the newest residents per code: each fact
row holds its quote item, chosen when the item was stored or tagged, so the candidates are one
indexed read. The library picks the most typical yet varied few among them; that choice
depends on the candidates alone, so each app keeps it keyed by them (a bounded number of
entries, oldest dropped first): it can never be stale, and a view whose candidates did not
change since any earlier view skips the library.
"""
from __future__ import annotations

from flask import Flask, current_app

from ..nlp_adapter import representative_quotes
from .aggregates import Filters, codes_of_items, quote_candidates

QUOTE_CACHE = "review.quotes"
CACHE_SIZE = 2000


def init_app(app: Flask) -> None:
    app.extensions[QUOTE_CACHE] = {}


def quotes_for_code(f: Filters, code_id: int, *, k: int = 2) -> list[dict]:
    """The chosen quotes' redacted text, language and every code the resident's text carries
    (read at each view: a tag added later changes them, not the choice)."""
    candidates = tuple(quote_candidates(f, code_id))
    if not candidates:
        return []
    cache: dict[tuple, list[dict[str, str]]] = current_app.extensions[QUOTE_CACHE]
    key = (k, candidates)
    if key not in cache:
        if len(cache) >= CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = _chosen(candidates, k)
    codes = codes_of_items([quote["item_id"] for quote in cache[key]])
    return [{"text": quote["text"], "language": quote["language"], "codes": codes.get(quote["item_id"], [])}
            for quote in cache[key]]


def _chosen(candidates: tuple, k: int) -> list[dict]:
    texts = {item_id: (text, language) for item_id, text, language in candidates}
    chosen = representative_quotes([text for text, _ in texts.values()], list(texts), k=k)
    return [{"item_id": item_id, "text": texts[item_id][0], "language": texts[item_id][1]} for item_id in chosen]
