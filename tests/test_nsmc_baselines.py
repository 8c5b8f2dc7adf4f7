"""The linear baseline of benchmarks/bench_nsmc_baselines.py and its paired significance test."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_nsmc_baselines import mcnemar, tfidf_logreg  # noqa: E402


def test_mcnemar_counts_discordant_pairs_and_is_symmetric() -> None:
    a = np.array([True] * 60 + [False] * 20 + [True] * 20)
    b = np.array([False] * 60 + [True] * 20 + [True] * 20)
    only_a, only_b, p = mcnemar(a, b)
    assert (only_a, only_b) == (60, 20)
    assert p == pytest.approx(mcnemar(b, a)[2]) and p < 1e-4  # (|60-20|-1)^2/80 = 19.0, p ≈ 1.3e-5
    assert mcnemar(a, a)[2] == 1.0


def test_mcnemar_exact_for_few_pairs() -> None:
    a = np.array([True, True, True, False])
    b = np.array([False, False, False, False])
    assert mcnemar(a, b) == (3, 0, pytest.approx(0.25))  # two-sided binomial: 2 * (1/2)^3


def test_tfidf_baseline_learns_and_picks_c_on_validation() -> None:
    good = ["정말 재미있어요", "최고의 영화", "감동적이고 재미있다", "또 보고 싶어요"]
    bad = ["정말 별로예요", "최악의 영화", "지루하고 재미없다", "시간이 아까워요"]
    train = [(t, 1) for t in good * 5] + [(t, 0) for t in bad * 5]
    val = [("재미있어요", 1), ("최악이에요", 0)]
    model, vectorizer, c, val_acc, grid = tfidf_logreg(train, val, [0.1, 10.0], 3)
    assert set(grid) == {0.1, 10.0} and grid[c] == val_acc == max(grid.values())
    assert list(model.predict(vectorizer.transform(["재미있다", "별로다"]))) == [1, 0]
