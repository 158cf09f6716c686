"""Multi-label precision, recall and F1 on boolean matrices (used by classify and evaluate).

Kept apart from ``nlp.evaluate`` so that the classifier can report its cross-validation
metrics without importing the evaluation harness (and, through it, the pipeline).
Conventions follow scikit-learn with ``zero_division=0``: a ratio with a zero denominator is
0, and the macro average is the unweighted mean over all listed codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["multilabel_scores"]


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def multilabel_scores(truth: np.ndarray, predicted: np.ndarray, codes: Sequence[str]) -> dict:
    """Per-code precision, recall, F1 and support, plus micro and macro averages.

    ``truth`` and ``predicted`` are (n_items, n_codes) boolean arrays, columns in ``codes``
    order. Returns ``{"micro_precision", "micro_recall", "micro_f1", "macro_precision",
    "macro_recall", "macro_f1", "codes": {code: {"precision", "recall", "f1", "support"}}}``.
    """
    truth = np.asarray(truth, dtype=bool).reshape(-1, len(codes))
    predicted = np.asarray(predicted, dtype=bool).reshape(-1, len(codes))
    if truth.shape != predicted.shape:
        raise ValueError(f"truth {truth.shape} and predictions {predicted.shape} differ in shape")
    tp = (truth & predicted).sum(axis=0)
    fp = (~truth & predicted).sum(axis=0)
    fn = (truth & ~predicted).sum(axis=0)
    per_code = {}
    for j, code in enumerate(codes):
        per_code[code] = {"precision": _ratio(tp[j], tp[j] + fp[j]),
                          "recall": _ratio(tp[j], tp[j] + fn[j]),
                          "f1": _ratio(2 * tp[j], 2 * tp[j] + fp[j] + fn[j]),
                          "support": int(tp[j] + fn[j])}
    total_tp, total_fp, total_fn = tp.sum(), fp.sum(), fn.sum()
    n_codes = len(codes)
    return {
        "micro_precision": _ratio(total_tp, total_tp + total_fp),
        "micro_recall": _ratio(total_tp, total_tp + total_fn),
        "micro_f1": _ratio(2 * total_tp, 2 * total_tp + total_fp + total_fn),
        "macro_precision": _ratio(sum(s["precision"] for s in per_code.values()), n_codes),
        "macro_recall": _ratio(sum(s["recall"] for s in per_code.values()), n_codes),
        "macro_f1": _ratio(sum(s["f1"] for s in per_code.values()), n_codes),
        "codes": per_code,
    }
