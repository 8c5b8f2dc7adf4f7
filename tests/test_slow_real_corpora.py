"""Real-corpus training and statistics: slow, run with ``-m slow`` (CI runs the ``ci``-marked subset)."""

from __future__ import annotations

import pytest

from hangul_rnn.config import TrainConfig
from hangul_rnn.evaluation import evaluate
from hangul_rnn.stats import corpus_stats
from hangul_rnn.training import train


@pytest.mark.slow
@pytest.mark.ci
def test_small_nsmc_classifier_learns_sentiment(shared_corpora, tmp_path) -> None:
    """5,000 real reviews, one epoch: the held-out accuracy must be far above chance."""
    config = TrainConfig(task="classifier", corpus="nsmc", level="syllable", cell="gru", units=32, embedding_dim=32,
                         max_len=60, max_vocab=2000, batch_size=64, epochs=1, limit=5000, patience=0, seed=1)
    bundle = train(config, name="slow-nsmc", models_root=tmp_path)
    metrics = evaluate(bundle, split="test", limit=3000)
    assert metrics["accuracy"] > 0.65
    assert sum(sum(row) for row in metrics["confusion"]) == 3000


@pytest.mark.slow
@pytest.mark.ci
def test_small_annals_jamo_generator_beats_uniform(shared_corpora, tmp_path) -> None:
    """A jamo generator on 2,000 real Annals lines: held-out bits per token far below the uniform guess."""
    import math

    config = TrainConfig(task="generator", corpus="annals", level="jamo", cell="gru", units=64, embedding_dim=16,
                         seq_len=80, batch_size=32, epochs=1, limit=2000, patience=0, sample_chars=20, seed=1)
    bundle = train(config, name="slow-annals", models_root=tmp_path)
    metrics = evaluate(bundle)
    uniform_bits = math.log2(bundle.tokenizer.vocab_size)
    assert metrics["bits_per_token"] < 0.75 * uniform_bits


@pytest.mark.slow
def test_nsmc_word_lengths_match_the_textbook(shared_corpora) -> None:
    """The textbook picks 25 words for NSMC from the length histogram; ours must agree within a couple of words."""
    stats = corpus_stats("nsmc", level="word")
    assert stats.documents > 140_000
    assert 20 <= stats.percentile_length(95) <= 30
