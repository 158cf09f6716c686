import numpy as np
import pytest

from nlp.active import rank_for_coding, uncertainty
from nlp.classify import TagModel

from .test_classify import corpus

CANDIDATES = [
    "we need food for the kids", "we need food for the kids!", "we need food for the kids.",
    "אין אוטובוס לבית הספר", "the park is lovely in spring", "rent is too expensive",
    "need food and the bus is late", "שלום לכולם",
]
IDS = [f"v{i}" for i in range(len(CANDIDATES))]


def test_uncertainty_is_one_at_threshold_and_zero_at_extremes():
    probabilities = np.array([[0.3, 0.9], [1.0, 0.0], [0.65, 0.0]])
    thresholds = np.array([0.3, 0.5])
    scores = uncertainty(probabilities, thresholds)
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == pytest.approx(0.0)
    assert scores[2] == pytest.approx(0.5)  # halfway from 0.3 up to 1.0


def test_without_model_first_batch_is_diverse():
    ranked = rank_for_coding(None, CANDIDATES, IDS, k=4, diversity=0.5)
    assert len(ranked) == len(set(ranked)) == 4
    # The three near-duplicate food requests never take two of the first four places.
    assert len({"v0", "v1", "v2"} & set(ranked)) <= 1


def test_without_diversity_picks_the_most_typical():
    ranked = rank_for_coding(None, CANDIDATES, IDS, k=2, diversity=0.0)
    assert set(ranked) <= {"v0", "v1", "v2", "v6"}


def test_with_model_prefers_uncertain_items():
    texts, labels = corpus()
    model = TagModel().fit(texts, labels)
    pool = ["no food and no bus today", "thank you", "שלום לכולם", "we need food"]
    probabilities = model.proba_array(pool)
    thresholds = np.array([model.thresholds_[c] for c in model.codes_])
    most_uncertain = pool[int(np.argmax(uncertainty(probabilities, thresholds)))]
    ranked = rank_for_coding(model, pool, pool, k=4, diversity=0.0)
    assert ranked[0] == most_uncertain
    assert sorted(ranked) == sorted(pool)


def test_deterministic_and_validated():
    first = rank_for_coding(None, CANDIDATES, IDS, k=5)
    assert first == rank_for_coding(None, CANDIDATES, IDS, k=5)
    assert rank_for_coding(None, [], [], k=3) == []
    assert len(rank_for_coding(None, CANDIDATES, IDS, k=50)) == len(CANDIDATES)
    with pytest.raises(ValueError, match="2 texts but 1 ids"):
        rank_for_coding(None, ["a", "b"], ["x"], k=1)
    with pytest.raises(ValueError, match="diversity"):
        rank_for_coding(None, ["a"], ["x"], k=1, diversity=2)
