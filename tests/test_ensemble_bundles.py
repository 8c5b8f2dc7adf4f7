"""Saved ensembles: several classifiers under one name, loaded as an ensemble.Ensemble wherever a bundle goes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn import paths
from hangul_rnn.bundle import Bundle, load_bundle, save_bundle
from hangul_rnn.catalog import list_bundles
from hangul_rnn.cli import main
from hangul_rnn.ensemble import Ensemble, save_ensemble
from hangul_rnn.errors import FormatError, UsageError
from hangul_rnn.scoring import probabilities, score

REVIEWS = ["정말 재미있어요", "최악의 영화", "배우 연기가 좋았다", "지루하고 길다", "또 보고 싶다"]
SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
TINY = ["--units", "8", "--embedding-dim", "4", "--batch-size", "16", "--epochs", "1", "--patience", "0"]


def _classifier(name: str, level: str, seed: int, labels=("negative", "positive"), corpus="nsmc") -> Path:
    import keras

    from hangul_rnn.models import build_classifier
    from hangul_rnn.tokenizers import make_tokenizer

    keras.utils.set_random_seed(seed)
    tok = make_tokenizer(level).fit(REVIEWS)
    model = build_classifier(tok.vocab_size, units=4, embedding_dim=4, dropout=0.0)
    config = {"task": "classifier", "name": name, "corpus": corpus, "label_names": list(labels),
              "hyperparameters": {"max_len": 20}}
    return save_bundle(Bundle(None, config, tok, model), paths.models_dir() / name)


@pytest.fixture
def two() -> list[str]:
    _classifier("syl", "syllable", 1)
    _classifier("jam", "jamo", 2)
    return ["syl", "jam"]


def test_saved_ensemble_loads_and_scores_as_the_average(two: list[str]) -> None:
    path = save_ensemble("both", two)
    assert path == paths.models_dir() / "both"
    both = load_bundle("both")
    assert isinstance(both, Ensemble) and both.name == "both" and both.path == path
    assert [m.name for m in both.members] == two
    expected = (probabilities(load_bundle("syl"), REVIEWS) + probabilities(load_bundle("jam"), REVIEWS)) / 2
    assert np.allclose(probabilities(both, REVIEWS), expected)
    assert score(both, REVIEWS[0]).label in ("negative", "positive")
    summary = next(s for s in list_bundles() if s.name == "both")
    assert (summary.task, summary.level, summary.network) == ("classifier", "ensemble", "2 models")
    assert summary.params == sum(json.loads((paths.models_dir() / n / "config.json").read_text())["params"]
                                 for n in two)


def test_bad_ensembles_are_refused_in_one_line(two: list[str], tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="at least two"):
        save_ensemble("one", ["syl"])
    with pytest.raises(UsageError, match="no model named 'nope'"):
        save_ensemble("x", ["syl", "nope"])
    with pytest.raises(UsageError, match="'annals-syllable' is a generator"):
        save_ensemble("x", ["syl", "annals-syllable"])
    _classifier("zero-one", "syllable", 3, labels=("0", "1"))
    with pytest.raises(UsageError, match="different labels"):
        save_ensemble("x", ["syl", "zero-one"])
    _classifier("other-corpus", "syllable", 4, corpus="tsv:/elsewhere.tsv")
    with pytest.raises(UsageError, match="different corpora"):
        save_ensemble("x", ["syl", "other-corpus"])
    with pytest.raises(UsageError, match="listed twice"):
        save_ensemble("x", ["syl", str(paths.models_dir() / "syl")])  # the same folder by name and by path
    save_ensemble("both", two)
    with pytest.raises(UsageError, match="already exists"):
        save_ensemble("both", two)
    with pytest.raises(UsageError, match="itself an ensemble"):
        save_ensemble("more", ["both", "syl"])
    assert not (paths.models_dir() / "x").exists()
    # A member removed later: loading names the ensemble and the member.
    shutil.rmtree(paths.models_dir() / "jam")
    with pytest.raises(UsageError, match=r"ensemble 'both', member 'jam': no model named 'jam'"):
        load_bundle("both")
    (paths.models_dir() / "both" / "config.json").write_text(
        json.dumps({"format_version": 1, "task": "classifier", "kind": "ensemble", "members": ["syl"]}))
    with pytest.raises(FormatError, match="at least two member names"):
        load_bundle("both")


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_ensemble_cli_score_evaluate_models_and_resume(sample_corpora: Path, capsys: pytest.CaptureFixture) -> None:
    for level in ("syllable", "jamo"):
        assert main(["train", "classifier", "--corpus", "nsmc", "--name", level, "--level", level,
                     "--max-len", "30", "--validation", "0.2", *TINY]) == 0
    assert main(["ensemble", "best", "syllable", "jamo"]) == 0
    assert "saved ensemble best" in capsys.readouterr().out
    assert main(["score", "--model", "best", "정말 재미있어요"]) == 0
    label, probability, text = capsys.readouterr().out.strip().split("\t")
    assert label in ("negative", "positive") and text == "정말 재미있어요"
    assert main(["evaluate", "best", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "best" and [m["model"] for m in result["members"]] == ["syllable", "jamo"]
    assert main(["evaluate", "syllable", "jamo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == result["accuracy"]  # the same averaging
    assert main(["models", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed["best"]["level"] == "ensemble" and listed["best"]["metrics"]["test_accuracy"] == result["accuracy"]
    assert main(["train", "classifier", "--corpus", "nsmc", "--name", "best", "--resume", *TINY]) == 2
    assert "is an ensemble" in capsys.readouterr().err
    assert main(["generate", "--model", "best"]) == 2
    assert "needs a generator" in capsys.readouterr().err
