"""How well do rules, the model and human coders agree with a reference coding?

Metrics (precision, recall, F1 per code; micro and macro averages), inter-coder agreement
(Cohen's kappa for two coders, Krippendorff's alpha for any number with missing data), a
learning curve, and ``evaluate_dataset``: score every tagging method on any labelled CSV
through a small YAML map from its label columns to codebook codes.

Run ``python -m nlp.evaluate --data F.csv --map F.map.yaml [--json]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, ShuffleSplit

from ._metrics import multilabel_scores
from .classify import TagModel
from .codebook import load_codebook
from .pipeline import Item, Pipeline

__all__ = ["METHODS", "alpha_by_code", "cohen_kappa", "evaluate_dataset", "format_table",
           "kappa_by_code", "krippendorff_alpha", "learning_curve", "main", "multilabel_scores",
           "score_tags"]

METHODS = ("rules", "model", "combined", "baseline")
_TRUE = {"1", "1.0", "true", "yes"}


# ------------------------------------------------------------------------------ metrics

def _as_matrix(sets: Sequence[set[str]], codes: Sequence[str]) -> np.ndarray:
    return np.array([[c in s for c in codes] for s in sets],
                    dtype=bool).reshape(len(sets), len(codes))


def _as_sets(matrix: np.ndarray, codes: Sequence[str]) -> list[set[str]]:
    return [{c for c, hit in zip(codes, row) if hit} for row in matrix]


def score_tags(truth: Sequence[set[str]], predicted: Sequence[set[str]],
               codes: Sequence[str]) -> dict:
    """``multilabel_scores`` on code sets: per-code P/R/F1/support and micro/macro."""
    codes = list(codes)
    return multilabel_scores(_as_matrix(truth, codes), _as_matrix(predicted, codes), codes)


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float:
    """Cohen's kappa of two coders over the same units: (p_o - p_e) / (1 - p_e).

    When chance agreement is certain (both coders used one and the same category throughout)
    kappa is undefined; this returns 1.0 then, since the coders never disagreed.
    """
    if len(first) != len(second):
        raise ValueError(f"coders rated {len(first)} and {len(second)} units")
    if not first:
        raise ValueError("no units rated by both coders")
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[c] * counts_b[c] for c in counts_a) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


def kappa_by_code(coder_a: Mapping[Hashable, set[str]], coder_b: Mapping[Hashable, set[str]],
                  codes: Sequence[str] | None = None) -> dict[str, float]:
    """Per-code kappa (present/absent) over the items both coders coded."""
    shared = sorted(set(coder_a) & set(coder_b), key=str)
    if not shared:
        raise ValueError("the two coders have no coded item in common")
    if codes is None:
        codes = sorted({c for item in shared for c in coder_a[item] | coder_b[item]})
    return {code: cohen_kappa([code in coder_a[i] for i in shared],
                              [code in coder_b[i] for i in shared]) for code in codes}


def krippendorff_alpha(units: Sequence[Sequence[Hashable | None]]) -> float:
    """Krippendorff's alpha for nominal data; ``units[u][c]`` is coder c's value or None.

    Built from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
    Alpha-Reliability"): units with fewer than two values are not pairable and drop out;
    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k. When all pairable values
    are equal there is no expected disagreement and alpha is 1.0.
    """
    coincidences: Counter = Counter()
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    coincidences[a, b] += 1.0 / (m - 1)
    totals: Counter = Counter()
    for (a, _b), weight in coincidences.items():
        totals[a] += weight
    n = sum(totals.values())
    if n == 0:
        raise ValueError("no unit has values from two or more coders")
    observed = sum(w for (a, b), w in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b)
    if expected == 0:
        return 1.0
    return 1.0 - (n - 1) * observed / expected


def alpha_by_code(codings: Mapping[Hashable, Mapping[Hashable, set[str]]],
                  codes: Sequence[str] | None = None) -> dict[str, float]:
    """Per-code nominal alpha; ``codings[coder][item]`` is the code set that coder gave.

    An item a coder did not code is missing data for that coder, not "absent".
    """
    items = sorted({item for coded in codings.values() for item in coded}, key=str)
    if codes is None:
        codes = sorted({c for coded in codings.values() for tags in coded.values() for c in tags})
    return {code: krippendorff_alpha(
                [[(code in coded[item]) if item in coded else None for coded in codings.values()]
                 for item in items])
            for code in codes}


def learning_curve(texts: Sequence[str], label_sets: Sequence[set[str]], *,
                   sizes: Sequence[int] = (50, 100, 200, 500), test_fraction: float = 0.25,
                   seed: int = 0, model_params: Mapping | None = None) -> list[dict]:
    """F1 of a TagModel trained on the first 50, 100, 200, 500… of a shuffled training pool.

    One held-out test set (``test_fraction`` of the items) serves every size, and the training
    sets are nested, so the curve shows the effect of more coding rather than of a new draw.
    Sizes larger than the pool are skipped.
    """
    texts, label_sets = list(texts), [set(s) for s in label_sets]
    codes = sorted({c for s in label_sets for c in s})
    order = np.random.RandomState(seed).permutation(len(texts))
    n_test = max(1, int(round(test_fraction * len(texts))))
    test, pool = order[:n_test], order[n_test:]
    curve = []
    for size in sizes:
        if size > len(pool):
            continue
        train = pool[:size]
        model = TagModel(random_state=seed, **dict(model_params or {})).fit(
            [texts[i] for i in train], [label_sets[i] for i in train])
        scores = score_tags([label_sets[i] for i in test],
                            model.predict([texts[i] for i in test]), codes)
        curve.append({"train_size": int(size), "micro_f1": scores["micro_f1"],
                      "macro_f1": scores["macro_f1"]})
    return curve


# ------------------------------------------------------------------------ dataset runs

def _load_map(map_path) -> dict:
    try:
        with open(map_path, encoding="utf-8") as handle:
            mapping = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"map {map_path}: cannot read: {error}") from error
    if not isinstance(mapping, dict):
        raise ValueError(f"map {map_path}: expected a mapping with 'codes'")
    codes = mapping.get("codes")
    if not isinstance(codes, dict) or not codes:
        raise ValueError(f"map {map_path}: 'codes' must map code keys to label columns")
    for key, columns in codes.items():
        if (not isinstance(columns, list) or not columns
                or not all(isinstance(c, str) and c for c in columns)):
            raise ValueError(f"map {map_path}: code {key!r} must list one or more label columns")
    row_filter = mapping.get("filter") or {}
    if not isinstance(row_filter, dict):
        raise ValueError(f"map {map_path}: 'filter' must map column names to values")
    text_column = mapping.get("text_column")
    if text_column is not None and not isinstance(text_column, str):
        raise ValueError(f"map {map_path}: 'text_column' must be a column name")
    return {"codes": codes, "filter": row_filter, "text_column": text_column}


def _read_rows(csv_path, mapping, text_column):
    try:
        with open(csv_path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"data {csv_path}: cannot read: {error}") from error
    needed = [text_column, *mapping["filter"],
              *(c for columns in mapping["codes"].values() for c in columns)]
    missing = sorted(set(needed) - set(header))
    if missing:
        raise ValueError(f"data {csv_path}: missing column(s) {', '.join(missing)}")
    kept = [row for row in rows
            if all(str(row[column]).strip() == str(value)
                   for column, value in mapping["filter"].items())]
    # Empty texts (e.g. messages that had no source-language original) say nothing to score.
    kept = [row for row in kept if (row[text_column] or "").strip()]
    if not kept:
        raise ValueError(f"data {csv_path}: no row with text in {text_column!r} is left after "
                         f"the filter {mapping['filter']}")
    return kept


def _baseline_predict(train_texts, train_targets, test_texts):
    """The usual baseline: word TF-IDF + one-vs-rest class-weighted logistic regression at 0.5.

    Class weights ("balanced") matter: unweighted, a code present in one item in twenty is
    never predicted at 0.5, and the baseline scores near zero, which makes beating it
    meaningless. Codes constant in the training split get that constant: scikit-learn would
    warn (and pytest turns warnings into errors) for a label with one class.
    """
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    X_train = vectorizer.fit_transform(train_texts)
    X_test = vectorizer.transform(test_texts)
    predicted = np.zeros((len(test_texts), train_targets.shape[1]), dtype=bool)
    varying = np.flatnonzero(train_targets.any(axis=0) & ~train_targets.all(axis=0))
    predicted[:, train_targets.all(axis=0)] = True
    for j in varying:  # one-vs-rest, one code at a time
        classifier = LogisticRegression(class_weight="balanced", max_iter=1000)
        classifier.fit(X_train, train_targets[:, j])
        predicted[:, j] = classifier.predict_proba(X_test)[:, 1] >= 0.5
    return predicted


def _splits(n_items, train_size, folds, seed):
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if train_size is None:
        if n_items < folds:
            raise ValueError(f"{n_items} items cannot make {folds} folds")
        return list(KFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.arange(n_items)))
    if not 0 < train_size < n_items:
        raise ValueError(f"train size must be between 1 and {n_items - 1}, got {train_size}")
    return list(ShuffleSplit(n_splits=folds, train_size=train_size, random_state=seed).split(
        np.arange(n_items)))


def evaluate_dataset(csv_path, map_path, *, text_column: str | None = None,
                     train_size: int | None = None, folds: int = 5, seed: int = 0,
                     codebook=None, model_params: Mapping | None = None) -> dict:
    """Score rules, model, combined and baseline tagging against a labelled CSV.

    The map (YAML) gives ``codes`` (code key -> label columns; a code is present when any
    listed column is 1), an optional row ``filter`` (column -> value) and the default
    ``text_column``. Rows with empty text are skipped.

    Splits: with ``train_size=None``, ``folds``-fold cross-validation (every item is tested
    once, training on the other folds); with a ``train_size``, ``folds`` random splits of
    ``train_size`` training items each, testing on the rest. Every method is scored on the
    same test items, pooled over the splits (counts summed, then P/R/F1 computed).

    Methods:
    - rules: the Pipeline with the codebook and no model (keyword matching).
    - model: a TagModel trained on the training items' redacted text, as the Pipeline would.
    - combined: rules ∪ model, exactly the tag set the Pipeline emits with a model attached
      (a code counts as present when a rule or the model tags it). The model is the same but
      given the training items' rule tags, so that its thresholds maximise the F1 of the
      union (``TagModel(complement_rules=True)``): it adds only confident tags where keywords
      already work and carries the codes where they fail. Rules need no training data and
      catch rare codes the model cannot learn from a handful of examples; the model catches
      the paraphrases and other languages that keywords miss. (Rules as model features would
      need the Pipeline to pass rule tags to ``predict_proba``, which its contract does not.)
    - baseline: word TF-IDF + one-vs-rest class-weighted logistic regression at threshold 0.5,
      same splits. ``format_table`` reports every method's difference from it.
    """
    mapping = _load_map(map_path)
    text_column = text_column or mapping["text_column"]
    if not text_column:
        raise ValueError(f"map {map_path}: no 'text_column' and none was given")
    codebook = load_codebook(codebook)
    codes = sorted(mapping["codes"])
    unknown = [code for code in codes if code not in codebook]
    if unknown:
        raise ValueError(f"map {map_path}: code(s) not in the codebook: {', '.join(unknown)}")
    rows = _read_rows(csv_path, mapping, text_column)
    truth = np.array([[any(str(row[c]).strip().lower() in _TRUE for c in mapping["codes"][code])
                       for code in codes] for row in rows], dtype=bool)
    redacted, rules = _rule_tags(codebook, [row[text_column] for row in rows], codes)
    splits = _splits(len(rows), train_size, folds, seed)
    new_model = partial(TagModel, random_state=seed, **dict(model_params or {}))
    return {
        "n_items": len(rows),
        "train_size": int(round(np.mean([len(train) for train, _ in splits]))),
        "folds": folds,
        "seed": seed,
        "text_column": text_column,
        "split": "kfold" if train_size is None else "shuffle",
        "methods": _score_methods(redacted, truth, rules, codes, splits, new_model),
    }


def _rule_tags(codebook, texts, codes):
    """The Pipeline's redacted texts, and its rule tags as an (items, codes) matrix."""
    results = list(Pipeline(codebook).tag(Item(i, text, None) for i, text in enumerate(texts)))
    rules = np.array([[any(t.code == code and t.source == "rule" for t in result.tags)
                       for code in codes] for result in results], dtype=bool)
    return [result.redacted_text for result in results], rules


def _score_methods(texts, truth, rules, codes, splits, new_model) -> dict:
    """Each method's micro/macro F1 and per-code scores over the test items of all splits."""
    pooled = {method: [] for method in METHODS}
    for train, test in splits:
        predicted = _predict_split(texts, truth, rules, codes, train, test, new_model)
        for method in METHODS:
            pooled[method].append(predicted[method])
    truth_pooled = truth[np.concatenate([test for _, test in splits])]
    methods = {}
    for method in METHODS:
        scores = multilabel_scores(truth_pooled, np.concatenate(pooled[method]), codes)
        methods[method] = {"micro_f1": scores["micro_f1"], "macro_f1": scores["macro_f1"],
                           "codes": scores["codes"]}
    return methods


def _predict_split(texts, truth, rules, codes, train, test, new_model) -> dict:
    """Each method's (test items, codes) predictions, trained on the ``train`` items."""
    train_texts = [texts[i] for i in train]
    test_texts = [texts[i] for i in test]
    train_labels = _as_sets(truth[train], codes)
    alone = new_model().fit(train_texts, train_labels)
    # Same features and weights; the rule tags only move the thresholds (complement_rules).
    beside_rules = new_model().fit(train_texts, train_labels,
                                   weak=_as_sets(rules[train], codes))
    return {"rules": rules[test],
            "model": _as_matrix(alone.predict(test_texts), codes),
            "combined": rules[test] | _as_matrix(beside_rules.predict(test_texts), codes),
            "baseline": _baseline_predict(train_texts, truth[train], test_texts)}


# -------------------------------------------------------------------------------- CLI

def format_table(result: dict) -> str:
    """A plain-text report: averages per method, then F1 per code and method."""
    methods = list(result["methods"])
    lines = [f"{result['n_items']} items, text column {result['text_column']!r}, "
             f"{result['folds']} {result['split']} splits, ~{result['train_size']} training "
             f"items each, seed {result['seed']}", "",
             f"{'method':<10}{'micro F1':>10}{'macro F1':>10}{'macro vs baseline':>19}"]
    baseline = result["methods"].get("baseline")
    for method in methods:
        scores = result["methods"][method]
        versus = (f"{scores['macro_f1'] - baseline['macro_f1']:>+19.3f}" if baseline
                  and method != "baseline" else "")
        lines.append(f"{method:<10}{scores['micro_f1']:>10.3f}{scores['macro_f1']:>10.3f}"
                     + versus)
    codes = list(result["methods"][methods[0]]["codes"])
    width = max(len(code) for code in codes) + 2
    lines += ["", f"{'F1 per code':<{width}}{'support':>8}"
              + "".join(f"{m:>10}" for m in methods)]
    for code in codes:
        support = result["methods"][methods[0]]["codes"][code]["support"]
        lines.append(f"{code:<{width}}{support:>8}" + "".join(
            f"{result['methods'][m]['codes'][code]['f1']:>10.3f}" for m in methods))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=(
        "Score rules, model, combined and baseline tagging against a labelled CSV."))
    parser.add_argument("--data", required=True, type=Path, help="labelled CSV file")
    parser.add_argument("--map", required=True, type=Path, help="YAML map of codes to columns")
    parser.add_argument("--text-column", help="text column (default: the map's text_column)")
    parser.add_argument("--train-size", type=int,
                        help="training items per split (default: k-fold cross-validation)")
    parser.add_argument("--folds", type=int, default=5, help="folds or random splits (5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--codebook", type=Path, help="codebook YAML (default: the shipped one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    try:
        result = evaluate_dataset(args.data, args.map, text_column=args.text_column,
                                  train_size=args.train_size, folds=args.folds, seed=args.seed,
                                  codebook=args.codebook)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
