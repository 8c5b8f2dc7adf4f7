"""A classifier started from a generator (--init-from): weights carried, warm-up frozen, contradictions refused,
and the fine-tuned bundle reloads in a fresh process with the same scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny_models import REPO_ROOT, SAMPLE_TSV, TINY_CLASSIFIER, review_text, train_generator

from hangul_rnn.bundle import load_bundle
from hangul_rnn.cli import main
from hangul_rnn.config import TrainConfig
from hangul_rnn.errors import UsageError
from hangul_rnn.training import build_model, train
from hangul_rnn.transfer import copy_encoder, encoder_layers, inherit, load_generator


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny syllable LSTM generator trained one epoch on the sample reviews, and a classifier (not a generator)."""
    root = tmp_path_factory.mktemp("models")
    text = review_text(tmp_path_factory.mktemp("text"))
    train_generator(text, root, "gen", cell="lstm", units=16, embedding_dim=8)
    train_generator(text, root, "tied", cell="gru", units=16, embedding_dim=8, tie_embeddings=True)
    train(TrainConfig(**{**TINY_CLASSIFIER, "level": "syllable", "units": 8, "embedding_dim": 4}), name="cls",
          models_root=root)
    return root


def test_the_classifier_starts_with_the_generators_encoder(models: Path) -> None:
    source = load_generator(str(models / "gen"))
    cfg = inherit(TrainConfig(**TINY_CLASSIFIER), source)  # level, cell, units ... come from the generator
    assert (cfg.level, cfg.stem, cfg.cell, cfg.units, cfg.embedding_dim, cfg.layers) == (
        "syllable", None, "lstm", 16, 8, 1)
    classifier = build_model(cfg, source.tokenizer.vocab_size)
    copied = copy_encoder(source.model, classifier)
    pairs = list(zip(encoder_layers(source.model), encoder_layers(classifier)))
    assert [d.name for _, d in pairs] == ["embedding", "rnn_0"]
    assert copied == sum(w.size for s, _ in pairs for w in s.get_weights())
    for src, dst in pairs:
        for a, b in zip(src.get_weights(), dst.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_tied_generator_gives_its_table_and_recurrent_layer(models: Path, tmp_path: Path) -> None:
    """A tied generator's embedding also holds the output bias and a projection follows its GRU (16 units, 8
    dimensions): the classifier takes the table and the GRU, nothing of the output side."""
    gen = load_bundle(models / "tied")
    assert [w.shape for w in gen.model.get_layer("embedding").get_weights()] == [(gen.tokenizer.vocab_size, 8),
                                                                                  (gen.tokenizer.vocab_size,)]
    clf = train(TrainConfig(**{**TINY_CLASSIFIER, "init_from": str(models / "tied"), "freeze_epochs": 1}),
                name="from-tied", models_root=tmp_path)
    assert clf.config["hyperparameters"]["cell"] == "gru" and clf.config["init_from"]["name"] == "tied"
    table = gen.model.get_layer("embedding").get_weights()[0]
    np.testing.assert_array_equal(clf.model.get_layer("embedding").get_weights()[0], table)
    for a, b in zip(gen.model.get_layer("rnn_0").get_weights(), clf.model.get_layer("rnn_0").get_weights(),
                    strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_frozen_warm_up_then_fine_tuning(models: Path, tmp_path: Path) -> None:
    gen = load_bundle(models / "gen")
    start = [w.copy() for layer in encoder_layers(gen.model) for w in layer.get_weights()]
    cfg = TrainConfig(**{**TINY_CLASSIFIER, "init_from": str(models / "gen"), "freeze_epochs": 1})
    warm = train(cfg, name="warm", models_root=tmp_path)  # one epoch, the frozen one: the encoder is untouched
    after = [w for layer in encoder_layers(warm.model) for w in layer.get_weights()]
    for a, b in zip(start, after, strict=True):
        np.testing.assert_array_equal(a, b)
    assert warm.config["init_from"]["name"] == "gen" and warm.config["init_from"]["params"] > 0
    assert warm.config["hyperparameters"]["init_from"] == str(models / "gen")
    assert warm.tokenizer.vocab.tokens == gen.tokenizer.vocab.tokens  # no tokenizer of its own was fitted
    tuned = train(TrainConfig(**{**TINY_CLASSIFIER, "epochs": 2, "init_from": str(models / "gen"),
                                 "freeze_epochs": 1}), name="tuned", models_root=tmp_path)
    moved = [w for layer in encoder_layers(tuned.model) for w in layer.get_weights()]
    assert any(not np.array_equal(a, b) for a, b in zip(start, moved))  # epoch 2 trained the encoder too
    assert tuned.metrics["epochs_done"] == 2


@pytest.mark.parametrize("extra, match", [
    (["--level", "jamo"], "--level jamo contradicts"),
    (["--level", "word"], "--level word contradicts"),  # the classifier's default, but typed: refused
    (["--units", "99"], "--units 99 contradicts"),
    (["--cell", "gru"], "--cell gru contradicts"),
    (["--bidirectional"], "cannot be --bidirectional"),
    (["--conv-filters", "8"], "cannot take --conv-filters"),
])
def test_contradicting_options_are_one_line_errors(models: Path, extra: list[str], match: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "classifier", "--corpus", f"tsv:{SAMPLE_TSV}", "--init-from", str(models / "gen"),
                 "--epochs", "1", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and match in err and "\n" not in err


@pytest.mark.parametrize("target, match", [("cls", "is a classifier, not a generator"),
                                           ("missing", "cannot load it")])
def test_a_bundle_that_is_not_a_generator_is_refused(models: Path, target: str, match: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "classifier", "--corpus", f"tsv:{SAMPLE_TSV}", "--init-from", str(models / target)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and match in err and "\n" not in err


def test_library_refuses_what_it_cannot_honour(models: Path) -> None:
    source = load_generator(str(models / "gen"))
    with pytest.raises(UsageError, match="--level jamo contradicts"):
        inherit(TrainConfig(**{**TINY_CLASSIFIER, "level": "jamo"}), source)
    with pytest.raises(UsageError, match="--freeze-epochs needs --init-from"):
        TrainConfig(**{**TINY_CLASSIFIER, "freeze_epochs": 1}).validate()
    with pytest.raises(UsageError, match="applies to classifiers"):
        TrainConfig(task="generator", init_from="gen").validate()


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_fine_tuned_bundle_reloads_in_a_fresh_process_and_scores_the_same(models: Path, tmp_path: Path,
                                                                          capsys) -> None:
    code = main(["train", "classifier", "--corpus", f"tsv:{SAMPLE_TSV}", "--init-from", str(models / "gen"),
                 "--max-len", "24", "--epochs", "2", "--freeze-epochs", "1", "--validation", "0.2",
                 "--name", "ft", "--pooling", "concat", "--unfreeze", "gradual", "--lr-decay-per-layer", "2.6"])
    assert code == 0, capsys.readouterr().err
    from hangul_rnn import paths
    from hangul_rnn.scoring import probabilities

    folder = paths.models_dir() / "ft"
    texts = ["정말 재미있어요 최고의 영화", "최악의 영화. 시간 아깝다", "그냥 그래요"]
    here = probabilities(load_bundle(folder), texts)
    script = ("import json, sys; from hangul_rnn.bundle import load_bundle; from hangul_rnn.scoring import "
              "probabilities; b = load_bundle(sys.argv[1]); print(json.dumps(probabilities(b, json.loads(sys.argv[2]))"
              ".tolist())); print(json.dumps([type(b.model.optimizer).__name__, b.model.optimizer.layer_factors]))")
    out = subprocess.run([sys.executable, "-c", script, str(folder), json.dumps(texts)], capture_output=True,
                         text=True, check=True, cwd=REPO_ROOT, timeout=120).stdout
    probs, optimizer = out.strip().splitlines()[-2:]
    np.testing.assert_allclose(np.array(json.loads(probs)), here, atol=1e-6)
    assert json.loads(optimizer) == ["LayerRateAdam", {"embedding": 1 / 2.6 ** 2, "rnn_0": 1 / 2.6}]
    config = load_bundle(folder).config
    assert config["init_from"]["name"] == "gen" and config["hyperparameters"]["freeze_epochs"] == 1
    assert (config["hyperparameters"]["unfreeze"], config["hyperparameters"]["lr_decay_per_layer"],
            config["hyperparameters"]["pooling"]) == ("gradual", 2.6, "concat")


def test_a_vocabulary_that_cannot_serve_is_refused(tmp_path: Path) -> None:
    """A word-level generator of the Annals knows almost none of the reviews' words: refused, not fine-tuned."""
    annals = (REPO_ROOT / "corpora" / "samples" / "annals_sample.txt").read_text(encoding="utf-8").splitlines()
    text = tmp_path / "annals.txt"
    text.write_text("\n".join(annals[:60]) + "\n", encoding="utf-8")
    train(TrainConfig(task="generator", corpus=f"text:{text}", level="word", units=8, embedding_dim=4, seq_len=10,
                      batch_size=16, epochs=1, validation_fraction=0.0, sample_chars=0, patience=0),
          name="words", models_root=tmp_path)
    with pytest.raises(UsageError, match="does not know 9[0-9]% of the tokens"):
        train(TrainConfig(**{**TINY_CLASSIFIER, "init_from": str(tmp_path / "words")}), name="c",
              models_root=tmp_path)
