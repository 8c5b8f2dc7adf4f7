"""The linear baseline of benchmarks/bench_nsmc_baselines.py (its McNemar test is tests/test_confusion.py's)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_nsmc_baselines import tfidf_logreg  # noqa: E402


def test_tfidf_baseline_learns_and_picks_c_on_validation() -> None:
    good = ["정말 재미있어요", "최고의 영화", "감동적이고 재미있다", "또 보고 싶어요"]
    bad = ["정말 별로예요", "최악의 영화", "지루하고 재미없다", "시간이 아까워요"]
    train = [(t, 1) for t in good * 5] + [(t, 0) for t in bad * 5]
    val = [("재미있어요", 1), ("최악이에요", 0)]
    model, vectorizer, c, val_acc, grid = tfidf_logreg(train, val, [0.1, 10.0], 3)
    assert set(grid) == {0.1, 10.0} and grid[c] == val_acc == max(grid.values())
    assert list(model.predict(vectorizer.transform(["재미있다", "별로다"]))) == [1, 0]
