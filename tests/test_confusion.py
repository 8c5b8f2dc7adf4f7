"""The statistics of hangul_rnn.confusion against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hangul_rnn.confusion import (
    binomial_two_sided,
    classification_report,
    cohen_kappa,
    confusion_matrix,
    macro_average,
    mcnemar,
    per_class,
    wilson_interval,
)
from hangul_rnn.errors import UsageError

# 10 examples: 6 of class 0 (5 found), 4 of class 1 (2 found); 7 right.
LABELS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
PREDICTIONS = [0, 0, 0, 0, 0, 1, 0, 0, 1, 1]
CONFUSION = [[5, 1], [2, 2]]


def test_confusion_matrix_counts_true_rows_and_predicted_columns() -> None:
    assert confusion_matrix(LABELS, PREDICTIONS, 2).tolist() == CONFUSION
    with pytest.raises(UsageError, match="outside the 2 classes"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(UsageError, match="one length"):
        confusion_matrix([0, 1], [0], 2)


def test_per_class_precision_recall_f1() -> None:
    zero, one = per_class(CONFUSION, ["neg", "pos"])
    # class 0: 5 of the 7 predicted 0 are 0; 5 of the 6 zeros are found; F1 = 2·(5/7)(5/6)/(5/7+5/6) = 10/13
    assert zero == {"label": "neg", "precision": pytest.approx(5 / 7), "recall": pytest.approx(5 / 6),
                    "f1": pytest.approx(10 / 13), "support": 6}
    # class 1: 2 of the 3 predicted 1; 2 of the 4 ones; F1 = 2·(2/3)(1/2)/(2/3+1/2) = 4/7
    assert one == {"label": "pos", "precision": pytest.approx(2 / 3), "recall": pytest.approx(1 / 2),
                   "f1": pytest.approx(4 / 7), "support": 4}


def test_a_class_never_predicted_has_no_precision_and_f1_zero() -> None:
    rows = per_class([[3, 0], [2, 0]])
    assert rows[1]["precision"] is None and rows[1]["recall"] == 0.0 and rows[1]["f1"] == 0.0
    assert rows[0]["label"] == "0" and rows[0]["precision"] == pytest.approx(3 / 5)
    # macro averages count the undefined precision as 0: a one-class predictor is not credited with class 0's
    assert macro_average(rows, "precision") == pytest.approx(3 / 10)
    assert macro_average(rows, "f1") == pytest.approx((6 / 8) / 2)  # class 0: 2·3 / (2·3 + 2 + 0)
    absent = per_class([[4, 0, 0], [0, 0, 0], [1, 0, 5]])  # class 1 neither present nor predicted
    assert absent[1]["f1"] is None and macro_average(absent, "recall") == pytest.approx((1 + 5 / 6) / 2)


def test_cohen_kappa_by_hand() -> None:
    # observed 0.7; chance (6·7 + 4·3) / 100 = 0.54; kappa = 0.16 / 0.46 = 8/23
    assert cohen_kappa(CONFUSION) == pytest.approx(8 / 23)
    assert cohen_kappa([[4, 0], [0, 6]]) == pytest.approx(1.0)
    assert cohen_kappa([[5, 5], [5, 5]]) == pytest.approx(0.0)  # agreement no better than chance
    assert cohen_kappa([[10, 0], [0, 0]]) is None  # one class only: chance agreement is already 1
    assert cohen_kappa([[0, 0], [0, 0]]) is None


def test_wilson_interval_of_seven_in_ten() -> None:
    low, high = wilson_interval(7, 10)  # type: ignore[misc]
    # (0.7 + 1.96²/20) / (1 + 1.96²/10) ∓ 1.96·sqrt(0.21/10 + 1.96²/400) / (1 + 1.96²/10)
    assert low == pytest.approx(0.3968, abs=1e-4) and high == pytest.approx(0.8922, abs=1e-4)
    low, high = wilson_interval(10, 10)  # type: ignore[misc]
    assert high == pytest.approx(1.0) and low == pytest.approx(0.7225, abs=1e-4)  # not a point at 100%
    assert wilson_interval(0, 0) is None
    with pytest.raises(UsageError):
        wilson_interval(11, 10)


def test_binomial_two_sided_matches_exact_integer_sums() -> None:
    assert binomial_two_sided(3, 3) == pytest.approx(0.25)  # 2 · (1/2)³
    assert binomial_two_sided(1, 10) == pytest.approx(22 / 1024)  # 2 · (1 + 10) / 2¹⁰
    assert binomial_two_sided(5, 10) == 1.0 and binomial_two_sided(0, 0) == 1.0
    for k, n in ((20, 80), (2258, 4770), (900, 2000)):
        exact = 2 * sum(math.comb(n, i) for i in range(min(k, n - k) + 1)) / 2**n
        assert binomial_two_sided(k, n) == pytest.approx(exact, rel=1e-9)


def test_mcnemar_counts_discordant_pairs_and_is_symmetric() -> None:
    a = np.array([True] * 60 + [False] * 20 + [True] * 20 + [False] * 5)
    b = np.array([False] * 60 + [True] * 20 + [True] * 20 + [False] * 5)
    test = mcnemar(a, b)
    assert (test.only_a, test.only_b, test.both_right, test.both_wrong) == (60, 20, 20, 5)
    assert test.p_value == pytest.approx(mcnemar(b, a).p_value)
    assert test.p_value == pytest.approx(8.5806e-6, rel=1e-4)  # 2 · P(X ≤ 20), X ~ Bin(80, 1/2)
    assert mcnemar(a, a).p_value == 1.0
    assert mcnemar([True, True, True, False], [False, False, False, False]).p_value == pytest.approx(0.25)
    with pytest.raises(UsageError, match="same examples"):
        mcnemar([True], [True, False])


def test_classification_report_is_json_ready() -> None:
    import json

    report = classification_report(CONFUSION, ["neg", "pos"])
    assert report["macro_f1"] == pytest.approx((10 / 13 + 4 / 7) / 2)
    assert report["macro_recall"] == pytest.approx((5 / 6 + 1 / 2) / 2)
    assert report["kappa"] == pytest.approx(8 / 23)
    assert report["accuracy_ci95"] == [pytest.approx(0.3968, abs=1e-4), pytest.approx(0.8922, abs=1e-4)]
    json.dumps(report, allow_nan=False)
