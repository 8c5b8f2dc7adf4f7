"""Soft labels: ``hangul-rnn label`` writes a teacher's probabilities for unlabelled texts, ``train classifier
--soft-labels`` learns from them on the training side only (knowledge distillation)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn import paths
from hangul_rnn.bundle import Bundle, load_bundle, save_bundle
from hangul_rnn.cli import main
from hangul_rnn.errors import UsageError
from hangul_rnn.scoring import probabilities

pytestmark = pytest.mark.filterwarnings("ignore:.*is not the canonical:UserWarning")

UNLABELLED = ["정말 재미있어요 최고", "최악의 영화 돈 아깝다", "배우 연기가 좋았다", "지루하고 길다", "또 보고 싶다",
              "아주 긴 리뷰입니다 " * 10]


def _teacher(name: str, seed: int) -> Bundle:
    import keras

    from hangul_rnn.models import build_classifier
    from hangul_rnn.tokenizers import make_tokenizer

    keras.utils.set_random_seed(seed)
    tok = make_tokenizer("syllable").fit(UNLABELLED)
    model = build_classifier(tok.vocab_size, units=4, embedding_dim=4, dropout=0.0)
    config = {"task": "classifier", "name": name, "corpus": "nsmc", "label_names": ["negative", "positive"],
              "hyperparameters": {"max_len": 40}}
    save_bundle(Bundle(None, config, tok, model), paths.models_dir() / name)
    return load_bundle(name)


def _rows(path: Path) -> list[list[str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f]


def test_label_writes_the_averaged_probabilities_and_leaves_labelled_texts_out(
        sample_corpora: Path, tmp_path: Path) -> None:
    from hangul_rnn.ensemble import Ensemble
    from hangul_rnn.soft_labels import label_corpus, read_soft_labels

    first, second = _teacher("t1", 1), _teacher("t2", 2)
    known = (sample_corpora / "ratings_train.txt").read_text(encoding="utf-8").splitlines()[1].split("\t")[1]
    text = tmp_path / "reviews.txt"
    text.write_text("\n".join([*UNLABELLED, known, "탭이\t들어간 리뷰"]) + "\n", encoding="utf-8")
    out = tmp_path / "soft.tsv.gz"
    done = label_corpus(["t1", "t2"], f"text:{text}", out, max_chars=60)
    rows = _rows(out)
    assert rows[0] == ["text", "label", "p:negative", "p:positive"]
    texts = [r[0] for r in rows[1:]]
    assert known not in texts and UNLABELLED[-1] not in texts  # the teacher's corpus, and the long text
    assert "탭이 들어간 리뷰" in texts and (done.texts, done.skipped_known, done.skipped_long) == (6, 1, 1)
    expected = probabilities(Ensemble([first, second]), texts)
    written = np.array([[float(p) for p in r[2:]] for r in rows[1:]])
    assert np.allclose(written, expected, atol=1e-4)
    assert [int(r[1]) for r in rows[1:]] == list(expected.argmax(1))
    assert sum(done.label_counts.values()) == 6
    back = read_soft_labels(out, ["negative", "positive"])
    assert back.texts == texts and np.allclose(back.probs.sum(1), 1) and back.probs.dtype == np.float32


@pytest.mark.parametrize("body, message", [
    ("text\tlabel\n", "not a soft-label file"),
    ("text\tlabel\tp:bad\tp:good\n좋다\t1\t0.2\t0.8\n", "has labels ['bad', 'good']"),
    ("text\tlabel\tp:negative\tp:positive\n좋다\t1\t0.2\n", "line 2 has no number"),
    ("text\tlabel\tp:negative\tp:positive\n좋다\t1\t0.2\t0.9\n", "line 2: probabilities must"),
    ("text\tlabel\tp:negative\tp:positive\n", "has no rows"),
])
def test_bad_soft_label_files_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    from hangul_rnn.soft_labels import read_soft_labels

    path = tmp_path / "soft.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        read_soft_labels(path, ["negative", "positive"])
    assert "\n" not in str(info.value)
    with pytest.raises(UsageError, match="no such file"):
        read_soft_labels(tmp_path / "missing.tsv")


def test_soft_examples_join_the_training_side_only() -> None:
    from hangul_rnn.windows import classification_datasets

    seqs = [[i % 7 + 1] * (i % 5 + 1) for i in range(40)]
    labels = [i % 2 for i in range(40)]
    soft_seqs = [[9, 9, 9]] * 6
    soft_probs = np.tile([[0.3, 0.7]], (6, 1))
    for bucket in (False, True):
        _, plain_val = classification_datasets(seqs, labels, max_len=8, batch_size=4, seed=3,
                                               validation_fraction=0.25, bucket=bucket)
        train, val = classification_datasets(seqs, labels, max_len=8, batch_size=4, seed=3,
                                             validation_fraction=0.25, bucket=bucket, soft=(soft_seqs, soft_probs))
        assert plain_val is not None and val is not None
        plain_rows = sorted(tuple(map(int, y)) for _, ys in plain_val for y in ys.numpy()[:, None])
        soft_rows = sorted(int(np.argmax(y)) for _, ys in val for y in ys.numpy())
        assert [r[0] for r in plain_rows] == soft_rows  # the same hold-out, now as one-hot rows
        targets = np.concatenate([ys.numpy() for _, ys in train])
        ids = [x.numpy() for x, _ in train]
        assert targets.shape == (30 + 6, 2) and targets.dtype == np.float32
        assert np.isclose(targets, [0.3, 0.7]).all(1).sum() == 6  # every soft row, on the training side
        assert sum(int((row == 9).any()) for batch in ids for row in batch) == 6
    with pytest.raises(UsageError, match="soft-labelled"):
        classification_datasets(seqs, labels, max_len=8, soft=(soft_seqs, soft_probs[:3]))


def test_train_with_soft_labels_drops_labelled_texts_and_records_the_file(
        sample_corpora: Path, tmp_path: Path) -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.events import SoftLabelsLoaded
    from hangul_rnn.training import train

    labelled = [line.split("\t")[1] for line in
                (sample_corpora / "ratings_train.txt").read_text(encoding="utf-8").splitlines()[1:4]]
    soft = tmp_path / "soft.tsv"
    rows = [f"{t}\t1\t0.1000\t0.9000" for t in ["새로운 리뷰 하나", "새로운 리뷰 둘", *labelled]]
    soft.write_text("text\tlabel\tp:negative\tp:positive\n" + "\n".join(rows) + "\n", encoding="utf-8")
    events: list = []
    cfg = TrainConfig(task="classifier", corpus="nsmc", level="syllable", units=4, embedding_dim=4, epochs=1,
                      batch_size=16, max_len=20, patience=0, soft_labels=str(soft))
    bundle = train(cfg, name="student", on_event=events.append)
    loaded = [e for e in events if isinstance(e, SoftLabelsLoaded)]
    assert [(e.examples, e.dropped) for e in loaded] == [(2, 3)]
    assert bundle.config["soft_labels"] == {"file": str(soft), "examples": 2, "dropped": 3}
    again = load_bundle("student")
    assert again.config["hyperparameters"]["soft_labels"] == str(soft)
    assert main(["train", "classifier", "--name", "student", "--resume", "--epochs", "1"]) == 0  # re-reads the file


def test_cli_label_and_bad_options(sample_corpora: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _teacher("t1", 1)
    text = tmp_path / "reviews.txt"
    text.write_text("\n".join(UNLABELLED) + "\n", encoding="utf-8")
    out = tmp_path / "soft.tsv"
    assert main(["label", str(out), "--model", "t1", "--corpus", f"text:{text}"]) == 0
    said = capsys.readouterr().out
    assert "wrote 6 soft labels" in said and "--soft-labels" in said and len(_rows(out)) == 7
    for argv, message in (
        (["label", str(tmp_path / "no" / "x.tsv"), "--model", "t1", "--corpus", f"text:{text}"], "does not exist"),
        (["label", str(out), "--model", "t1", "--corpus", f"text:{text}", "--max-chars", "0"], "--max-chars"),
        (["train", "generator", "--soft-labels", str(out), "--corpus", f"text:{text}"], "--soft-labels"),
        (["train", "classifier", "--soft-labels", str(tmp_path / "none.tsv")], "no such file"),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
    from hangul_rnn.config import TrainConfig

    with pytest.raises(UsageError, match="applies to classifiers"):
        TrainConfig(task="generator", soft_labels=str(out)).validate()


@pytest.mark.parametrize("body", [None, "just a review\n"])
def test_a_bad_soft_label_file_is_refused_before_the_corpus_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], body: str | None) -> None:
    # No local corpus: reading it would start a download (which the suite's network guard turns into a failure),
    # so exit 2 with the file's message shows the file was checked first.
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(tmp_path / "empty"))
    soft = tmp_path / "soft.tsv"
    if body is not None:
        soft.write_text(body, encoding="utf-8")
    assert main(["train", "classifier", "--corpus", "nsmc", "--soft-labels", str(soft), "--name", "s"]) == 2
    err = capsys.readouterr().err
    assert ("no such file" if body is None else "is not a soft-label file") in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "empty").exists() and not (paths.models_dir() / "s").exists()


def test_the_bundle_records_the_soft_label_file_by_its_absolute_path(
        sample_corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.training import train

    (tmp_path / "soft.tsv").write_text("text\tlabel\tp:negative\tp:positive\n새로운 리뷰\t1\t0.2\t0.8\n",
                                       encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cfg = TrainConfig(task="classifier", corpus="nsmc", level="syllable", units=4, embedding_dim=4, epochs=1,
                      batch_size=16, max_len=20, patience=0, soft_labels="soft.tsv")
    bundle = train(cfg, name="relative")
    assert bundle.config["hyperparameters"]["soft_labels"] == str(tmp_path / "soft.tsv")
    monkeypatch.chdir(paths.models_dir())  # a resume from another folder still finds the file
    assert main(["train", "classifier", "--name", "relative", "--resume", "--epochs", "1"]) == 0
