"""Suggest emerging themes among items that no code explains yet.

The caller passes the items without any (rule, model or human) tag; this clusters them with
NMF over word TF-IDF, separately per language (a topic should not mix "bus" with "אוטובוס"
terms it cannot relate), and describes each topic by its top terms, candidate keywords for a
new codebook entry, its size and its most central items. Stop lists per language ship in
``nlp/data/stopwords_<lang>.txt``; text of unknown language uses all of them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from ._features import fold_text

__all__ = ["STOPWORD_LANGUAGES", "ThemeSuggestion", "load_stopwords",
           "suggest_emerging_themes"]

STOPWORD_LANGUAGES = ("en", "es", "fr", "ru", "he", "ar", "am")
_DATA = Path(__file__).parent / "data"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ThemeSuggestion:
    language: str
    terms: tuple[str, ...]  # most weighted first
    keywords: tuple[str, ...]  # terms not already codebook keywords: proposals for a new code
    size: int  # items whose strongest topic this is
    example_ids: tuple[Hashable, ...]  # the most central items first


@lru_cache(maxsize=None)
def load_stopwords(language: str | None) -> frozenset[str]:
    """The shipped stop list of ``language`` (folded); all lists together for any other."""
    if language not in STOPWORD_LANGUAGES:
        return frozenset().union(*(load_stopwords(lang) for lang in STOPWORD_LANGUAGES))
    text = (_DATA / f"stopwords_{language}.txt").read_text(encoding="utf-8")
    return frozenset(fold_text(line) for line in text.splitlines() if line.strip())


def _analyzer(stopwords: frozenset[str]):
    def terms(text: str) -> list[str]:
        words = [w for w in _WORD.findall(fold_text(text))
                 if w not in stopwords and len(w) > 1 and not w.isdigit()]
        return words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    return terms


def suggest_emerging_themes(texts: Sequence[str], ids: Sequence[Hashable], *,
                            languages: Sequence[str | None] | None = None, n_topics: int = 6,
                            n_terms: int = 8, n_keywords: int = 5, n_examples: int = 3,
                            min_size: int = 3, exclude_terms: Iterable[str] = (),
                            seed: int = 0) -> list[ThemeSuggestion]:
    """Topics among unexplained items, largest first.

    ``languages`` (aligned with ``texts``) splits the items into per-language groups; each
    group gets a share of ``n_topics`` proportional to its size (at least one) and no more
    than it can fill with ``min_size`` items per topic. Topics with fewer than ``min_size``
    items are dropped: they would be one resident's words, not a theme. ``exclude_terms``
    (e.g. every keyword of the codebook) are kept out of the proposed keywords.
    """
    texts, ids = list(texts), list(ids)
    languages = [None] * len(texts) if languages is None else list(languages)
    if not len(texts) == len(ids) == len(languages):
        raise ValueError(f"suggest_emerging_themes: {len(texts)} texts, {len(ids)} ids and "
                         f"{len(languages)} languages")
    excluded = {fold_text(term) for term in exclude_terms}
    groups: dict[str, list[int]] = {}
    for i, language in enumerate(languages):
        groups.setdefault(language if language in STOPWORD_LANGUAGES else "xx", []).append(i)
    suggestions = []
    for language in sorted(groups):
        members = groups[language]
        share = max(1, round(n_topics * len(members) / len(texts)))
        suggestions += _group_topics(
            [texts[i] for i in members], [ids[i] for i in members], language,
            n_topics=min(share, len(members) // max(min_size, 1)), n_terms=n_terms,
            n_keywords=n_keywords, n_examples=n_examples, min_size=min_size,
            excluded=excluded, seed=seed)
    return sorted(suggestions, key=lambda s: (-s.size, s.language, s.terms))


def _group_topics(texts, ids, language, *, n_topics, n_terms, n_keywords, n_examples,
                  min_size, excluded, seed) -> list[ThemeSuggestion]:
    if n_topics < 1:
        return []
    vectorizer = TfidfVectorizer(analyzer=_analyzer(load_stopwords(language)),
                                 min_df=2 if len(texts) >= 20 else 1, sublinear_tf=True)
    try:
        X = vectorizer.fit_transform(texts)
    except ValueError:  # every text was stop words only
        return []
    n_topics = min(n_topics, X.shape[1])
    # With no more distinct texts than topics (residents writing the same words), NMF rebuilds
    # X exactly, and scikit-learn's final error for a sparse X, a difference of norms, rounds
    # below zero before its square root ("invalid value in sqrt"); for a dense X it sums
    # squares. So few distinct texts have few terms, and the dense X is small.
    if n_topics >= _distinct_rows(X):
        X = X.toarray()
    # NMF topics are a suggestion for a human to read, not an estimate: a run stopped at
    # max_iter is still useful, so its ConvergenceWarning is not worth failing over.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(n_components=n_topics, init="nndsvda", max_iter=400, random_state=seed)
        weights = nmf.fit_transform(X)
    vocabulary = vectorizer.get_feature_names_out()
    strongest = weights.argmax(axis=1)
    assigned = weights.max(axis=1) > 0
    suggestions = []
    for topic in range(n_topics):
        members = np.flatnonzero(assigned & (strongest == topic))
        if len(members) < min_size:
            continue
        loading = nmf.components_[topic]
        top = [vocabulary[j] for j in np.argsort(-loading, kind="stable")[:n_terms]
               if loading[j] > 0]
        central = members[np.argsort(-weights[members, topic], kind="stable")][:n_examples]
        suggestions.append(ThemeSuggestion(
            language=language, terms=tuple(top),
            keywords=tuple([t for t in top if t not in excluded][:n_keywords]),
            size=int(len(members)), example_ids=tuple(ids[i] for i in central)))
    return suggestions


def _distinct_rows(X) -> int:
    X = X.tocsr()
    X.sort_indices()
    return len({(X.indices[start:end].tobytes(), X.data[start:end].tobytes())
                for start, end in zip(X.indptr, X.indptr[1:])})
