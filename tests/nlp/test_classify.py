import json
import random

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from nlp._features import Featurizer, fold_text, hashed_counts
from nlp.classify import ModelFormatError, TagModel, _best_threshold, _platt

FOOD = ["we need food for the children", "no bread and no rice left", "אין לנו אוכל בבית",
        "צריך לחם ואורז לילדים", "hungry family needs food", "האוכל נגמר"]
TRANSPORT = ["the bus never comes to our street", "no bus to the clinic",
             "אין אוטובוס לבית הספר", "התחבורה הציבורית לא מגיעה", "train too far away",
             "אוטובוס אחד ביום"]
OTHER = ["thank you for listening", "the park is nice", "תודה רבה על הכל", "הפארק יפה מאוד",
         "good morning neighbours", "שלום לכולם"]


def corpus(n_per_class=30, seed=0):
    rng = random.Random(seed)
    texts, labels = [], []
    for pool, codes in ((FOOD, {"theme.food"}), (TRANSPORT, {"barrier.transport"}),
                        (OTHER, set())):
        for _ in range(n_per_class):
            a, b = rng.sample(pool, 2)
            texts.append(f"{a}, {b}")
            labels.append(set(codes))
    both = [f"{rng.choice(FOOD)} and {rng.choice(TRANSPORT)}" for _ in range(10)]
    return texts + both, labels + [{"theme.food", "barrier.transport"}] * 10


class FakeCodebook:
    class _Code:
        def __init__(self, key):
            self.key = key

    def __init__(self, keys, digest="cb-hash-1"):
        self.codes = [self._Code(k) for k in keys]
        self._digest = digest

    def content_hash(self):
        return self._digest


@pytest.fixture(scope="module")
def model():
    texts, labels = corpus()
    return TagModel(random_state=0).fit(texts, labels)


def test_learns_both_scripts(model):
    predicted = model.predict(["אין אוכל לילדים", "we need food", "no bus to school",
                               "אוטובוס לא מגיע", "thank you"])
    assert predicted[0] == {"theme.food"}
    assert predicted[1] == {"theme.food"}
    assert predicted[2] == {"barrier.transport"}
    assert predicted[3] == {"barrier.transport"}
    assert predicted[4] == set()


def test_predict_proba_contract(model):
    probabilities = model.predict_proba(["we need food", "שלום"])
    assert len(probabilities) == 2
    assert set(probabilities[0]) == set(model.codes_) == {"theme.food", "barrier.transport"}
    assert all(0.0 <= p <= 1.0 for row in probabilities for p in row.values())
    assert set(model.thresholds_) == set(model.codes_)
    assert model.model_id_.startswith("tagmodel-")


def test_cv_metrics_and_counts(model):
    metrics = model.cv_metrics_
    assert set(metrics["codes"]) == set(model.codes_)
    assert metrics["codes"]["theme.food"]["support"] == 40
    assert metrics["micro_f1"] > 0.8
    assert model.training_counts_["human"] == 100
    assert model.training_counts_["codes"]["theme.food"] == {"human": 40, "weak": 0}


def test_threshold_falls_back_to_half_for_rare_codes():
    texts, labels = corpus()
    labels[0] = labels[0] | {"theme.rare"}
    fitted = TagModel(min_positives=5).fit(texts, labels)
    assert fitted.thresholds_["theme.rare"] == 0.5
    assert fitted.thresholds_["theme.food"] != 0.5


def test_best_threshold_maximises_f1():
    truth = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # Cutting below 0.6 gives 3 TP, 1 FP: F1 6/7, the best; the cut sits midway to 0.2.
    assert _best_threshold(truth, scores) == pytest.approx(0.4)


def test_deterministic():
    texts, labels = corpus()
    first = TagModel().fit(texts, labels)
    second = TagModel().fit(texts, labels)
    assert first.model_id_ == second.model_id_
    assert first.thresholds_ == second.thresholds_
    np.testing.assert_array_equal(first.proba_array(texts), second.proba_array(texts))


def test_init_only_stores_params():
    model = TagModel(C=3.0, min_df=1)
    assert model.get_params()["C"] == 3.0
    assert not [name for name in vars(model) if name.endswith("_")]


def test_codebook_fixes_codes_and_refuses_unknown():
    texts, labels = corpus()
    codebook = FakeCodebook(["theme.food", "barrier.transport", "theme.parks"])
    fitted = TagModel().fit(texts, labels, codebook=codebook)
    assert fitted.codes_ == ["barrier.transport", "theme.food", "theme.parks"]
    assert fitted.codebook_hash_ == "cb-hash-1"
    assert all(p["theme.parks"] < 0.05 for p in fitted.predict_proba(texts[:5]))
    with pytest.raises(ValueError, match="not in the codebook: barrier.transport"):
        TagModel().fit(texts, labels, codebook=FakeCodebook(["theme.food"]))


def test_weak_labels_only_while_humans_are_few():
    texts, labels = corpus()
    human = [labels[i] if i % 10 == 0 else None for i in range(len(texts))]
    weak = [labels[i] or None for i in range(len(texts))]
    few = TagModel(weak_until=50).fit(texts, human, weak=weak)
    assert few.training_counts_["human"] == 10
    # Only rule-tagged items join: the 27 neutral items without a rule tag stay out.
    assert few.training_counts_["weak"] == sum(1 for i in range(len(texts))
                                               if i % 10 and labels[i])
    many = TagModel(weak_until=5).fit(texts, human, weak=weak)
    assert many.training_counts_["weak"] == 0


def test_fit_from_tags_uses_ids():
    texts, labels = corpus()
    by_id = {f"v{i}": text for i, text in enumerate(texts)}
    human = {f"v{i}": labels[i] for i in range(0, len(texts), 2)}
    rule = {f"v{i}": labels[i] for i in range(1, len(texts), 2) if labels[i]}
    fitted = TagModel().fit_from_tags(human, rule, by_id)
    assert fitted.training_counts_["human"] == len(human)
    assert fitted.training_counts_["weak"] == len(rule)


def test_fit_rejects_misaligned_input():
    with pytest.raises(ValueError, match="2 texts but 1 label sets"):
        TagModel().fit(["a", "b"], [set()])
    with pytest.raises(ValueError, match="no human-coded"):
        TagModel().fit(["a", "b"], [None, None])


def test_save_load_roundtrip(model, tmp_path):
    model.save(tmp_path / "m")
    loaded = TagModel.load(tmp_path / "m")
    assert loaded.model_id_ == model.model_id_
    assert loaded.thresholds_ == model.thresholds_
    assert loaded.get_params() == model.get_params()
    assert loaded.cv_metrics_ == model.cv_metrics_
    texts = ["we need food", "אין אוטובוס", "hello"]
    np.testing.assert_array_equal(loaded.proba_array(texts), model.proba_array(texts))
    document = json.loads((tmp_path / "m" / "model.json").read_text())
    assert document["metadata"]["sklearn_version"]
    assert document["metadata"]["training_counts"]["human"] == 100


def _tamper_json(directory, change):
    path = directory / "model.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["thresholds"].update({"theme.food": 0.01}), "modified after saving"),
    (lambda d: d.update(format_version=99), "format version 99"),
    (lambda d: d.update(format="something-else"), "not a Community Voice tag model"),
])
def test_load_refuses_edited_json(model, tmp_path, change, message):
    model.save(tmp_path)
    _tamper_json(tmp_path, change)
    with pytest.raises(ModelFormatError, match=message):
        TagModel.load(tmp_path)


def test_load_refuses_edited_arrays(model, tmp_path):
    model.save(tmp_path)
    arrays = dict(np.load(tmp_path / "arrays.npz"))
    arrays["coef"] = arrays["coef"] * 2
    np.savez(tmp_path / "arrays.npz", **arrays)
    with pytest.raises(ModelFormatError, match="arrays.npz is missing or was modified"):
        TagModel.load(tmp_path)


def test_load_refuses_pickled_arrays_even_with_fixed_checksums(model, tmp_path):
    """A forger who recomputes the checksums still cannot make load unpickle anything."""
    import hashlib

    from nlp.classify import _canonical
    model.save(tmp_path)
    arrays = dict(np.load(tmp_path / "arrays.npz"))
    arrays["coef"] = np.array([{"evil": 1}], dtype=object)
    np.savez(tmp_path / "arrays.npz", **arrays)

    def forge(document):
        document.pop("document_sha256")
        document["arrays_sha256"] = hashlib.sha256(
            (tmp_path / "arrays.npz").read_bytes()).hexdigest()
        document["document_sha256"] = hashlib.sha256(_canonical(document).encode()).hexdigest()
    _tamper_json(tmp_path, forge)
    with pytest.raises(ModelFormatError, match="cannot read arrays"):
        TagModel.load(tmp_path)


def test_load_refuses_missing_files_and_other_codebooks(model, tmp_path):
    with pytest.raises(ModelFormatError, match="cannot read model.json"):
        TagModel.load(tmp_path / "nothing")
    texts, labels = corpus()
    fitted = TagModel().fit(texts, labels, codebook=FakeCodebook(
        ["theme.food", "barrier.transport"], digest="abc"))
    fitted.save(tmp_path / "m")
    assert TagModel.load(tmp_path / "m", codebook_hash="abc").codebook_hash_ == "abc"
    with pytest.raises(ModelFormatError, match="not on the current codebook"):
        TagModel.load(tmp_path / "m", codebook_hash="def")


def test_char_ngrams_match_scikit_learn_char_wb():
    texts = ["Need food for kids", "אין אוכל בבית הזה", "Слишком дорого платить",
             "ምግብ የለንም ዛሬ", "التكلفة عالية جدا"]
    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    counts = hashed_counts(texts, char_ngrams=(2, 5), word_ngrams=(1, 1))
    for row, text in enumerate(texts):
        n_char = counts[row, :2**20].sum()
        # Every word has 3+ letters, where char_wb's short-word special case never applies.
        assert n_char == len(analyzer(fold_text(text)))


def test_fold_text_strips_marks_and_case():
    assert fold_text("  Café\tÉCOLE ") == "cafe ecole"
    assert fold_text("שָׁלוֹם") == "שלום"
    assert fold_text("ምግብ") == "ምግብ"


def test_featurizer_rows_are_unit_norm():
    featurizer = Featurizer.fit(["food and water", "אוכל ומים", "food"], min_df=1)
    X = featurizer.transform(["food and water", "unseen zzz"])
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert norms[0] == pytest.approx(1.0)


def test_best_threshold_for_rules_union():
    truth = np.array([1, 1, 1, 0, 1, 0], dtype=bool)
    scores = np.array([0.9, 0.8, 0.3, 0.7, 0.6, 0.1])
    rules = np.array([1, 1, 0, 0, 0, 0], dtype=bool)
    # Rules find 2 of 4 (F1 4/6). The model's free items, best first: 0.7 (no), 0.6, 0.3
    # (yes), 0.1 (no). Adding the top three gives TP 4, FP 1: F1 8/9, the best; the cut sits
    # midway between 0.3 and 0.1.
    assert _best_threshold(truth, scores, fixed=rules) == pytest.approx(0.2)
    # When rules already find every positive, the model should add nothing.
    perfect = truth.copy()
    assert _best_threshold(truth, scores, fixed=perfect) == 1.0


def test_rule_tags_tune_thresholds_for_the_union():
    texts, labels = corpus()
    rules = [labels[i] if "food" in texts[i] else set() for i in range(len(texts))]
    fitted = TagModel().fit(texts, labels, weak=rules)
    assert fitted.cv_metrics_["output"] == "rules+model"
    assert fitted.training_counts_["weak"] == 0  # rule tags of coded items are not labels
    alone = TagModel(complement_rules=False).fit(texts, labels, weak=rules)
    assert alone.cv_metrics_["output"] == "model"


def test_threshold_keeps_a_minimum_precision():
    truth = np.array([1, 0, 0, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    # Unconstrained, the cut under 0.5 gives TP 4, FP 2 (F1 0.8); the cut under 0.9 alone
    # gives precision 1 but F1 0.4. At a precision floor of 0.7, the top 6 (4/6 = 0.67)
    # no longer qualify and the next best is the top one.
    assert _best_threshold(truth, scores) == pytest.approx(0.45)
    assert _best_threshold(truth, scores, min_precision=0.7) == pytest.approx(0.875)


def test_platt_scaling_recovers_a_known_slope():
    rng = np.random.RandomState(0)
    decision = rng.normal(size=4000)
    truth = rng.random_sample(4000) < 1.0 / (1.0 + np.exp(-(2.0 * decision - 1.0)))
    scale, shift = _platt(decision, truth)
    assert scale == pytest.approx(2.0, abs=0.2) and shift == pytest.approx(-1.0, abs=0.15)
    # Scores with no signal say only how common the code is.
    scale, shift = _platt(rng.normal(size=400), np.arange(400) < 40)
    assert scale >= 0.0


def test_calibrated_probabilities_match_held_out_frequencies():
    texts, labels = corpus(n_per_class=60, seed=1)
    test_texts, test_labels = corpus(n_per_class=40, seed=2)
    fitted = TagModel(random_state=0).fit(texts, labels)
    probabilities = fitted.proba_array(test_texts)
    for j, code in enumerate(fitted.codes_):
        observed = np.array([code in labels for labels in test_labels])
        assert probabilities[:, j].mean() == pytest.approx(observed.mean(), abs=0.1)
    assert 0.0 <= fitted.cv_metrics_["brier"] < 0.1


def test_regularisation_and_class_weight_are_chosen_per_code():
    texts, labels = corpus()
    grid = TagModel(C=(0.01, 100.0), class_weight=(None, "balanced")).fit(texts, labels)
    weak = TagModel(C=0.01, class_weight=None, calibrate=False).fit(texts, labels)
    # A C of 0.01 barely moves from the prior: the grid must have picked something better.
    assert grid.cv_metrics_["macro_f1"] > weak.cv_metrics_["macro_f1"]


def test_rule_tags_alone_train_a_model_without_a_brier_score():
    texts, labels = corpus()
    fitted = TagModel().fit(texts, [None] * len(texts), weak=labels)
    assert fitted.training_counts_["human"] == 0 and fitted.cv_metrics_["brier"] is None
