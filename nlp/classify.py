"""Multi-label tag model: hashed char + word TF-IDF and one logistic regression per code.

The model learns from human-coded VoiceItems (and, while those are few, from rule tags as
weak labels), picks a probability threshold per code by cross-validation, and saves itself as
JSON + a numpy ``.npz`` (no pickle), so that a model file can never execute code on load.

The pipeline uses three things: ``predict_proba(texts)`` (one ``{code: probability}`` per
text), ``thresholds_`` and ``model_id_``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from ._features import FEATURE_VERSION, Featurizer, hashed_counts
from ._metrics import multilabel_scores

__all__ = ["FORMAT_VERSION", "ModelFormatError", "TagModel"]

FORMAT_VERSION = 2  # 2: min_precision and calibrate parameters, C and class_weight grids
_JSON_NAME = "model.json"
_ARRAYS_NAME = "arrays.npz"
_ARRAY_NAMES = ("columns", "idf", "coef", "intercept")
# A fixed multilingual text hashed at save time and again at load time: if the hashing of
# features ever changed (a library upgrade), the stored columns would silently mean other
# n-grams, so loading refuses instead.
_PROBE = "Cost of the bus 2 school, יקר מדי, التكلفة عالية, ወጪ ብዙ ነው, слишком дорого"


class ModelFormatError(ValueError):
    """A saved model is missing, tampered with, or does not match what the caller expects."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic function


# A dataclass writes the keyword-only __init__ that stores each parameter unchanged, as
# scikit-learn estimators do; eq=False keeps identity equality for fitted models.
@dataclass(kw_only=True, eq=False)
class TagModel:
    """Multi-label classifier over codebook codes.

    Parameters (keyword-only, stored unchanged as scikit-learn estimators do):
    min_df: keep hashed n-grams seen in at least this many training texts.
    char_ngrams, word_ngrams: n-gram ranges of the char (within words) and word features.
    word_weight: share of each vector's squared norm given to word features (rest: chars).
    C: inverse L2 regularisation strength of each per-code logistic regression, or a tuple
        of candidates: each code then gets the candidate whose out-of-fold F1 is best. The
        best strength depends on how many items are coded (strong regularisation with 200,
        weak with thousands), so a fixed one would stop the model improving with more coding.
    class_weight: passed to LogisticRegression, or a tuple of candidates chosen per code
        with ``C`` (None and "balanced": rare codes often need the weighting).
    cv: folds used to choose C, class weight, thresholds and calibration, and to report
        ``cv_metrics_``.
    min_positives: a code needs this many positives to get a tuned threshold (else 0.5).
    min_precision: a code's threshold maximises F1 among the cuts whose out-of-fold precision
        is at least this: a tag coders see should be right more often than not.
    calibrate: Platt-scale each code's scores on its out-of-fold scores, so that a
        probability of 0.7 means about seven in ten are right. The scaling is folded into
        ``coef_`` and ``intercept_``; thresholds are then calibrated probabilities.
    weak_weight: sample weight of a rule-tagged (weak) item relative to a human-coded one.
    weak_until: rule tags are used only while fewer than this many items are human-coded.
    complement_rules: when ``fit`` gets the rule tags of human-coded items, choose thresholds
        for the Pipeline's output (rules ∪ model) rather than for the model alone.
    random_state: seed of the fold split and the solver.

    Learned attributes: ``codes_``, ``thresholds_``, ``cv_metrics_``, ``training_counts_``,
    ``codebook_hash_``, ``created_``, ``model_id_`` (a content hash of everything that
    determines the predictions) and the arrays ``featurizer_``, ``coef_``, ``intercept_``.
    """

    min_df: int = 2
    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    word_weight: float = 0.5
    C: float | tuple[float, ...] = (1.0, 10.0, 100.0)
    class_weight: str | None | tuple[str | None, ...] = (None, "balanced")
    cv: int = 3
    min_positives: int = 5
    min_precision: float = 0.3
    calibrate: bool = True
    weak_weight: float = 0.3
    weak_until: int = 200
    complement_rules: bool = True
    random_state: int = 0

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in _PARAM_NAMES}

    # ----------------------------------------------------------------------------- training

    def fit(self, texts: Sequence[str], label_sets: Sequence[Iterable[str] | None], *,
            weak: Sequence[Iterable[str] | None] | None = None, codebook=None) -> "TagModel":
        """Learn from ``texts`` and their human label sets.

        ``label_sets[i]`` is the set of codes a human gave item i (an empty set means "coded,
        no code applies"), or None when no human coded it. ``weak[i]`` is its rule tags (or
        None); for human-coded items they tune the thresholds (see ``complement_rules``).

        Weak-label policy: while fewer than ``weak_until`` items are human-coded, items that no
        human coded but that rules tagged with at least one code join the training data with
        sample weight ``weak_weight``. Items with no rule tag are left out rather than taken as
        negatives, because rules miss many positives. Once enough humans have coded, rule tags
        are ignored: they would only teach the model to copy the rules.

        ``codebook`` (anything with ``.codes[i].key`` and ``content_hash()``) fixes the code
        list, so codes nobody used yet still get a (never-firing) column, and records which
        codebook the model was trained against.
        """
        texts, label_sets, weak = _aligned(texts, label_sets, weak)
        train_texts, labels, weights, is_human, rule_sets = self._training_set(
            texts, label_sets, weak)
        if not train_texts:
            raise ValueError("fit: no human-coded or rule-tagged items to learn from")
        self.codes_, self.codebook_hash_ = _code_list(labels, codebook)
        targets = _code_matrix(labels, self.codes_)
        weights = np.asarray(weights, dtype=np.float64)
        is_human = np.asarray(is_human, dtype=bool)
        # Rule tags of the human-coded items, when known and wanted: thresholds then serve
        # the Pipeline's real output, rules ∪ model.
        with_rules = self.complement_rules and any(r is not None for r in rule_sets)
        rules = _code_matrix(rule_sets, self.codes_) if with_rules else None

        settings, calibration, self.thresholds_, self.cv_metrics_ = self._cross_validate(
            train_texts, targets, weights, is_human, rules)
        self.featurizer_, coef, intercept = self._fit_arrays(train_texts, targets, weights,
                                                             settings)
        # Platt scaling a * z + b of the decision value z = X @ coef + intercept, folded in.
        scale, shift = calibration[:, 0], calibration[:, 1]
        self.coef_ = coef * scale[:, None]
        self.intercept_ = intercept * scale + shift
        self.training_counts_ = self._training_counts(targets, is_human)
        self.created_ = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.model_id_ = self._content_hash()
        return self

    def fit_from_tags(self, human: Mapping[Hashable, Iterable[str]],
                      rule: Mapping[Hashable, Iterable[str]], texts: Mapping[Hashable, str], *,
                      codebook=None) -> "TagModel":
        """``fit`` from tags keyed by item id: ``human[id]`` and ``rule[id]`` code sets.

        Every id in ``texts`` is a candidate; an id present in ``human`` (even with an empty
        set) counts as human-coded. The weak-label policy of ``fit`` applies.
        """
        ids = sorted(texts, key=str)  # a stable order whatever the mapping's order
        return self.fit([texts[i] for i in ids],
                        [set(human[i]) if i in human else None for i in ids],
                        weak=[set(rule[i]) if i in rule else None for i in ids],
                        codebook=codebook)

    def _training_set(self, texts, label_sets, weak):
        n_human = sum(labels is not None for labels in label_sets)
        use_weak = n_human < self.weak_until
        rows = ([], [], [], [], [])
        for text, labels, rules in zip(texts, label_sets, weak):
            if labels is not None:
                row = (text, set(labels), 1.0, True, rules)
            elif use_weak and rules:
                row = (text, set(rules), float(self.weak_weight), False, None)
            else:
                continue
            for column, value in zip(rows, row):
                column.append(value)
        return rows

    def _training_counts(self, targets, is_human) -> dict:
        return {
            "items": len(targets),
            "human": int(is_human.sum()),
            "weak": int((~is_human).sum()),
            "codes": {code: {"human": int(targets[is_human, j].sum()),
                             "weak": int(targets[~is_human, j].sum())}
                      for j, code in enumerate(self.codes_)},
        }

    def _fit_arrays(self, texts, targets, weights, settings):
        """Featurizer and per-code weights; ``settings[j]`` is code j's (C, class weight)."""
        featurizer = Featurizer.fit(texts, min_df=self.min_df, char_ngrams=self.char_ngrams,
                                    word_ngrams=self.word_ngrams, word_weight=self.word_weight)
        coef, intercept = self._fit_weights(featurizer.transform(texts), targets, weights,
                                            settings)
        return featurizer, coef, intercept

    def _fit_weights(self, X, targets, weights, settings):
        """One logistic regression per code on features X; settings as in ``_fit_arrays``."""
        n_codes = targets.shape[1]
        coef = np.zeros((n_codes, X.shape[1]))
        intercept = np.zeros(n_codes)
        for j in range(n_codes):
            y = targets[:, j]
            if y.all() or not y.any():
                # One class only: a constant model at the smoothed prior, since
                # LogisticRegression refuses a single class.
                prior = (np.dot(weights, y) + 0.5) / (weights.sum() + 1.0)
                intercept[j] = math.log(prior / (1.0 - prior))
                continue
            # liblinear: deterministic and fast on small sparse problems.
            C, class_weight = settings[j]
            classifier = LogisticRegression(C=C, class_weight=class_weight,
                                            solver="liblinear", max_iter=1000,
                                            random_state=self.random_state)
            classifier.fit(X, y, sample_weight=weights)
            coef[j] = classifier.coef_[0]
            intercept[j] = classifier.intercept_[0]
        return coef, intercept

    def _cross_validate(self, texts, targets, weights, is_human, rules):
        """Per code: (C, class weight), Platt scaling and threshold, from out-of-fold scores.

        Each candidate setting is fitted on ``cv`` folds; a code takes the setting whose
        out-of-fold F1 (at its best threshold) is highest, then the Platt scaling of those
        out-of-fold decision values, then the threshold on the scaled probabilities.

        With ``rules`` (rule tags of the training items), a threshold maximises the F1 of
        rules ∪ model, which is what the Pipeline emits: where keywords already find a code
        well the model only adds confident extras, where they fail the model carries it.
        The metrics describe that same output, on the human-coded items only, with the
        settings and thresholds chosen on the same out-of-fold scores, so they are
        optimistic: a guide for the coding team, not a held-out test (nlp.evaluate gives that).
        """
        n_codes = targets.shape[1]
        candidates = [(C, weight) for C in _grid(self.C) for weight in _grid(self.class_weight)]
        settings = [candidates[0]] * n_codes
        calibration = np.tile([1.0, 0.0], (n_codes, 1))
        thresholds = np.full(n_codes, 0.5)
        if len(texts) < 2 * self.cv or self.cv < 2:
            return settings, calibration, dict(zip(self.codes_, thresholds.tolist())), None
        human_targets = targets[is_human]
        human_rules = (np.zeros(human_targets.shape, dtype=bool) if rules is None
                       else rules[is_human])
        decisions = [d[is_human] for d in self._out_of_fold(texts, targets, weights, candidates)]
        oof = np.zeros(human_targets.shape)
        for j in range(n_codes):
            truth, fixed = human_targets[:, j], human_rules[:, j]
            if truth.sum() < self.min_positives:
                oof[:, j] = _sigmoid(decisions[0][:, j])
                continue
            best = max(range(len(candidates)), key=lambda k: _threshold_f1(
                truth, decisions[k][:, j], fixed, self.min_precision)[1])
            settings[j] = candidates[best]
            if self.calibrate:
                calibration[j] = _platt(decisions[best][:, j], truth)
            oof[:, j] = _sigmoid(calibration[j, 0] * decisions[best][:, j] + calibration[j, 1])
            thresholds[j] = _best_threshold(truth, oof[:, j], fixed=fixed,
                                            min_precision=self.min_precision)
        predicted = (oof >= thresholds) | human_rules
        metrics = multilabel_scores(human_targets, predicted, self.codes_)
        metrics["output"] = "model" if rules is None else "rules+model"
        # Mean squared error of the calibrated probabilities (None: no human-coded item yet).
        metrics["brier"] = (float(np.mean((oof - human_targets) ** 2)) if human_targets.size
                            else None)
        return settings, calibration, dict(zip(self.codes_, thresholds.tolist())), metrics

    def _out_of_fold(self, texts, targets, weights, candidates):
        """Per candidate (C, class weight), each item's decision value X @ coef + intercept
        from a model that did not see it. Each fold is featurized once for all candidates."""
        decisions = [np.zeros(targets.shape) for _ in candidates]
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        text_array = np.array(texts, dtype=object)
        for train, test in folds.split(text_array):
            featurizer = Featurizer.fit(list(text_array[train]), min_df=self.min_df,
                                        char_ngrams=self.char_ngrams,
                                        word_ngrams=self.word_ngrams,
                                        word_weight=self.word_weight)
            X_train = featurizer.transform(list(text_array[train]))
            X_test = featurizer.transform(list(text_array[test]))
            for decision, setting in zip(decisions, candidates):
                coef, intercept = self._fit_weights(X_train, targets[train], weights[train],
                                                    [setting] * targets.shape[1])
                decision[test] = X_test @ coef.T + intercept
        return decisions

    # --------------------------------------------------------------------------- prediction

    def proba_array(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities as an (n_texts, n_codes) array, columns in ``codes_`` order."""
        X = self.featurizer_.transform(list(texts))
        return _sigmoid(X @ self.coef_.T + self.intercept_)

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One ``{code: probability}`` per text (the pipeline's contract)."""
        return [dict(zip(self.codes_, row.tolist())) for row in self.proba_array(texts)]

    def predict(self, texts: Sequence[str]) -> list[set[str]]:
        """The codes whose probability reaches their threshold, per text."""
        cut = np.array([self.thresholds_[code] for code in self.codes_])
        return [{code for code, hit in zip(self.codes_, row) if hit}
                for row in self.proba_array(texts) >= cut]

    # -------------------------------------------------------------------------- persistence

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"columns": self.featurizer_.columns, "idf": self.featurizer_.idf,
                "coef": self.coef_, "intercept": self.intercept_}

    def _behaviour(self) -> dict:
        """Everything besides the arrays that determines predictions."""
        return {"feature_version": FEATURE_VERSION, "params": _jsonable(self.get_params()),
                "codes": self.codes_, "thresholds": self.thresholds_}

    def _content_hash(self) -> str:
        digest = hashlib.sha256(_canonical(self._behaviour()).encode())
        for name in _ARRAY_NAMES:
            digest.update(np.ascontiguousarray(self._arrays()[name]).tobytes())
        return "tagmodel-" + digest.hexdigest()[:20]

    def save(self, path: str | Path) -> Path:
        """Write ``model.json`` and ``arrays.npz`` into directory ``path`` (created)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        arrays = self._arrays()
        with open(path / _ARRAYS_NAME, "wb") as handle:
            np.savez(handle, **arrays)
        document = {
            "format": "community-voice-tag-model",
            "format_version": FORMAT_VERSION,
            **self._behaviour(),
            "model_id": self.model_id_,
            "probe_columns": _probe_columns(self.char_ngrams, self.word_ngrams),
            "arrays_sha256": _file_sha256(path / _ARRAYS_NAME),
            "shapes": {name: list(array.shape) for name, array in arrays.items()},
            "metadata": {
                "codebook_hash": self.codebook_hash_,
                "training_counts": self.training_counts_,
                "cv_metrics": self.cv_metrics_,
                "created": self.created_,
                "sklearn_version": sklearn.__version__,
                "numpy_version": np.__version__,
            },
        }
        document["document_sha256"] = _sha256_text(_canonical(document))
        (path / _JSON_NAME).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, *, codebook_hash: str | None = None) -> "TagModel":
        """Rebuild a saved model, refusing anything tampered, truncated or mismatched.

        Checks the format and its version, both files' checksums, array names, dtypes and
        shapes, that feature hashing still maps the probe text to the same columns, and the
        content hash. With ``codebook_hash``, also that the model was trained on that
        codebook. The checksums catch corruption and casual edits, not a forger who rewrites
        them; safety against malicious files comes from never unpickling (JSON + numeric npz).
        """
        path = Path(path)
        document = _read_document(path)
        model = cls(**_saved_params(document, path))
        _check(document.get("probe_columns")
               == _probe_columns(model.char_ngrams, model.word_ngrams), path,
               "feature hashing differs from the library that trained this model: retrain it")
        arrays = _load_arrays(path / _ARRAYS_NAME)
        codes, thresholds = _saved_codes(document, path)
        _check_array_shapes(arrays, len(codes), path)
        metadata = document.get("metadata") or {}
        if codebook_hash is not None and metadata.get("codebook_hash") != codebook_hash:
            raise ModelFormatError(f"{path}: trained on codebook {metadata.get('codebook_hash')}"
                                   f", not on the current codebook {codebook_hash}: retrain")
        model._restore(codes, thresholds, arrays, metadata)
        _check(model.model_id_ == document.get("model_id"), path,
               "content hash does not match the stored model id")
        return model

    def _restore(self, codes, thresholds, arrays, metadata) -> None:
        """Set the learned attributes from the checked parts of a saved model."""
        self.codes_ = codes
        self.thresholds_ = thresholds
        self.featurizer_ = Featurizer(columns=arrays["columns"], idf=arrays["idf"],
                                      char_ngrams=self.char_ngrams,
                                      word_ngrams=self.word_ngrams,
                                      word_weight=self.word_weight)
        self.coef_ = arrays["coef"]
        self.intercept_ = arrays["intercept"]
        self.codebook_hash_ = metadata.get("codebook_hash")
        self.training_counts_ = metadata.get("training_counts")
        self.cv_metrics_ = metadata.get("cv_metrics")
        self.created_ = metadata.get("created")
        self.model_id_ = self._content_hash()


_PARAM_NAMES = tuple(field.name for field in fields(TagModel))


def _aligned(texts, label_sets, weak):
    """The three inputs of ``fit`` as lists of one length (no weak labels: all None)."""
    texts = list(texts)
    label_sets = list(label_sets)
    if len(texts) != len(label_sets):
        raise ValueError(f"fit: {len(texts)} texts but {len(label_sets)} label sets")
    weak = [None] * len(texts) if weak is None else list(weak)
    if len(weak) != len(texts):
        raise ValueError(f"fit: {len(texts)} texts but {len(weak)} weak label sets")
    return texts, label_sets, weak


def _code_list(labels, codebook) -> tuple[list[str], str | None]:
    """The model's codes and codebook hash: the codebook's codes, else the codes seen."""
    seen = sorted({code for codes in labels for code in codes})
    if codebook is None:
        return seen, None
    known = [code.key for code in codebook.codes]
    unknown = sorted(set(seen) - set(known))
    if unknown:
        raise ValueError(f"fit: codes not in the codebook: {', '.join(unknown)}")
    return sorted(known), codebook.content_hash()


def _code_matrix(code_sets, codes) -> np.ndarray:
    """(n_sets, n_codes) booleans; a None set has no code."""
    return np.array([[code in (code_set or ()) for code in codes] for code_set in code_sets],
                    dtype=bool).reshape(len(code_sets), len(codes))


def _grid(value) -> tuple:
    """A parameter's candidates: a tuple as it is, a single value as a one-tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _platt(decision: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(a, b) such that sigmoid(a * decision + b) estimates P(code | decision).

    A one-feature logistic regression on out-of-fold decision values (Platt 1999), lightly
    regularised. When the scores carry no signal (a <= 0), a = 0 and b is the prior's logit:
    the model then says only how common the code is.
    """
    model = LogisticRegression(C=100.0, solver="lbfgs").fit(decision[:, None], truth)
    scale, shift = float(model.coef_[0, 0]), float(model.intercept_[0])
    if scale <= 0.0:
        prior = (truth.sum() + 0.5) / (len(truth) + 1.0)
        return 0.0, math.log(prior / (1.0 - prior))
    return scale, shift


def _threshold_f1(truth: np.ndarray, scores: np.ndarray, fixed: np.ndarray | None = None,
                  min_precision: float = 0.0) -> tuple[float, float]:
    """(cut, F1) of the best cut for predicting ``score >= cut`` (or ``fixed``).

    ``fixed`` marks items predicted positive whatever the cut (rule tags). Cuts whose
    precision is below ``min_precision`` are not candidates. The cut lies midway between
    scores, so that a new item scoring just under the last out-of-fold positive is not lost
    to a razor-edge threshold. A cut of 1.0 means the model should add nothing to the rules
    (0.5 without rules, when no cut helps).
    """
    fixed = np.zeros(truth.shape, dtype=bool) if fixed is None else fixed
    free = ~fixed
    order = np.argsort(-scores[free], kind="stable")
    ranked, hits = scores[free][order], truth[free][order].astype(np.float64)
    base_tp, base_predicted = float(truth[fixed].sum()), float(fixed.sum())
    # Candidate k = number of free items predicted; k = 0 is "rules only".
    true_positives = base_tp + np.concatenate([[0.0], np.cumsum(hits)])
    predicted = base_predicted + np.arange(len(ranked) + 1)
    f1 = 2 * true_positives / np.maximum(predicted + truth.sum(), 1.0)
    precise = true_positives >= min_precision * predicted
    precise[0] = True  # adding nothing is always allowed
    f1[~precise] = -1.0
    # Only cut between distinct scores: after the last of each run of equal scores.
    f1[1:][np.append(ranked[1:] == ranked[:-1], False)] = -1.0
    best = int(np.argmax(f1))
    if best == 0:
        return (1.0 if fixed.any() else 0.5), float(max(f1[0], 0.0))
    below = ranked[best] if best < len(ranked) else 0.0
    return float(np.clip((ranked[best - 1] + below) / 2.0, 0.01, 0.99)), float(f1[best])


def _best_threshold(truth: np.ndarray, scores: np.ndarray, fixed: np.ndarray | None = None,
                    min_precision: float = 0.0) -> float:
    """The cut of :func:`_threshold_f1` (scores are probabilities, cuts within 0.01-0.99)."""
    return _threshold_f1(truth, scores, fixed, min_precision)[0]


def _probe_columns(char_ngrams, word_ngrams) -> list[int]:
    counts = hashed_counts([_PROBE], char_ngrams=tuple(char_ngrams),
                           word_ngrams=tuple(word_ngrams))
    return counts.indices.tolist()


def _read_document(path: Path) -> dict:
    """``model.json``, checked: format, version, both checksums and the feature version."""
    try:
        document = json.loads((path / _JSON_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFormatError(f"{path}: cannot read {_JSON_NAME}: {error}") from error
    _check(isinstance(document, dict)
           and document.get("format") == "community-voice-tag-model",
           path, "not a Community Voice tag model")
    _check(document.get("format_version") == FORMAT_VERSION, path,
           f"format version {document.get('format_version')!r}, expected {FORMAT_VERSION}")
    claimed = document.pop("document_sha256", None)
    _check(claimed == _sha256_text(_canonical(document)), path,
           f"{_JSON_NAME} was modified after saving (checksum mismatch)")
    _check(document.get("feature_version") == FEATURE_VERSION, path,
           f"features {document.get('feature_version')!r}, this library has "
           f"{FEATURE_VERSION!r}: retrain the model")
    _check(document.get("arrays_sha256") == _file_sha256(path / _ARRAYS_NAME), path,
           f"{_ARRAYS_NAME} is missing or was modified after saving")
    return document


def _saved_params(document: dict, path: Path) -> dict:
    """The saved parameters, with JSON's lists turned back into tuples."""
    params = document.get("params")
    _check(isinstance(params, dict) and set(params) == set(_PARAM_NAMES), path,
           "parameters missing or unknown")
    return {name: tuple(value) if isinstance(value, list) else value
            for name, value in params.items()}


def _saved_codes(document: dict, path: Path) -> tuple[list[str], dict[str, float]]:
    codes = document.get("codes")
    thresholds = document.get("thresholds")
    _check(isinstance(codes, list) and all(isinstance(c, str) for c in codes)
           and len(set(codes)) == len(codes), path, "codes must be distinct strings")
    _check(isinstance(thresholds, dict) and set(thresholds) == set(codes)
           and all(isinstance(t, float) and 0.0 <= t <= 1.0 for t in thresholds.values()),
           path, "thresholds must give each code a probability")
    return codes, thresholds


def _check_array_shapes(arrays: dict[str, np.ndarray], n_codes: int, path: Path) -> None:
    n_features = arrays["columns"].shape[0]
    expected = {"columns": (n_features,), "idf": (n_features,),
                "coef": (n_codes, n_features), "intercept": (n_codes,)}
    for name, shape in expected.items():
        _check(arrays[name].shape == shape, path,
               f"array {name} has shape {arrays[name].shape}, expected {shape}")
    columns = arrays["columns"]
    _check(bool(np.all(np.diff(columns) > 0)) and (n_features == 0 or (
        columns[0] >= 0 and columns[-1] < 2 * 2**20)), path,
        "feature columns must be increasing and within the hashed space")


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    expected_dtypes = {"columns": np.int64, "idf": np.float64, "coef": np.float64,
                       "intercept": np.float64}
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            _check(names == set(_ARRAY_NAMES), path,
                   f"arrays {sorted(names)}, expected {sorted(_ARRAY_NAMES)}")
            arrays = {name: archive[name] for name in _ARRAY_NAMES}
    except (OSError, ValueError) as error:
        if isinstance(error, ModelFormatError):
            raise
        raise ModelFormatError(f"{path}: cannot read arrays: {error}") from error
    for name, dtype in expected_dtypes.items():
        _check(arrays[name].dtype == dtype, path,
               f"array {name} has dtype {arrays[name].dtype}, expected {np.dtype(dtype)}")
        _check(bool(np.all(np.isfinite(arrays[name]))), path, f"array {name} is not finite")
    return arrays


def _check(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise ModelFormatError(f"{path}: {message}")


def _jsonable(params: dict) -> dict:
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in params.items()}


def _canonical(document) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
