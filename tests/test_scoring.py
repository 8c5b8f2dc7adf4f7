"""Classifier scoring on a tiny untrained classifier built here."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_rnn.ensemble import Ensemble
from hangul_rnn.errors import UsageError
from hangul_rnn.scoring import explain, positive_index, probabilities, score, score_batch

REVIEWS = ["재미있을 줄 알았는데 완전 실망했다", "최고의 영화 정말 재미있다", "지루하고 별로였다", "배우 연기가 좋다"]


def _classifier_bundle(level: str = "word", *, max_len: int = 12, conv: int = 0):
    import keras

    from hangul_rnn.bundle import Bundle
    from hangul_rnn.models import build_classifier
    from hangul_rnn.tokenizers import make_tokenizer

    keras.utils.set_random_seed(0)
    tok = make_tokenizer(level).fit(REVIEWS)
    model = build_classifier(tok.vocab_size, units=8, embedding_dim=8, dropout=0.0, conv_filters=conv, conv_kernel=2,
                             pool_size=1)
    config = {"task": "classifier", "name": "tiny-clf", "label_names": ["negative", "positive"],
              "hyperparameters": {"max_len": max_len}}
    return Bundle(path=None, config=config, tokenizer=tok, model=model)


@pytest.fixture(scope="module")
def clf():
    return _classifier_bundle()


def test_score_probabilities_sum_to_one(clf):
    s = score(clf, REVIEWS[0])
    assert set(s.probabilities) == {"negative", "positive"}
    assert abs(sum(s.probabilities.values()) - 1.0) < 1e-6
    assert s.label == ["negative", "positive"][s.label_id]
    assert s.probability == max(s.probabilities.values())


def test_score_matches_the_model_on_padded_ids(clf):
    from hangul_rnn.windows import pad_sequences

    x = pad_sequences([clf.tokenizer.encode(REVIEWS[1])], 12, padding="pre", truncating="pre")
    want = np.asarray(clf.model(x, training=False))[0]
    got = score(clf, REVIEWS[1]).probabilities
    np.testing.assert_allclose([got["negative"], got["positive"]], want, atol=1e-6)


def test_score_batch_equals_single_scores(clf):
    batch = score_batch(clf, REVIEWS)
    assert len(batch) == len(REVIEWS)
    for text, s in zip(REVIEWS, batch):
        one = score(clf, text)
        assert one.label == s.label
        for k in one.probabilities:
            assert abs(one.probabilities[k] - s.probabilities[k]) < 1e-5
    assert score_batch(clf, []) == []


def test_explain_prefixes_in_one_pass(clf, monkeypatch):
    import hangul_rnn.scoring as scoring

    calls = []
    real = scoring._probabilities
    monkeypatch.setattr(scoring, "_probabilities", lambda b, ids: calls.append(len(ids)) or real(b, ids))
    text = REVIEWS[0]
    e = explain(clf, text)
    assert calls == [len(text.split()) + 1]  # every prefix plus the empty input, in one call
    assert e.words == text.split()
    assert len(e.prefix_scores) == len(e.deltas) == len(e.words)
    assert e.target == "positive"
    assert abs(e.prefix_scores[-1] - score(clf, text).probabilities["positive"]) < 1e-5
    assert abs(e.baseline + sum(e.deltas) - e.prefix_scores[-1]) < 1e-9
    assert e.final.label == score(clf, text).label
    # each prefix score equals scoring that prefix alone
    for i, p in enumerate(e.prefix_scores[:-1]):
        alone = score(clf, " ".join(e.words[: i + 1])).probabilities["positive"]
        assert abs(alone - p) < 1e-5


def test_explain_keeps_the_whole_text_for_the_last_prefix():
    bundle = _classifier_bundle("jamo", max_len=40, conv=4)
    text = "재미있을  줄 알았는데 "
    e = explain(bundle, text)
    assert abs(e.prefix_scores[-1] - score(bundle, text).probabilities["positive"]) < 1e-5


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_a_usage_error(clf, text):
    for fn in (score, explain):
        with pytest.raises(UsageError, match="nothing to score: the text is empty"):
            fn(clf, text)
    with pytest.raises(UsageError, match="nothing to score"):
        score_batch(clf, ["좋다", text])


def test_generator_bundle_is_refused(clf):
    clf.config["task"] = "generator"
    try:
        with pytest.raises(UsageError, match="not a classifier"):
            score(clf, "좋다")
    finally:
        clf.config["task"] = "classifier"


def test_positive_index():
    assert positive_index(["negative", "positive"]) == 1
    assert positive_index(["positive", "negative"]) == 0
    assert positive_index(["0", "1"]) == 1
    assert positive_index(["a", "b", "c"]) == 1


def test_ensemble_averages_members_that_read_the_text_their_own_way(clf):
    syllables = _classifier_bundle("syllable", max_len=30)
    both = Ensemble([clf, syllables])
    assert both.name == "tiny-clf + tiny-clf"
    expected = (probabilities(clf, REVIEWS) + probabilities(syllables, REVIEWS)) / 2
    np.testing.assert_allclose(probabilities(both, REVIEWS), expected)
    scores = score_batch(both, REVIEWS)
    for s, row in zip(scores, expected):
        assert s.probabilities["positive"] == pytest.approx(row[1])
        assert s.label == ("positive" if row[1] > row[0] else "negative")
    # explain works on the ensemble, and its last prefix is the whole-text score
    e = explain(both, REVIEWS[0])
    assert e.prefix_scores[-1] == pytest.approx(score(both, REVIEWS[0]).probabilities["positive"])
    assert Ensemble([clf]).members == [clf]


def test_ensemble_refuses_mixed_labels_generators_and_nothing(clf):
    import copy

    other = copy.copy(clf)
    other.config = {**clf.config, "label_names": ["bad", "good"]}
    with pytest.raises(UsageError, match="different labels"):
        Ensemble([clf, other])
    generator = copy.copy(clf)
    generator.config = {**clf.config, "task": "generator"}
    with pytest.raises(UsageError, match="not a classifier"):
        Ensemble([clf, generator])
    with pytest.raises(UsageError, match="at least one"):
        Ensemble([])
