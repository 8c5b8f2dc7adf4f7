"""``evaluate``'s fuller classifier report and ``evaluate A --against B`` through ``hangul_rnn.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
TINY = ["--units", "8", "--embedding-dim", "4", "--batch-size", "16", "--epochs", "1", "--patience", "0",
        "--level", "syllable", "--max-len", "20", "--validation", "0.2"]


def one_line_error(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("hangul-rnn: error:") and "\n" not in err and "Traceback" not in err, err
    return err


def _train(name: str, *extra: str) -> None:
    corpus = f"tsv:{SAMPLES / 'nsmc_sample.tsv'}"
    assert main(["train", "classifier", "--corpus", corpus, "--name", name, *TINY, *extra]) == 0


@pytest.mark.slow  # a subprocess or a real training run: in CI's bounded slow subset
@pytest.mark.ci
def test_report_and_against(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    _train("lstm-one")
    _train("gru-one", "--cell", "gru", "--lr", "0.01")
    capsys.readouterr()

    assert main(["evaluate", "lstm-one", "--against", "gru-one", "--split", "validation", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    other, paired = result["against"], result["mcnemar"]
    n = result["examples"]
    assert other["model"] == "gru-one" and other["examples"] == n == 40  # 20% of the 200 sample reviews
    # the discordant counts are the difference of the two accuracies, and the four cells count every example
    assert paired["only_a_right"] - paired["only_b_right"] == round((result["accuracy"] - other["accuracy"]) * n)
    assert paired["both_right"] + paired["both_wrong"] + paired["only_a_right"] + paired["only_b_right"] == n
    assert 0.0 < paired["p_value"] <= 1.0
    for scored in (result, other):
        confusion = np.array(scored["confusion"])
        assert [row["support"] for row in scored["per_class"]] == confusion.sum(axis=1).tolist()
        low, high = scored["accuracy_ci95"]
        assert low < scored["accuracy"] < high or scored["accuracy"] in (0.0, 1.0)

    assert main(["evaluate", "lstm-one", "--against", "gru-one", "--split", "validation"]) == 0
    out = capsys.readouterr().out
    for shown in ("per class", "kappa", "accuracy 95% interval", "McNemar's exact test: p =", "only it right"):
        assert shown in out

    # bad uses: one line each, exit 2
    assert main(["evaluate", "lstm-one", "gru-one", "--against", "gru-one"]) == 2
    assert "--against compares one model" in one_line_error(capsys)
    assert main(["evaluate", "lstm-one", "--against", "no-such-model"]) == 2
    assert "no model named 'no-such-model'" in one_line_error(capsys)
    text = tmp_path / "t.txt"
    text.write_text("가나다라 마바사\n" * 60, encoding="utf-8")
    assert main(["train", "generator", "--corpus", f"text:{text}", "--name", "gen", "--seq-len", "8",
                 "--sample-chars", "0", "--units", "8", "--embedding-dim", "4", "--epochs", "1",
                 "--batch-size", "8"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "lstm-one", "--against", "gen"]) == 2
    assert "not a classifier" in one_line_error(capsys)
    _train("other-seed", "--seed", "7")
    capsys.readouterr()
    assert main(["evaluate", "lstm-one", "--against", "other-seed", "--split", "validation"]) == 2
    assert "held out different validation examples" in one_line_error(capsys)
