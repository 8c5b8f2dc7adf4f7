"""Statistics of a classifier's predictions, in NumPy alone: per-class precision, recall and F1, Cohen's kappa, a
confidence interval on accuracy, and McNemar's test of two classifiers scored on the same examples.

Why these: accuracy alone hides a model that is good on one class only (per-class recall shows it), flatters a
skewed test set (kappa discounts the agreement chance alone would give), and says nothing of how sure the figure
is (the interval) or whether one model really beats another on the same reviews (McNemar, which looks only at the
reviews the two models disagree on). The R chapter prints these with caret's ``confusionMatrix``.

A figure that is undefined (the precision of a class never predicted, kappa when chance agreement is already
perfect) is None, not 0 or NaN: JSON has no NaN, and 0 would read as a measured failure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hangul_rnn.errors import UsageError

#: z of a two-sided 95% interval of the standard normal distribution.
Z_95 = 1.959963984540054


def confusion_matrix(labels: Sequence[int] | np.ndarray, predictions: Sequence[int] | np.ndarray,
                     n_classes: int) -> np.ndarray:
    """Counts ``[true, predicted]`` of ``n_classes`` classes; a label or prediction outside them is a UsageError."""
    y = np.asarray(labels, dtype=np.int64)
    pred = np.asarray(predictions, dtype=np.int64)
    if y.shape != pred.shape or y.ndim != 1:
        raise UsageError(f"labels and predictions must be two lists of one length, got {y.shape} and {pred.shape}")
    for name, values in (("label", y), ("prediction", pred)):
        if values.size and (values.min() < 0 or values.max() >= n_classes):
            raise UsageError(f"a {name} is outside the {n_classes} classes 0–{n_classes - 1}")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y, pred), 1)
    return matrix


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def per_class(confusion: np.ndarray | Sequence[Sequence[int]], names: Sequence[str] | None = None) -> list[dict]:
    """One row per class: its name, precision (of the reviews predicted as it, the share that are), recall (of
    the reviews that are it, the share found), F1 (their harmonic mean, 2·TP / (2·TP + FP + FN), so a class never
    predicted has F1 0 though its precision is undefined) and support (how many are it)."""
    m = np.asarray(confusion, dtype=np.int64)
    names = list(names) if names else [str(i) for i in range(m.shape[0])]
    rows = []
    for i, name in enumerate(names):
        tp, predicted, actual = int(m[i, i]), int(m[:, i].sum()), int(m[i, :].sum())
        rows.append({"label": str(name), "precision": _ratio(tp, predicted), "recall": _ratio(tp, actual),
                     "f1": _ratio(2 * tp, predicted + actual), "support": actual})
    return rows


def macro_average(rows: list[dict], key: str) -> float | None:
    """The unweighted mean of ``key`` over the classes present in the labels (every class counts alike, so a small
    class weighs as much as a large one). An undefined value counts 0 there, as in scikit-learn: a model that
    never predicts a class must not have its macro precision taken over the other classes alone. None when no
    class is present."""
    values = [r[key] or 0.0 for r in rows if r["support"]]
    return float(np.mean(values)) if values else None


def cohen_kappa(confusion: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Cohen's kappa of predictions against labels: (observed agreement − chance agreement) / (1 − chance), where
    chance is what predicting with the model's class shares, independently of the text, would give."""
    m = np.asarray(confusion, dtype=np.float64)
    n = m.sum()
    if not n:
        return None
    observed = np.trace(m) / n
    chance = float((m.sum(axis=1) * m.sum(axis=0)).sum() / (n * n))
    if chance >= 1.0:
        return None
    return float((observed - chance) / (1.0 - chance))


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% by default). Unlike ``p ± z·sqrt(p(1−p)/n)`` it stays inside
    [0, 1] and does not shrink to a point at 0% or 100%, which matters for small test sets."""
    if total <= 0:
        return None
    if not 0 <= successes <= total:
        raise UsageError(f"successes must be between 0 and {total}, got {successes}")
    p = successes / total
    scale = 1.0 + z * z / total
    centre = (p + z * z / (2 * total)) / scale
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


def binomial_two_sided(k: int, n: int) -> float:
    """Two-sided p of ``k`` or fewer (or as many or more) successes in ``n`` fair coin tosses: 2·P(X ≤ min(k,
    n−k)), at most 1. Summed in log space (log C(n, i) as a running sum), so 100,000 tosses cost no big integers."""
    if n == 0:
        return 1.0
    k = min(k, n - k)
    i = np.arange(1, k + 1, dtype=np.float64)
    log_comb = np.concatenate(([0.0], np.cumsum(np.log((n - i + 1) / i))))  # log C(n, 0..k)
    top = log_comb.max()
    log_tail = top + math.log(float(np.exp(log_comb - top).sum())) - n * math.log(2.0)
    return min(1.0, 2.0 * math.exp(log_tail))


@dataclass(frozen=True)
class McNemar:
    """McNemar's exact test of two classifiers on the same examples: only the discordant ones count (one model
    right, the other wrong); under "equally good" each discordant example is a fair coin toss between them."""

    only_a: int  # examples A got right and B wrong
    only_b: int  # examples B got right and A wrong
    both_right: int
    both_wrong: int
    p_value: float  # two-sided, exact binomial

    def to_dict(self) -> dict:
        return {"only_a_right": self.only_a, "only_b_right": self.only_b, "both_right": self.both_right,
                "both_wrong": self.both_wrong, "p_value": self.p_value,
                "test": "McNemar, exact binomial, two-sided"}


def mcnemar(a_right: Sequence[bool] | np.ndarray, b_right: Sequence[bool] | np.ndarray) -> McNemar:
    """McNemar's exact test from which examples each model got right (two boolean arrays over the same examples)."""
    a = np.asarray(a_right, dtype=bool)
    b = np.asarray(b_right, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise UsageError(f"McNemar needs both models' results on the same examples, got {a.shape} and {b.shape}")
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    return McNemar(only_a, only_b, int(np.sum(a & b)), int(np.sum(~a & ~b)),
                   binomial_two_sided(only_a, only_a + only_b))


def classification_report(confusion: np.ndarray | Sequence[Sequence[int]],
                          names: Sequence[str] | None = None) -> dict:
    """What ``evaluate`` adds to accuracy and loss: per-class rows, their macro averages, kappa and the accuracy's
    95% interval, as JSON-ready values."""
    m = np.asarray(confusion, dtype=np.int64)
    rows = per_class(m, names)
    interval = wilson_interval(int(np.trace(m)), int(m.sum()))
    return {
        "per_class": rows,
        "macro_precision": macro_average(rows, "precision"),
        "macro_recall": macro_average(rows, "recall"),
        "macro_f1": macro_average(rows, "f1"),
        "kappa": cohen_kappa(m),
        "accuracy_ci95": list(interval) if interval is not None else None,
    }


__all__ = ["McNemar", "Z_95", "binomial_two_sided", "classification_report", "cohen_kappa", "confusion_matrix",
           "macro_average", "mcnemar", "per_class", "wilson_interval"]
