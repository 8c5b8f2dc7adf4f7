"""The train / evaluate / models commands through ``hangul_rnn.cli.main``: exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangul_rnn.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "corpora" / "samples"
TINY = ["--units", "8", "--embedding-dim", "4", "--batch-size", "16", "--epochs", "1", "--patience", "0"]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    lines = (SAMPLES / "annals_sample.txt").read_text(encoding="utf-8").splitlines()[:40]
    path = tmp_path / "small.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line_error(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("hangul-rnn: error:") and "\n" not in err and "Traceback" not in err, err
    return err


def test_unknown_cell(text_file: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["train", "generator", "--corpus", f"text:{text_file}", "--cell", "transformer", *TINY])
    assert code == 2
    assert "cell" in one_line_error(capsys)


def test_empty_corpus(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    code = main(["train", "generator", "--corpus", f"text:{empty}", "--name", "e", *TINY])
    # hangul_rnn.corpora refuses a blank file itself, as a CorpusError (exit 1); training's own check
    # (no text left, exit 2) covers corpora that read but yield nothing
    assert code in (1, 2)
    assert "blank" in one_line_error(capsys) or code == 2


def test_window_longer_than_corpus(text_file: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["train", "generator", "--corpus", f"text:{text_file}", "--seq-len", "100000", "--name", "w", *TINY])
    assert code == 2
    assert "seq-len" in one_line_error(capsys)


def test_classifier_on_text_corpus(text_file: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["train", "classifier", "--corpus", f"text:{text_file}", "--name", "c", *TINY])
    assert code == 2
    assert "no labels" in one_line_error(capsys)


def test_evaluate_unknown_model(capsys: pytest.CaptureFixture) -> None:
    assert main(["evaluate", "nope"]) == 2
    assert "no model named 'nope'" in one_line_error(capsys)


def test_models_empty(capsys: pytest.CaptureFixture, no_shipped_models) -> None:
    assert main(["models", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_train_then_models_and_evaluate(text_file: Path, capsys: pytest.CaptureFixture, no_shipped_models) -> None:
    code = main(["train", "generator", "--corpus", f"text:{text_file}", "--name", "tiny", "--seq-len", "20",
                 "--cell", "gru", "--validation", "0.1", "--sample-chars", "5", *TINY])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "epoch 1/1" in out and "saved tiny" in out

    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in listed] == ["tiny"]
    assert listed[0]["task"] == "generator" and listed[0]["cell"] == "gru" and listed[0]["params"] > 0

    assert main(["models"]) == 0
    header, row = capsys.readouterr().out.splitlines()  # piped: a header and one tab-separated line, never cut
    assert header.split("\t")[:4] == ["name", "task", "corpus", "level"]
    assert row.split("\t")[0] == "tiny" and row.split("\t")[1] == "generator"

    assert main(["evaluate", "tiny", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "tiny" and result["bits_per_char"] > 0

    assert main(["evaluate", "tiny"]) == 0
    assert "perplexity" in capsys.readouterr().out

    # the same name again without --resume is refused; with --resume it continues
    assert main(["train", "generator", "--corpus", f"text:{text_file}", "--name", "tiny", *TINY]) == 2
    assert "already exists" in one_line_error(capsys)
    assert main(["train", "generator", "--corpus", f"text:{text_file}", "--name", "tiny", "--resume",
                 "--sample-chars", "0", *TINY]) == 0
    assert "epoch 2/2" in capsys.readouterr().out


def test_a_tied_generator_trains_resumes_generates_and_evaluates(text_file: Path, capsys: pytest.CaptureFixture,
                                                                  no_shipped_models) -> None:
    """--tie-embeddings end to end: recorded in the bundle, the NumPy runtime equal to Keras on the saved model,
    generation, evaluation and --resume (which keeps the saved tying whatever the flag says)."""
    import numpy as np

    from hangul_rnn import paths
    from hangul_rnn.bundle import load_bundle

    code = main(["train", "generator", "--corpus", f"text:{text_file}", "--name", "tied", "--seq-len", "20",
                 "--validation", "0.1", "--sample-chars", "5", "--tie-embeddings", *TINY])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    bundle = load_bundle(paths.models_dir() / "tied")
    assert bundle.config["hyperparameters"]["tie_embeddings"] is True
    names = [layer.name for layer in bundle.model.layers]
    assert "projection" in names and "logits" not in names  # 8 units, 4 dimensions: projected, then tied
    ids = np.arange(1, 13, dtype="int32").reshape(2, 6) % bundle.tokenizer.vocab_size
    np.testing.assert_allclose(bundle.runtime.forward(ids), np.asarray(bundle.model(ids)), atol=1e-4)

    assert main(["generate", "--model", "tied", "--max-tokens", "12", "--seed", "3"]) == 0
    assert capsys.readouterr().out.strip()
    assert main(["evaluate", "tied", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bits_per_char"] > 0
    assert main(["train", "generator", "--corpus", f"text:{text_file}", "--name", "tied", "--resume",
                 "--no-tie-embeddings", "--sample-chars", "0", *TINY]) == 0  # the saved architecture wins
    assert "epoch 2/2" in capsys.readouterr().out
    assert load_bundle(paths.models_dir() / "tied").config["hyperparameters"]["tie_embeddings"] is True


def test_tie_embeddings_in_help_and_refused_where_it_cannot_apply(capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "generator", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--tie-embeddings, --no-tie-embeddings" in out and "(default: off)" in out
    assert main(["train", "classifier", "--tie-embeddings"]) == 2
    assert "unrecognized arguments: --tie-embeddings" in capsys.readouterr().err


def test_classifier_cli_and_confusion(capsys: pytest.CaptureFixture) -> None:
    tsv = SAMPLES / "nsmc_sample.tsv"
    code = main(["train", "classifier", "--corpus", f"tsv:{tsv}", "--name", "cls", "--level", "syllable",
                 "--max-len", "20", "--validation", "0.2", *TINY])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["evaluate", "cls", "--split", "train", "--limit", "50"]) == 0
    out = capsys.readouterr().out
    assert "confusion matrix" in out and "accuracy" in out
    # two names: one ensemble, each member's accuracy listed
    assert main(["evaluate", "cls", "cls", "--split", "train", "--limit", "50", "--json"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert both["model"] == "cls + cls" and len(both["members"]) == 2
    assert both["accuracy"] == both["members"][0]["accuracy"]
    assert main(["evaluate", "cls", "cls", "--split", "train", "--limit", "50"]) == 0
    assert "each member alone" in capsys.readouterr().out


def test_evaluate_on_the_whole_test_split_is_kept_in_the_bundle(sample_corpora: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.catalog import list_bundles

    assert main(["train", "classifier", "--corpus", "nsmc", "--name", "kept", "--level", "syllable",
                 "--max-len", "20", "--validation", "0.2", *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "kept", "--limit", "20", "--json"]) == 0  # a part of the split is not recorded
    assert "test_accuracy" not in load_bundle("kept").metrics
    capsys.readouterr()
    assert main(["evaluate", "kept", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    metrics = load_bundle("kept").metrics
    assert metrics["test_accuracy"] == result["accuracy"] and metrics["test_examples"] == result["examples"]
    assert metrics["epochs_done"] == 1  # training's numbers are kept beside it
    summary = next(b for b in list_bundles() if b.name == "kept")
    assert summary.metrics["test_accuracy"] == result["accuracy"]


def test_evaluating_a_shipped_model_leaves_its_files_alone(sample_corpora: Path) -> None:
    from hangul_rnn.bundle import load_bundle, record_metrics
    from hangul_rnn.catalog import shipped_dir

    assert shipped_dir() is not None and (shipped_dir() / "nsmc-classifier").is_dir(), "the package ships it"
    metrics_file = shipped_dir() / "nsmc-classifier" / "metrics.json"
    before = metrics_file.read_bytes()
    assert record_metrics(load_bundle("nsmc-classifier"), {"test_accuracy": 0.5}) is False
    assert metrics_file.read_bytes() == before


def test_models_on_a_terminal_fit_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """One table per task with short numbers: the shipped models listed whole in 80 columns."""
    from rich.console import Console

    from hangul_rnn.commands import models as models_command

    console = Console(force_terminal=True, width=80, record=True, color_system=None)
    monkeypatch.setattr(models_command, "out_console", console)
    assert main(["models"]) == 0
    text = console.export_text()
    lines = [line.rstrip() for line in text.splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert "generators" in lines and "classifiers" in lines
    row = next(line for line in lines if line.startswith(" nsmc-classifier"))
    assert row.split()[1:5] == ["nsmc", "word/morph-all", "bigru", "5.1M"]
    assert row.split()[-2:] == ["88.6%", "88.6%"]  # validation and test accuracy, each in its own column
    assert "2.1M" in next(line for line in lines if line.startswith(" annals-syllable"))


def test_evaluate_refuses_a_generator_in_an_ensemble_before_fetching_anything(monkeypatch) -> None:
    from hangul_rnn import corpora

    def no_fetch(*args, **kwargs):
        raise AssertionError("nothing should be fetched for an ensemble that cannot be made")

    monkeypatch.setattr(corpora.Corpus, "paths", no_fetch)
    assert main(["evaluate", "nsmc-classifier", "annals-syllable"]) == 2


@pytest.mark.parametrize("options, message", [
    (["annals-syllable", "--adapt", "-1"], "--adapt must be"),
    (["annals-syllable", "--streams", "0"], "--streams must be"),
    (["nsmc-classifier", "--limit", "0"], "--limit must be"),
])
def test_evaluate_refuses_bad_numbers_before_fetching_anything(
        monkeypatch, capsys: pytest.CaptureFixture[str], options: list[str], message: str) -> None:
    from hangul_rnn import corpora

    def no_fetch(*args, **kwargs):
        raise AssertionError("nothing should be fetched for options that are refused")

    monkeypatch.setattr(corpora.Corpus, "paths", no_fetch)
    assert main(["evaluate", *options]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.slow  # a subprocess or a real training run: in CI's bounded slow subset
@pytest.mark.ci
def test_kill_stops_a_background_run_like_ctrl_c(text_file: Path, tmp_path: Path) -> None:
    """SIGTERM (a plain ``kill``, the way to stop a run started with ``nohup … &``, which ignores Ctrl-C) stops at the
    next batch and keeps the last complete epoch's bundle, exit 130."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "HANGUL_RNN_HOME": str(tmp_path / "home")}
    args = [sys.executable, "-m", "hangul_rnn.cli", "train", "generator", "--corpus", f"text:{text_file}",
            "--level", "syllable", "--units", "8", "--embedding-dim", "4", "--seq-len", "10", "--batch-size", "8",
            "--epochs", "500", "--patience", "0", "--sample-chars", "0", "--name", "killed"]
    proc = subprocess.Popen(args, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    metrics = tmp_path / "home" / "models" / "killed" / "metrics.json"
    deadline = time.monotonic() + 240
    while not metrics.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "last checkpoint kept" in err
    assert 1 <= json.loads(metrics.read_text())["epochs_done"] < 500


def test_bucketed_classifier_trains_on_batches_of_similar_length(capsys: pytest.CaptureFixture) -> None:
    from hangul_rnn.bundle import load_model_bundle
    from hangul_rnn.config import train_config_from_bundle

    tsv = SAMPLES / "nsmc_sample.tsv"
    code = main(["train", "classifier", "--corpus", f"tsv:{tsv}", "--name", "bucketed", "--level", "syllable",
                 "--max-len", "40", "--validation", "0.2", "--bucket", *TINY])
    assert code == 0, capsys.readouterr().err
    assert train_config_from_bundle(load_model_bundle("bucketed")).bucket is True
    # a fixed-length encoder cannot take batches of other lengths: refused before any data is read
    capsys.readouterr()
    assert main(["train", "classifier", "--corpus", f"tsv:{tsv}", "--cell", "conv", "--bucket", *TINY]) == 2
    assert "--bucket" in one_line_error(capsys)


def test_bucketing_pads_each_batch_to_its_longest_text_only() -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.preparation import prepare_classifier

    tsv = SAMPLES / "nsmc_sample.tsv"
    cfg = TrainConfig(task="classifier", corpus=f"tsv:{tsv}", max_len=120, bucket=True).validate()
    data = prepare_classifier(cfg, None, None, lambda *a: None)
    widths = [int(x.shape[1]) for x, _ in data.train_ds]
    assert max(widths) <= 120 and min(widths) < max(widths)  # batches differ in width, none beyond max_len
    val_rows = sum(int(x.shape[0]) for x, _ in data.val_ds)
    nonzero = sum(int((x.numpy() != 0).sum()) for ds in (data.train_ds, data.val_ds) for x, _ in ds)
    # token counts are tokens read (not examples), split between training and validation
    assert data.val_tokens > val_rows and data.train_tokens + data.val_tokens == nonzero
