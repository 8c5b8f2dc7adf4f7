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


def test_soft_label_baseline_learns_from_the_teachers_probabilities() -> None:
    import numpy as np
    from bench_nsmc_baselines import tfidf_logreg_soft

    train = [("재미있어요", 1), ("별로예요", 0)] * 2
    soft = ["감동적이다", "지루하다"] * 5  # words the labelled reviews never hold: only the teacher teaches them
    probs = np.array([[0.1, 0.9], [0.95, 0.05]] * 5)
    model, vectorizer = tfidf_logreg_soft(train, soft, probs, 10.0, 3)
    assert list(model.predict(vectorizer.transform(["감동적이다", "지루하다"]))) == [1, 0]
    flipped, vectorizer = tfidf_logreg_soft(train, soft, probs[:, ::-1], 10.0, 3)
    assert list(flipped.predict(vectorizer.transform(["감동적이다", "지루하다"]))) == [0, 1]


def test_long_reviews_are_labelled_by_nsmc_rules_and_leave_out_test_ids(tmp_path: Path, monkeypatch) -> None:
    import gzip

    from bench_nsmc_baselines import long_reviews

    long_text = "이 영화는 " * 30  # 180 characters
    rows = [("1", "m", "10", long_text + "좋다"), ("2", "m", "1", long_text + "싫다"), ("3", "m", "7", long_text),
            ("4", "m", "9", "짧은 리뷰"), ("5", "m", "10", long_text + "테스트")]
    root = tmp_path / "corpora"
    (root / "nsmc-raw").mkdir(parents=True)
    with gzip.open(root / "nsmc-raw" / "reviews.tsv.gz", "wt", encoding="utf-8") as f:
        f.write("review_id\tmovie_id\trating\treview\n" + "".join("\t".join(r) + "\n" for r in rows))
    (root / "nsmc").mkdir()
    (root / "nsmc" / "ratings_test.txt").write_text("id\tdocument\tlabel\n5\t테스트\t1\n", encoding="utf-8")
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(root))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the tiny files are not the canonical copies
        got = long_reviews()
    assert got == [(long_text + "좋다", 1), (long_text + "싫다", 0)]
