"""Generators scored honestly: carried state, cleaned characters, any text; and trained as streams (TBPTT)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.config import TrainConfig
from hangul_rnn.errors import UsageError

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"


@pytest.fixture(scope="module")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("text") / "annals.txt"
    path.write_text((SAMPLES / "annals_sample.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _config(text_file: Path, **changes) -> TrainConfig:
    base = dict(task="generator", corpus=f"text:{text_file}", level="syllable", units=12, embedding_dim=6, seq_len=16,
                batch_size=4, epochs=1, sample_chars=0, patience=0, steps_per_epoch=6, seed=3)
    return TrainConfig(**{**base, **changes})


@pytest.fixture(scope="module")
def generator(text_file: Path, models_root: Path):
    from hangul_rnn.training import train

    return train(_config(text_file), name="tiny-gen", models_root=models_root)


def test_carried_state_equals_one_long_forward_pass(generator, text_file: Path) -> None:
    """One stream read window by window, the state carried, scores exactly what one pass over the whole text does."""
    import keras

    from hangul_rnn.evaluation import score_text

    text = text_file.read_text(encoding="utf-8")[:3000]
    result = score_text(generator, text, streams=1)
    ids = np.asarray(generator.tokenizer.encode(text), dtype=np.int32)
    n = result["tokens"]
    logits = generator.model(ids[None, :n], training=False)
    losses = keras.losses.sparse_categorical_crossentropy(ids[None, 1 : n + 1], logits, from_logits=True)
    assert result["loss"] == pytest.approx(float(np.mean(np.asarray(losses, dtype=np.float64))), rel=1e-5)
    assert n > 10 * 16 and n % 16 == 0 and len(ids) - 1 - n < 16


def test_bits_per_char_counts_cleaned_characters(generator) -> None:
    """Hanja glosses are removed by the Annals cleaning: bits per raw character is smaller, and named apart."""
    from hangul_rnn.evaluation import score_text

    text = "임금이 말하기를(王曰), ‘좋다.’ 하였다.\n" * 60
    result = score_text(generator, text, streams=2)
    cleaned = generator.tokenizer.clean_text(text)
    assert len(cleaned) < len(text)
    assert result["bits_per_char"] == pytest.approx(
        result["bits_per_token"] * result["tokens_per_char"], rel=1e-9)
    assert result["bits_per_raw_char"] < result["bits_per_char"]
    assert result["bits_per_raw_char"] / result["bits_per_char"] == pytest.approx(len(cleaned) / len(text), rel=1e-6)


def test_stream_rows_are_contiguous_and_batches_continue_them() -> None:
    from hangul_rnn.windows import stateful_dataset, stream_rows

    ids = np.arange(2, 1000, dtype=np.int32)
    rows = stream_rows(ids, rows=3, seq_len=10)
    assert rows.shape[0] == 3 and (rows.shape[1] - 1) % 10 == 0
    for r in range(3):  # each row is one unbroken stretch of the stream, and rows follow one another
        assert np.array_equal(rows[r], ids[rows[r, 0] - 2 : rows[r, 0] - 2 + rows.shape[1]])
    assert rows[1, 0] == rows[0, -1] and rows[2, 0] == rows[1, -1]
    batches = list(stateful_dataset(ids, rows=3, seq_len=10))
    assert len(batches) == (rows.shape[1] - 1) // 10
    for (x0, y0), (x1, _) in zip(batches, batches[1:]):
        assert np.array_equal(x1.numpy()[:, 0], y0.numpy()[:, -1])  # row r of batch k+1 goes on from batch k
        assert np.array_equal(x0.numpy()[:, 1:], y0.numpy()[:, :-1])


def test_stream_rows_refuses_too_little_text() -> None:
    from hangul_rnn.windows import stream_rows

    with pytest.raises(UsageError, match="cannot fill"):
        stream_rows(np.arange(30), rows=4, seq_len=10)


def test_stateful_training_saves_a_stateless_model_and_resumes_with_adam(text_file: Path, models_root: Path) -> None:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.training import _carry_optimizer_state, build_model, train

    config = _config(text_file, stateful=True, lr_schedule="cosine", clipnorm=1.0)
    bundle = train(config, name="stateful", models_root=models_root)
    assert not any(getattr(layer, "stateful", False) for layer in bundle.model.layers)
    assert bundle.metrics["epochs_done"] == 1 and "bits_per_raw_char" in bundle.metrics
    saved = load_bundle(models_root / "stateful")
    assert saved.config["hyperparameters"]["stateful"] is True
    fresh = build_model(config, saved.tokenizer.vocab_size, total_steps=12)
    fresh.set_weights(saved.model.get_weights())
    assert _carry_optimizer_state(saved.model, fresh)  # Adam's moments line up with the stateful network's
    resumed = train(config, name="stateful", models_root=models_root, resume=True)
    assert resumed.metrics["epochs_done"] == 2


def test_stateful_is_refused_for_classifiers() -> None:
    with pytest.raises(UsageError, match="only applies to generators"):
        TrainConfig(task="classifier", corpus="nsmc", stateful=True).validate()


def _cli(*args: str, env_home: Path) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "HANGUL_RNN_HOME": str(env_home)}
    return subprocess.run([sys.executable, "-m", "hangul_rnn.cli", *args], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parent.parent, timeout=300)


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_evaluate_a_generator_on_any_text_file(generator, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("왕이 이르기를, ‘경들의 말이 옳다.’ 하였다.\n" * 80, encoding="utf-8")
    done = _cli("evaluate", str(generator.path), "--corpus", f"text:{other}", "--json", env_home=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("bits_per_char", "bits_per_raw_char", "tokens", "chars"):
        assert key in result
    assert result["corpus"] == f"text:{other}" and result["split"] == "train"


@pytest.mark.slow  # a subprocess or a real training run: in CI's bounded slow subset
@pytest.mark.ci
def test_bad_corpus_for_evaluate_is_one_line_exit_2(generator, tmp_path: Path) -> None:
    tsv = tmp_path / "reviews.tsv"
    tsv.write_text("좋아요\t1\n별로\t0\n", encoding="utf-8")
    for corpus, says in ((f"tsv:{tsv}", "text:FILE"), (f"text:{tmp_path / 'missing.txt'}", "no such file")):
        done = _cli("evaluate", str(generator.path), "--corpus", corpus, env_home=tmp_path)
        assert done.returncode == 2, done.stderr
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        assert len(lines) == 1 and says in lines[0], done.stderr


def test_classifier_on_a_tsv_with_other_labels_is_refused(sample_corpora: Path, tmp_path: Path) -> None:
    from hangul_rnn.evaluation import evaluate
    from hangul_rnn.training import train

    clf = train(TrainConfig(task="classifier", corpus="nsmc", level="syllable", units=4, embedding_dim=4, max_len=16,
                            batch_size=32, epochs=1, patience=0, limit=120), name="c", models_root=tmp_path)
    tsv = tmp_path / "three.tsv"
    tsv.write_text("좋아요\t1\n별로\t0\n그냥\t2\n", encoding="utf-8")
    with pytest.raises(UsageError, match="does not predict"):
        evaluate(clf, corpus=f"tsv:{tsv}")
    same = tmp_path / "two.tsv"
    same.write_text("좋아요\t1\n별로\t0\n", encoding="utf-8")
    result = evaluate(clf, corpus=f"tsv:{same}")
    assert result["examples"] == 2 and sum(map(sum, result["confusion"])) == 2


def test_dynamic_evaluation_learns_the_text_without_reading_ahead(generator) -> None:
    """--adapt: a window is scored before the step that learns from it (a single window scores as without
    adaptation), a text that repeats itself gets cheaper as it is read, and the bundle's weights stay as saved."""
    from hangul_rnn.evaluation import score_text

    before = [w.copy() for w in generator.model.get_weights()]
    block = "임금이 신하들에게 이르기를, 백성을 편안하게 하라 하였다.\n"
    one_window = block[:20]  # 20 syllables: one window of 16 (plus its next token) and no second one
    first = score_text(generator, one_window, streams=1, adapt=1.0)
    alone = score_text(generator, one_window, streams=1)
    assert first["tokens"] == alone["tokens"] == 16 and first["loss"] == pytest.approx(alone["loss"], rel=1e-6)
    repeated = block * 40
    static = score_text(generator, repeated, streams=2)
    adapted = score_text(generator, repeated, streams=2, adapt=1.0)
    assert adapted["adapt"] == 1.0 and static["adapt"] == 0.0
    assert adapted["bits_per_char"] < 0.8 * static["bits_per_char"]
    assert all(np.array_equal(a, b) for a, b in zip(before, generator.model.get_weights()))


def test_adapt_and_streams_are_checked(generator, tmp_path: Path) -> None:
    from hangul_rnn.evaluation import evaluate, score_text
    from hangul_rnn.training import train
    from tests.tiny_models import TINY_CLASSIFIER

    with pytest.raises(UsageError, match="--adapt"):
        score_text(generator, "가나다라" * 100, adapt=-0.1)
    with pytest.raises(UsageError, match="--streams"):
        score_text(generator, "가나다라" * 100, streams=0)
    clf = train(TrainConfig(**TINY_CLASSIFIER, level="syllable", units=4, embedding_dim=4), name="c2",
                models_root=tmp_path)
    for bad in ({"adapt": 0.1}, {"streams": 4}):
        with pytest.raises(UsageError, match="generators"):
            evaluate(clf, **bad)
    from hangul_rnn.cli import main

    assert main(["evaluate", str(clf.path), "--adapt", "0.1"]) == 2  # refused before its corpus is read
