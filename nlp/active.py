"""Which uncoded items should a human code next?

Items the model is least sure about teach it most (uncertainty sampling), but the most
uncertain items are often near-duplicates, so the ranking mixes uncertainty with diversity by
greedy maximal marginal relevance (MMR) over the same text features the model uses. Without a
model (nothing coded yet) relevance is how typical an item is, so the first batch covers the
main kinds of answers rather than outliers.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from ._features import Featurizer, mmr_select

__all__ = ["rank_for_coding", "uncertainty"]


def uncertainty(probabilities: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per item, 1 minus the smallest normalised distance of any code from its threshold.

    A probability at the threshold gives 1; at 0 or 1 gives 0. Distances are divided by the
    room on that side of the threshold, so a code with threshold 0.2 and one with 0.7 are
    compared fairly.
    """
    room = np.where(probabilities >= thresholds, 1.0 - thresholds, thresholds)
    distance = np.abs(probabilities - thresholds) / np.maximum(room, 1e-9)
    return 1.0 - np.clip(distance, 0.0, 1.0).min(axis=1)


def rank_for_coding(model, texts: Sequence[str], ids: Sequence[Hashable], *, k: int = 20,
                    diversity: float = 0.3, min_df: int = 1) -> list[Hashable]:
    """The ``k`` ids to code next, best first.

    ``model`` is a fitted TagModel (or anything with ``proba_array``, ``codes_`` and
    ``thresholds_``) or None. Each pick maximises
    ``(1 - diversity) * relevance - diversity * max cosine similarity to the items picked``,
    where relevance is the model's uncertainty, or without a model the cosine similarity to
    the centroid of all candidates. Ties go to the earlier item: the result is deterministic.
    ``min_df`` applies to the features built when there is no model.
    """
    texts, ids = list(texts), list(ids)
    if len(texts) != len(ids):
        raise ValueError(f"rank_for_coding: {len(texts)} texts but {len(ids)} ids")
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"diversity must be between 0 and 1, got {diversity}")
    if not texts or k <= 0:
        return []
    if model is None:
        features = Featurizer.fit(texts, min_df=min_df).transform(texts)
        centroid = np.asarray(features.mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        relevance = features @ centroid / norm if norm else np.zeros(len(texts))
    else:
        features = model.featurizer_.transform(texts)
        thresholds = np.array([model.thresholds_[code] for code in model.codes_])
        relevance = uncertainty(model.proba_array(texts), thresholds)
    order = mmr_select(features, np.asarray(relevance).ravel(), k=k, diversity=diversity)
    return [ids[i] for i in order]
