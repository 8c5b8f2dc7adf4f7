"""NSMC: the project's classifiers beside TF-IDF character n-grams + logistic regression, on the same splits.

The linear baseline is fit on the same training examples the classifiers were (the rebuilt train split less the
validation hold-out that ``windows.validation_split`` cuts with the classifier's seed and share), its C is chosen
on that hold-out, and the official test split is scored once. Each project classifier is scored on the same test
reviews; a paired McNemar test (exact binomial, :func:`hangul_rnn.confusion.mcnemar`) says whether its
difference from the baseline is more than chance.

``--long`` scores everything again on a shifted set no model was fit or selected on: the reviews of ``nsmc-raw`` of
140 characters or more (NSMC keeps only shorter ones, so none is in its train or test split) with NSMC's own
labelling rule (ratings 1-4 negative, 9-10 positive; 5-8 dropped). They are movie reviews, but several times longer
than anything the classifiers saw, written as paragraphs rather than one-liners: the nearest thing to another
domain that ships offline. A generator pretrained on ``nsmc-raw`` has read their text (never their labels).

Run: ``HANGUL_RNN_CORPORA=../shared/corpora python benchmarks/bench_nsmc_baselines.py --model nsmc-classifier``
(needs the ``bench`` extra: scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hangul_rnn.confusion import mcnemar


def _vectorizer(ngrams: int):
    """The baseline's features, one definition for both fits: TF-IDF over character 1..ngrams-grams in words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, ngrams), min_df=2, sublinear_tf=True)


def tfidf_logreg(train: list[tuple[str, int]], val: list[tuple[str, int]], grid: list[float], ngrams: int):
    """The baseline fit on ``train``, C picked on ``val``; returns (model, vectorizer, C, validation accuracy, grid)."""
    from sklearn.linear_model import LogisticRegression

    vectorizer = _vectorizer(ngrams)
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


def long_reviews(min_chars: int = 140) -> list[tuple[str, int]]:
    """The labelled ``nsmc-raw`` reviews of ``min_chars`` characters or more, none of them an NSMC test review."""
    import gzip

    from hangul_rnn.corpora import get_corpus

    raw = get_corpus("nsmc-raw")
    test_ids = raw.excluded_ids()
    examples = []
    for path in raw.paths("train", download=False):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            next(f)  # header: review_id movie_id rating review
            for line in f:
                review_id, _movie, rating, text = line.rstrip("\n").split("\t", 3)
                label = 0 if int(rating) <= 4 else 1 if int(rating) >= 9 else None
                if label is not None and len(text) >= min_chars and review_id not in test_ids:
                    examples.append((text, label))
    return examples


def tfidf_logreg_soft(train: list[tuple[str, int]], soft_texts: list[str], soft_probs: np.ndarray, c: float,
                      ngrams: int):
    """The baseline given what a distilled network is given: the labelled reviews plus a teacher's soft labels,
    each soft text entered once per class with its probability as the weight (the same cross-entropy the network's
    soft targets have); C is the plain baseline's, picked on validation."""
    from sklearn.linear_model import LogisticRegression

    texts = [t for t, _ in train] + soft_texts
    vectorizer = _vectorizer(ngrams)
    x = vectorizer.fit_transform(texts)
    n = len(train)
    from scipy.sparse import vstack

    x_all = vstack([x[:n], x[n:], x[n:]])
    y_all = np.concatenate([[y for _, y in train], np.zeros(len(soft_texts), int), np.ones(len(soft_texts), int)])
    weights = np.concatenate([np.ones(n), soft_probs[:, 0], soft_probs[:, 1]])
    model = LogisticRegression(C=c, max_iter=2000, solver="liblinear").fit(x_all, y_all, sample_weight=weights)
    return model, vectorizer


def score(bundles: list, base_predict, examples: list[tuple[str, int]], *, ensemble: bool = False,
          others: tuple = ()) -> dict:
    """Accuracy of the baseline and of each bundle on ``examples``, each bundle paired with the baseline; with
    ``ensemble``, also the mean of their probabilities (what ``hangul_rnn.ensemble.Ensemble`` of them scores,
    computed from the members' figures instead of reading every text again). ``others``: (name, predict) pairs
    of further non-project models, paired with the baseline too."""
    from hangul_rnn.scoring import probabilities

    texts = [t for t, _ in examples]
    y = np.array([label for _, label in examples])
    base_right = base_predict(texts) == y
    out: dict = {"examples": len(examples), "baseline_accuracy": float(base_right.mean()), "models": []}
    rows = []
    for name, predict in others:
        t0 = time.perf_counter()
        rows.append((name, np.eye(2)[predict(texts)], time.perf_counter() - t0))
    for bundle in bundles:
        t0 = time.perf_counter()
        probs = probabilities(bundle, texts)
        rows.append((bundle.name, probs, time.perf_counter() - t0))
    if ensemble and len(bundles) > 1:
        rows.append((" + ".join(b.name for b in bundles), np.mean([r[1] for r in rows[len(others):]], axis=0), 0.0))
    for name, probs, seconds in rows:
        right = probs.argmax(-1) == y
        paired = mcnemar(right, base_right)  # exact; the figure in nsmc_grid.md is the same to 2 digits
        out["models"].append({"name": name, "accuracy": float(right.mean()),
                              "only_model_right": paired.only_a, "only_baseline_right": paired.only_b,
                              "mcnemar_p": paired.p_value, "seconds": seconds})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", default=None,
                        help="a project classifier to score beside the baseline (repeatable; default nsmc-classifier)")
    parser.add_argument("--ngrams", type=int, default=3, help="longest character n-gram of the baseline")
    parser.add_argument("--grid", default="0.5,1,2,4,8", help="values of C tried on the validation hold-out")
    parser.add_argument("--long", action="store_true",
                        help="also score the nsmc-raw reviews of 140+ characters (a shifted set; see the docstring)")
    parser.add_argument("--ensemble", action="store_true",
                        help="also score the average of the models' probabilities (an ensemble of all of them)")
    parser.add_argument("--soft-labels", default=None, metavar="FILE",
                        help="also fit the baseline on the labelled reviews plus this soft-label file (what "
                             "'train --soft-labels' gives a network), with the C chosen for the plain baseline")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.config import train_config_from_bundle
    from hangul_rnn.corpora import get_corpus
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

    t0 = time.perf_counter()
    model, vectorizer, c, val_acc, grid = tfidf_logreg(train, val, [float(g) for g in args.grid.split(",")],
                                                       args.ngrams)

    def base_predict(texts: list[str]) -> np.ndarray:
        return model.predict(vectorizer.transform(texts))

    seconds = time.perf_counter() - t0
    others: tuple = ()
    soft_note: dict = {}
    if args.soft_labels:
        from hangul_rnn.soft_labels import read_soft_labels

        t0 = time.perf_counter()
        soft = read_soft_labels(args.soft_labels, bundles[0].label_names)
        known = {t for t, _ in examples}
        keep = [i for i, t in enumerate(soft.texts) if t not in known]  # as training drops them
        soft_model, soft_vectorizer = tfidf_logreg_soft(train, [soft.texts[i] for i in keep], soft.probs[keep], c,
                                                        args.ngrams)

        def soft_predict(texts: list[str]) -> np.ndarray:
            return soft_model.predict(soft_vectorizer.transform(texts))

        soft_val = float((soft_predict([t for t, _ in val]) == np.array([y for _, y in val])).mean())
        soft_note = {"soft_labels": args.soft_labels, "soft_examples": len(keep), "validation_accuracy": soft_val,
                     "seconds": time.perf_counter() - t0}
        others = (("TF-IDF + LR with the soft labels", soft_predict),)
    result = {
        "train_examples": len(train), "validation_examples": len(val),
        "baseline": {"name": f"TF-IDF char 1-{args.ngrams}-grams + logistic regression", "C": c,
                     "validation_accuracy": val_acc, "validation_by_C": grid, "seconds": seconds},
        "test": score(bundles, base_predict, test, ensemble=args.ensemble, others=others),
    }
    if soft_note:
        result["soft_baseline"] = soft_note
    if args.long:
        result["long"] = score(bundles, base_predict, long_reviews(), ensemble=args.ensemble, others=others)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    b = result["baseline"]
    print(f"NSMC: {len(train):,} training / {len(val):,} validation reviews; {b['name']}: C={b['C']} "
          f"(validation {b['validation_accuracy']:.2%}) [{b['seconds']:.0f} s]")
    if soft_note:
        print(f"the same with {soft_note['soft_examples']:,} soft-labelled texts of {soft_note['soft_labels']}: "
              f"validation {soft_note['validation_accuracy']:.2%} [{soft_note['seconds']:.0f} s]")
    for key, title in (("test", "official test split"), ("long", "nsmc-raw reviews of 140+ characters")):
        if key not in result:
            continue
        part = result[key]
        print(f"{title} ({part['examples']:,} reviews): baseline {part['baseline_accuracy']:.2%}")
        for m in part["models"]:
            print(f"  {m['name']}: {m['accuracy']:.2%} ({m['accuracy'] - part['baseline_accuracy']:+.2%} vs "
                  f"baseline; only it right {m['only_model_right']:,}, only baseline right "
                  f"{m['only_baseline_right']:,}, McNemar p = {m['mcnemar_p']:.3g})")

if __name__ == "__main__":
    main()
