"""Representative quotes per code: a thin service over ``nlp.quotes`` (framework-free).

Only redacted text is ever read, only for codes raised by at least ``n`` residents in the
filtered population, and only a bounded sample of the newest items per code: the library
picks the most typical yet varied few among them.
"""
from __future__ import annotations

from nlp.quotes import representative_quotes

from .aggregates import Filters, quote_candidates


def quotes_for_code(f: Filters, code_id: int, *, k: int = 2) -> list[dict[str, str]]:
    candidates = quote_candidates(f, code_id)
    if not candidates:
        return []
    texts = {item_id: (text, language) for item_id, text, language in candidates}
    chosen = representative_quotes([text for text, _ in texts.values()], list(texts), k=k)
    return [{"text": texts[item_id][0], "language": texts[item_id][1]} for item_id in chosen]
