"""Representative quotes per code: a thin service over ``nlp.quotes`` (framework-free).

Only redacted text is ever read, only for codes raised by at least ``n`` residents in the
filtered population, and only a bounded sample of the newest residents per code: each fact
row holds its quote item, chosen when the item was stored or tagged, so a first view reads
the same index as every other. The library picks the most typical yet varied few among them.
"""
from __future__ import annotations

from ..nlp_adapter import representative_quotes
from .aggregates import Filters, quote_candidates


def quotes_for_code(f: Filters, code_id: int, *, k: int = 2) -> list[dict[str, str]]:
    candidates = quote_candidates(f, code_id)
    if not candidates:
        return []
    texts = {item_id: (text, language) for item_id, text, language in candidates}
    chosen = representative_quotes([text for text, _ in texts.values()], list(texts), k=k)
    return [{"text": texts[item_id][0], "language": texts[item_id][1]} for item_id in chosen]
