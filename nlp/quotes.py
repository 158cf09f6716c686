"""Representative quotes: per code, and per group of residents.

Works on whatever text it is given: the committee sees redacted text only, so pass redacted
text. Per code, a quote should be typical of the code's items (cosine similarity to their
centroid) and the set should not repeat itself (maximal marginal relevance). Per group, a
quote should say what sets the group apart, in the spirit of Polis's "representative
comments": a code (or word) is over-represented when the group's share of items carrying it
exceeds the rest's by a one-sided two-proportion z-test on add-one smoothed shares.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._features import Featurizer, fold_text, mmr_select

__all__ = ["GroupQuote", "group_quotes", "overrepresentation", "quotes_by_code",
           "representative_quotes"]

_WORD = re.compile(r"\w{3,}")


def representative_quotes(texts: Sequence[str], ids: Sequence[Hashable], *, k: int = 3,
                          diversity: float = 0.3) -> list[Hashable]:
    """The ``k`` ids most central to ``texts`` yet unlike each other, best first."""
    texts, ids = list(texts), list(ids)
    if len(texts) != len(ids):
        raise ValueError(f"representative_quotes: {len(texts)} texts but {len(ids)} ids")
    if not texts or k <= 0:
        return []
    features = Featurizer.fit(texts, min_df=1).transform(texts)
    centroid = np.asarray(features.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    centrality = features @ centroid / norm if norm else np.zeros(len(texts))
    return [ids[i] for i in mmr_select(features, np.asarray(centrality).ravel(), k=k,
                                       diversity=diversity)]


def quotes_by_code(texts: Mapping[Hashable, str], tags: Mapping[Hashable, set[str]], *,
                   k: int = 3, diversity: float = 0.3,
                   min_items: int = 1) -> dict[str, list[Hashable]]:
    """``{code: quote ids}`` over the items tagged with each code (``tags[id]``).

    Codes on fewer than ``min_items`` items get no quotes (set it to the suppression
    threshold when a code's quotes would otherwise point at one or two residents).
    """
    members: dict[str, list[Hashable]] = {}
    for item in sorted(tags, key=str):
        for code in tags[item]:
            if item in texts:
                members.setdefault(code, []).append(item)
    return {code: representative_quotes([texts[i] for i in items], items, k=k,
                                         diversity=diversity)
            for code, items in sorted(members.items()) if len(items) >= min_items}


def overrepresentation(in_group: int, group_size: int, in_rest: int, rest_size: int) -> float:
    """One-sided two-proportion z statistic of a group's share against the rest's.

    Shares are add-one smoothed, p = (count + 1) / (size + 2), as Polis does, so that tiny
    counts do not give infinite evidence; z = (p_g - p_r) / sqrt(p (1 - p) (1/n_g + 1/n_r))
    with the pooled smoothed share p. z > 1.645 is over-representation at the 5% level.
    """
    p_group = (in_group + 1) / (group_size + 2)
    p_rest = (in_rest + 1) / (rest_size + 2)
    pooled = (in_group + in_rest + 1) / (group_size + rest_size + 2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / (group_size + 2) + 1 / (rest_size + 2)))
    return (p_group - p_rest) / spread


@dataclass(frozen=True)
class GroupQuote:
    id: Hashable
    unit: str  # the code (or "word:<w>") that makes the quote distinctive
    z: float  # over-representation of that unit in the group
    group_share: float  # share of the group's items carrying the unit
    rest_share: float


def group_quotes(texts: Mapping[Hashable, str], groups: Mapping[Hashable, str],
                 tags: Mapping[Hashable, set[str]] | None = None, *, k: int = 3,
                 min_group_size: int = 5, z_min: float = 1.645, words: bool = False,
                 diversity: float = 0.3) -> dict[str, list[GroupQuote]]:
    """Quotes that show what each group says more than everyone else.

    ``groups[id]`` is the item's group (a language, a neighbourhood…), ``tags[id]`` its
    codes. A unit is a code, or with ``words=True`` also a word of 3+ letters (for items not
    coded yet). For each group, units with z >= ``z_min`` (see ``overrepresentation``) are
    ranked by z; each quote is the most central item of the group carrying the best unit not
    yet quoted, up to ``k`` quotes with distinct units. Groups with fewer than
    ``min_group_size`` items are suppressed: they get no entry at all, so neither their
    quotes nor their size can single anyone out.
    """
    tags = tags or {}
    items = sorted((i for i in texts if i in groups), key=str)
    units = {i: set(tags.get(i, ())) | (_words(texts[i]) if words else set()) for i in items}
    totals: dict[str, int] = {}
    for item in items:
        for unit in units[item]:
            totals[unit] = totals.get(unit, 0) + 1
    result = {}
    for group in sorted({groups[i] for i in items}, key=str):
        members = [i for i in items if groups[i] == group]
        size, rest = len(members), len(items) - len(members)
        if size < min_group_size or rest == 0:
            continue
        counts: dict[str, int] = {}
        for item in members:
            for unit in units[item]:
                counts[unit] = counts.get(unit, 0) + 1
        scored = sorted(((overrepresentation(n, size, totals[u] - n, rest), u)
                         for u, n in counts.items()), key=lambda zu: (-zu[0], zu[1]))
        quotes, used = [], set()
        for z, unit in scored:
            if z < z_min or len(quotes) >= k:
                break
            carriers = [i for i in members if unit in units[i] and i not in used]
            if not carriers:
                continue
            best = representative_quotes([texts[i] for i in carriers], carriers, k=1,
                                         diversity=diversity)[0]
            used.add(best)
            quotes.append(GroupQuote(id=best, unit=unit, z=z, group_share=counts[unit] / size,
                                     rest_share=(totals[unit] - counts[unit]) / rest))
        result[group] = quotes
    return result


def _words(text: str) -> set[str]:
    return {f"word:{w}" for w in _WORD.findall(fold_text(text))}
