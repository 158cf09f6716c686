"""Script-agnostic text features shared by the classifier, active learning, topics and quotes.

Residents write in Hebrew, Arabic, Amharic, Cyrillic and Latin scripts, often misspelled and
without spaces where a tokenizer expects them. Character n-grams inside word boundaries
(``char_wb``) need no tokenizer or lemmatizer and tolerate spelling variants; word unigrams and
bigrams add whole-word evidence. Both are *hashed* so the featurizer itself is stateless: the
only learned state is which hashed columns were seen often enough (``columns``) and their idf,
two plain numpy arrays that serialise without pickle.

This module keeps its own normalisation on purpose: a saved model's features must not shift
when the pipeline's display normalisation changes, so ``FEATURE_VERSION`` pins it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

__all__ = ["FEATURE_VERSION", "Featurizer", "fold_text", "hashed_counts", "mmr_select"]

FEATURE_VERSION = "cv-features-1"

# One block per analyzer; the word block sits after the char block in one column space.
_BLOCK = 2**20
_TOKEN = r"(?u)\b\w+\b"
_SPACES = re.compile(r"\s+")
# Odd 64-bit constants for the rolling n-gram hash (multiplier) and its final bit mixing.
_PRIME = 0x100000001B3
_MIX = 0xBF58476D1CE4E5B9


def fold_text(text: str) -> str:
    """Case-fold and strip combining marks (Hebrew niqqud, Arabic harakat, Latin accents).

    Residents type the same word with and without diacritics; folding them makes the variants
    share n-grams. Ethiopic syllables are precomposed letters, so Amharic is unaffected.
    """
    if text.isascii():  # most input: nothing to decompose
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def _char_ngram_counts(texts: list[str], ngram_range: tuple[int, int]) -> sp.csr_matrix:
    """Counts of hashed character n-grams inside space-padded words (like ``char_wb``).

    scikit-learn builds each n-gram as a Python string (about 2,500 items/s here); this rolls
    a polynomial hash over the code points of the whole batch with numpy instead, an order of
    magnitude faster and independent of any library's hash function.
    """
    padded = [" " + "  ".join(fold_text(t).split()) + " " for t in texts]
    lengths = np.fromiter((len(p) for p in padded), dtype=np.int64, count=len(padded))
    points = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(padded)), lengths)
    space = points == ord(" ")
    spaces_before = np.concatenate([[0], np.cumsum(space)])
    rows, cols = [], []
    low, high = ngram_range
    for n in range(low, high + 1):
        starts = np.arange(max(0, points.shape[0] - n + 1))
        digest = np.full(starts.shape, n, dtype=np.uint64)
        for j in range(n):
            digest = digest * np.uint64(_PRIME) + points[starts + j]
        # Keep n-grams inside one padded word of one text: no space strictly inside, and not
        # the two-space gap between words.
        inner_spaces = spaces_before[starts + n - 1] - spaces_before[starts + 1]
        keep = (doc[starts] == doc[starts + n - 1]) & (inner_spaces == 0)
        if n == 2:
            keep &= ~(space[starts] & space[starts + 1])
        digest = digest[keep]
        digest ^= digest >> np.uint64(31)
        digest *= np.uint64(_MIX)
        digest ^= digest >> np.uint64(29)
        rows.append(doc[starts[keep]])
        cols.append((digest % np.uint64(_BLOCK)).astype(np.int64))
    # One sort of (row, column) keys gives CSR order and the duplicate counts at once.
    keys, freq = np.unique(np.concatenate(rows) * _BLOCK + np.concatenate(cols),
                           return_counts=True)
    indptr = np.searchsorted(keys, np.arange(len(padded) + 1) * _BLOCK)
    return sp.csr_matrix((freq.astype(np.float64), keys % _BLOCK, indptr),
                         shape=(len(padded), _BLOCK))


def hashed_counts(texts: list[str], *, char_ngrams=(2, 5), word_ngrams=(1, 2)) -> sp.csr_matrix:
    """Raw term counts of ``texts`` in the fixed 2 × 2**20 hashed column space."""
    texts = list(texts)
    words = HashingVectorizer(analyzer="word", ngram_range=tuple(word_ngrams), token_pattern=_TOKEN,
                              n_features=_BLOCK, alternate_sign=False, norm=None,
                              lowercase=False, preprocessor=fold_text, dtype=np.float64)
    counts = sp.hstack([_char_ngram_counts(texts, tuple(char_ngrams)), words.transform(texts)],
                       format="csr")
    counts.sort_indices()
    return counts


@dataclass(frozen=True)
class Featurizer:
    """Sublinear TF-IDF over the kept hashed columns, each block L2-normalised.

    ``columns`` are the hashed column ids kept (document frequency >= min_df in training),
    ``idf`` their inverse document frequencies. The char and word blocks are normalised
    separately and weighted, because char n-grams outnumber words about five to one and would
    otherwise drown whole-word evidence.
    """

    columns: np.ndarray
    idf: np.ndarray
    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    word_weight: float = 0.5

    @classmethod
    def fit(cls, texts: list[str], *, min_df: int = 2, char_ngrams=(2, 5), word_ngrams=(1, 2),
            word_weight: float = 0.5) -> "Featurizer":
        counts = hashed_counts(texts, char_ngrams=char_ngrams, word_ngrams=word_ngrams)
        n_docs = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        columns = np.flatnonzero(df >= max(1, min_df)).astype(np.int64)
        # Smooth idf as in scikit-learn's TfidfTransformer(smooth_idf=True).
        idf = np.log((1.0 + n_docs) / (1.0 + df[columns])) + 1.0
        return cls(columns=columns, idf=idf, char_ngrams=tuple(char_ngrams),
                   word_ngrams=tuple(word_ngrams), word_weight=float(word_weight))

    @property
    def n_features(self) -> int:
        return int(self.columns.shape[0])

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        counts = hashed_counts(texts, char_ngrams=self.char_ngrams, word_ngrams=self.word_ngrams)
        return self.transform_counts(counts)

    def transform_counts(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        # Map hashed columns to kept positions with a lookup table: much faster than CSR
        # column fancy-indexing over two million columns.
        position = np.full(2 * _BLOCK, -1, dtype=np.int64)
        position[self.columns] = np.arange(self.columns.shape[0])
        mapped = position[counts.indices]
        found = mapped >= 0
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[found]
        cols = mapped[found]
        block = (self.columns[cols] >= _BLOCK).astype(np.int64)  # 0 char, 1 word
        # Sublinear tf, log(1 + tf), keeps zeros sparse.
        values = np.log1p(counts.data[found]) * self.idf[cols]
        squares = np.bincount(rows * 2 + block, weights=values**2,
                              minlength=2 * counts.shape[0]).reshape(-1, 2)
        weight = np.sqrt(np.where(block == 1, self.word_weight, 1.0 - self.word_weight))
        values = values * weight / np.sqrt(squares[rows, block])
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=counts.shape[0]))])
        # Kept columns are increasing, so each row's mapped indices stay sorted.
        return sp.csr_matrix((values, cols, indptr), shape=(counts.shape[0], self.n_features))


def mmr_select(features: sp.csr_matrix, relevance: np.ndarray, *, k: int,
               diversity: float) -> list[int]:
    """Greedy maximal marginal relevance (Carbonell & Goldstein 1998) on L2-normalised rows.

    Each pick maximises ``(1 - diversity) * relevance - diversity * max cosine similarity to
    the rows already picked``; ties go to the earlier row, so the order is deterministic.
    """
    chosen: list[int] = []
    redundancy = np.zeros(features.shape[0])
    available = np.ones(features.shape[0], dtype=bool)
    for _ in range(min(k, features.shape[0])):
        score = (1.0 - diversity) * relevance - diversity * redundancy
        score[~available] = -np.inf
        best = int(np.argmax(score))  # argmax returns the first of equal scores
        chosen.append(best)
        available[best] = False
        similarity = (features @ features[best].T).toarray().ravel()
        np.maximum(redundancy, similarity, out=redundancy)
    return chosen
