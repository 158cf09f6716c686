import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

from nlp.evaluate import (METHODS, alpha_by_code, cohen_kappa, evaluate_dataset, kappa_by_code,
                          krippendorff_alpha, learning_curve, main, multilabel_scores,
                          score_tags)

FIXTURES = Path(__file__).parents[2].parent / "shared" / "fixtures" / "nlp"


# ---------------------------------------------------------------------------- metrics

@settings(max_examples=40, deadline=None)
@given(arrays(bool, (12, 3)), arrays(bool, (12, 3)))
def test_scores_match_scikit_learn(truth, predicted):
    codes = ["a", "b", "c"]
    ours = multilabel_scores(truth, predicted, codes)
    p, r, f, s = precision_recall_fscore_support(truth, predicted, average=None, zero_division=0)
    for j, code in enumerate(codes):
        assert ours["codes"][code] == pytest.approx(
            {"precision": p[j], "recall": r[j], "f1": f[j], "support": s[j]})
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(truth, predicted, average=average,
                                                     zero_division=0)
        assert ours[f"{average}_precision"] == pytest.approx(p)
        assert ours[f"{average}_recall"] == pytest.approx(r)
        assert ours[f"{average}_f1"] == pytest.approx(f)


def test_score_tags_on_sets():
    scores = score_tags([{"a"}, {"a", "b"}, set()], [{"a"}, {"b"}, {"a"}], ["a", "b"])
    assert scores["codes"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert scores["codes"]["b"]["f1"] == 1.0
    assert scores["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))


def test_cohen_kappa_hand_computed():
    a = [1, 1, 0, 0, 1, 0, 1, 1, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 1, 0]
    # Observed agreement 8/10; each coder says 1 half the time, so chance agreement is 0.5:
    # kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6.
    assert cohen_kappa(a, b) == pytest.approx(0.6)
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa([1, 1], [1, 1]) == 1.0


def test_kappa_by_code_uses_shared_items_only():
    first = {1: {"x"}, 2: set(), 3: {"x", "y"}, 4: {"y"}}
    second = {1: {"x"}, 2: {"x"}, 3: {"x", "y"}, 99: {"y"}}
    kappas = kappa_by_code(first, second)
    assert set(kappas) == {"x", "y"}
    assert kappas["x"] == pytest.approx(cohen_kappa([1, 0, 1], [1, 1, 1]))
    assert kappas["y"] == 1.0
    with pytest.raises(ValueError, match="no coded item in common"):
        kappa_by_code({1: set()}, {2: set()})


def test_krippendorff_alpha_textbook_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example:
    # 4 observers, 12 units, missing values; alpha = 0.743.
    n = None
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    units = [list(unit) for unit in zip(*observers)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_edge_cases():
    assert krippendorff_alpha([["a", "a"], ["a", "a", None]]) == 1.0
    with pytest.raises(ValueError, match="two or more coders"):
        krippendorff_alpha([["a", None], [None, None]])


def test_alpha_by_code_treats_uncoded_items_as_missing():
    codings = {
        "ana": {1: {"x"}, 2: set(), 3: {"x"}},
        "ben": {1: {"x"}, 2: set(), 3: {"x"}, 4: {"x"}},
        "cho": {2: set(), 4: set()},
    }
    alphas = alpha_by_code(codings, ["x"])
    units = [[True, True, None], [False, False, False], [True, True, None],
             [None, True, False]]
    assert alphas["x"] == pytest.approx(krippendorff_alpha(units))


# ------------------------------------------------------------- synthetic labelled data

FOOD = ["we need food", "no food at home", "hungry children", "אין אוכל", "צריך אוכל לילדים",
        "the food bank is closed"]
BUS = ["the bus never comes", "no bus to the clinic", "אין אוטובוס", "האוטובוס לא מגיע",
       "bus fare is too high"]
OTHER = ["thank you", "nice park", "תודה רבה", "good morning", "שלום לכולם", "see you"]


def synthetic_rows(n=160, seed=0):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        food, bus = rng.random() < 0.4, rng.random() < 0.3
        parts = ([rng.choice(FOOD)] if food else []) + ([rng.choice(BUS)] if bus else [])
        parts.append(rng.choice(OTHER))
        rng.shuffle(parts)
        rows.append({"id": i, "text": ", ".join(parts), "kind": "direct" if i % 8 else "news",
                     "food": int(food), "bus": int(bus), "fare": 0})
    return rows


@pytest.fixture
def dataset(tmp_path):
    data = tmp_path / "data.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "kind", "food", "bus", "fare"])
        writer.writeheader()
        writer.writerows(synthetic_rows())
    mapping = tmp_path / "map.yaml"
    mapping.write_text("text_column: text\nfilter: {kind: direct}\n"
                       "codes:\n  theme.food: [food]\n  barrier.transport: [bus, fare]\n",
                       encoding="utf-8")
    return data, mapping


def test_learning_curve_nested_sizes():
    rows = synthetic_rows(300)
    texts = [r["text"] for r in rows]
    labels = [{c for c, k in (("food", "food"), ("bus", "bus")) if r[k]} for r in rows]
    curve = learning_curve(texts, labels, sizes=(50, 100, 200, 500))
    assert [point["train_size"] for point in curve] == [50, 100, 200]
    assert all(0.0 <= point["micro_f1"] <= 1.0 for point in curve)
    assert curve[-1]["micro_f1"] > 0.8


def test_evaluate_dataset_structure(dataset):
    data, mapping = dataset
    result = evaluate_dataset(data, mapping, folds=3, seed=1)
    assert result["n_items"] == 140  # the filter drops every eighth row
    assert result["train_size"] == pytest.approx(140 * 2 / 3, abs=1)
    assert set(result["methods"]) == set(METHODS)
    for scores in result["methods"].values():
        assert set(scores) == {"micro_f1", "macro_f1", "codes"}
        assert set(scores["codes"]) == {"theme.food", "barrier.transport"}
        for code_scores in scores["codes"].values():
            assert set(code_scores) == {"precision", "recall", "f1", "support"}
    assert result["methods"]["model"]["micro_f1"] > 0.8
    assert result["methods"]["rules"]["codes"]["theme.food"]["recall"] > 0.5
    json.dumps(result)


def test_evaluate_dataset_train_size_repeats(dataset):
    data, mapping = dataset
    result = evaluate_dataset(data, mapping, train_size=60, folds=2)
    assert result["train_size"] == 60
    assert result["split"] == "shuffle"
    # Pooled over two splits of 80 test items each.
    support = result["methods"]["model"]["codes"]["theme.food"]["support"]
    assert support == result["methods"]["baseline"]["codes"]["theme.food"]["support"]


@pytest.mark.parametrize("map_text, kwargs, message", [
    ("codes: [food]\n", {}, "'codes' must map code keys"),
    ("text_column: text\ncodes:\n  theme.food: []\n", {}, "must list one or more"),
    ("text_column: text\ncodes:\n  theme.nope: [food]\n", {}, "not in the codebook: theme.nope"),
    ("text_column: text\ncodes:\n  theme.food: [meals]\n", {}, "missing column.*meals"),
    ("codes:\n  theme.food: [food]\n", {"text_column": "body"}, "missing column.*body"),
    ("codes:\n  theme.food: [food]\n", {}, "no 'text_column'"),
    ("text_column: text\nfilter: {kind: tweet}\ncodes:\n  theme.food: [food]\n", {},
     "no row with text"),
    ("text_column: text\nfilter: [kind]\ncodes:\n  theme.food: [food]\n", {},
     "'filter' must map"),
])
def test_evaluate_dataset_errors(dataset, map_text, kwargs, message):
    data, mapping = dataset
    mapping.write_text(map_text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        evaluate_dataset(data, mapping, **kwargs)


def test_evaluate_dataset_refuses_bad_split_settings(dataset):
    data, mapping = dataset
    with pytest.raises(ValueError, match="train size must be between"):
        evaluate_dataset(data, mapping, train_size=500)
    with pytest.raises(ValueError, match="folds must be at least 2"):
        evaluate_dataset(data, mapping, folds=1)


def test_cli_json_and_table(dataset, capsys):
    data, mapping = dataset
    assert main(["--data", str(data), "--map", str(mapping), "--folds", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["methods"]) == set(METHODS)
    assert main(["--data", str(data), "--map", str(mapping), "--folds", "2"]) == 0
    table = capsys.readouterr().out
    assert "micro F1" in table and "theme.food" in table and "baseline" in table


def test_cli_reports_errors(dataset, capsys):
    data, mapping = dataset
    assert main(["--data", str(data), "--map", str(mapping), "--text-column", "nope"]) == 2
    assert "missing column(s) nope" in capsys.readouterr().err


# ------------------------------------------------------------------- shared real data

@pytest.mark.slow
def test_disaster_response_fixture():
    data = FIXTURES / "disaster_response_validation.csv"
    mapping = FIXTURES / "disaster_response.map.yaml"
    if not (data.exists() and mapping.exists()):
        pytest.skip(f"shared fixtures not found at {FIXTURES} (they live outside the repo)")
    result = evaluate_dataset(data, mapping, train_size=400, folds=2, seed=0)
    assert result["n_items"] > 1000 and result["train_size"] == 400
    methods = result["methods"]
    assert set(methods) == set(METHODS)
    codes = methods["model"]["codes"]
    assert set(codes) == {"theme.food", "theme.water", "theme.housing", "theme.health",
                          "theme.safety", "barrier.cost", "barrier.transport"}
    # Trivial baseline: tag every item with every code (recall 1, precision = prevalence).
    positives = sum(scores["support"] for scores in codes.values())
    predictions = 2 * (result["n_items"] - result["train_size"]) * len(codes)
    precision = positives / predictions
    trivial_f1 = 2 * precision / (precision + 1)
    for method in ("model", "combined"):
        assert methods[method]["micro_f1"] > trivial_f1 + 0.2
    # The baseline is the class-weighted one: a fair bar, not a straw man.
    assert methods["baseline"]["macro_f1"] > 0.2
    assert methods["combined"]["macro_f1"] > methods["baseline"]["macro_f1"]
    assert methods["combined"]["macro_f1"] >= methods["model"]["macro_f1"] - 0.02
    assert all(np.isfinite(s["f1"]) for m in methods.values() for s in m["codes"].values())


def test_baseline_is_class_weighted_and_finds_a_rare_code(tmp_path):
    # One item in fifteen mentions the bus: an unweighted regression never reaches 0.5 on it.
    rng = random.Random(3)
    rows = [{"text": f"{rng.choice(BUS) if i % 15 == 0 else rng.choice(FOOD)}, "
                     f"{rng.choice(OTHER)}", "bus": int(i % 15 == 0)} for i in range(300)]
    data = tmp_path / "rare.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "bus"])
        writer.writeheader()
        writer.writerows(rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("text_column: text\ncodes:\n  barrier.transport: [bus]\n", encoding="utf-8")
    result = evaluate_dataset(data, mapping, train_size=150, folds=2)
    assert result["methods"]["baseline"]["codes"]["barrier.transport"]["recall"] > 0.8
