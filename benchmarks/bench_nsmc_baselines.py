"""NSMC: the project's classifiers beside TF-IDF character n-grams + logistic regression, on the same splits.

The linear baseline is fit on the same training examples the classifiers were (the rebuilt train split less the
validation hold-out that ``windows.validation_split`` cuts with the classifier's seed and share), its C is chosen
on that hold-out, and the official test split is scored once. Each project classifier is scored on the same test
reviews; a paired McNemar test (exact binomial, :func:`hangul_rnn.confusion.mcnemar`) says whether its
difference from the baseline is more than chance.

Run: ``HANGUL_RNN_CORPORA=../shared/corpora python benchmarks/bench_nsmc_baselines.py --model nsmc-classifier``
(needs the ``bench`` extra: scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hangul_rnn.confusion import mcnemar


def tfidf_logreg(train: list[tuple[str, int]], val: list[tuple[str, int]], grid: list[float], ngrams: int):
    """The baseline fit on ``train``, C picked on ``val``; returns (model, vectorizer, C, validation accuracy, grid)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, ngrams), min_df=2, sublinear_tf=True)
    x_train = vectorizer.fit_transform([t for t, _ in train])
    y_train = np.array([y for _, y in train])
    x_val = vectorizer.transform([t for t, _ in val])
    y_val = np.array([y for _, y in val])
    scores = {}
    best = None
    for c in grid:
        model = LogisticRegression(C=c, max_iter=2000, solver="liblinear").fit(x_train, y_train)
        scores[c] = float((model.predict(x_val) == y_val).mean())
        if best is None or scores[c] > scores[best[0]]:
            best = (c, model)
    assert best is not None
    return best[1], vectorizer, best[0], scores[best[0]], scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", default=None,
                        help="a project classifier to score beside the baseline (repeatable; default nsmc-classifier)")
    parser.add_argument("--ngrams", type=int, default=3, help="longest character n-gram of the baseline")
    parser.add_argument("--grid", default="0.5,1,2,4,8", help="values of C tried on the validation hold-out")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.config import train_config_from_bundle
    from hangul_rnn.corpora import get_corpus
    from hangul_rnn.scoring import probabilities
    from hangul_rnn.windows import validation_split

    names = args.model or ["nsmc-classifier"]
    bundles = [load_bundle(name) for name in names]
    cfg = train_config_from_bundle(bundles[0])
    corpus = get_corpus("nsmc")
    examples = [(t, int(y)) for t, y in corpus.examples("train")]
    val_idx, train_idx = validation_split(len(examples), cfg.validation_fraction, cfg.seed)
    train = [examples[i] for i in train_idx]
    val = [examples[i] for i in val_idx]
    test = [(t, int(y)) for t, y in corpus.examples("test")]
    y_test = np.array([y for _, y in test])

    t0 = time.perf_counter()
    model, vectorizer, c, val_acc, grid = tfidf_logreg(train, val, [float(g) for g in args.grid.split(",")],
                                                       args.ngrams)
    base_right = model.predict(vectorizer.transform([t for t, _ in test])) == y_test
    result = {
        "train_examples": len(train), "validation_examples": len(val), "test_examples": len(test),
        "baseline": {"name": f"TF-IDF char 1-{args.ngrams}-grams + logistic regression", "C": c,
                     "validation_accuracy": val_acc, "validation_by_C": grid,
                     "test_accuracy": float(base_right.mean()), "seconds": time.perf_counter() - t0},
        "models": [],
    }
    for bundle in bundles:
        t0 = time.perf_counter()
        right = probabilities(bundle, [t for t, _ in test]).argmax(-1) == y_test
        paired = mcnemar(right, base_right)  # exact; the figure in nsmc_grid.md is the same to 2 digits
        only_model, only_base, p = paired.only_a, paired.only_b, paired.p_value
        result["models"].append({"name": bundle.name, "test_accuracy": float(right.mean()),
                                 "only_model_right": only_model, "only_baseline_right": only_base,
                                 "mcnemar_p": p, "seconds": time.perf_counter() - t0})
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    b = result["baseline"]
    print(f"NSMC: {len(train):,} training / {len(val):,} validation / {len(test):,} test reviews")
    print(f"  {b['name']}: C={b['C']} (validation {b['validation_accuracy']:.2%}), "
          f"test {b['test_accuracy']:.2%}  [{b['seconds']:.0f} s]")
    for m in result["models"]:
        print(f"  {m['name']}: test {m['test_accuracy']:.2%} ({m['test_accuracy'] - b['test_accuracy']:+.2%} vs "
              f"baseline; only it right {m['only_model_right']:,}, only baseline right {m['only_baseline_right']:,}, "
              f"McNemar p = {m['mcnemar_p']:.3g})")


if __name__ == "__main__":
    main()
