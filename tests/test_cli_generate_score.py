"""``hangul-rnn generate`` and ``hangul-rnn score`` end to end, with tiny bundles saved to a temporary folder."""

from __future__ import annotations

import io

import pytest

from hangul_rnn.cli import main

TEXT = "태조가 왕위에 올랐다.\n신하들이 모두 절하였다!\n임금이 말하기를 좋다 하였다.\n"
REVIEWS = ["재미있을 줄 알았는데 완전 실망했다", "최고의 영화 정말 재미있다", "지루하고 별로였다"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    import keras

    from hangul_rnn.bundle import Bundle, save_bundle
    from hangul_rnn.models import build_classifier, build_generator
    from hangul_rnn.tokenizers import make_tokenizer

    root = tmp_path_factory.mktemp("bundles")
    keras.utils.set_random_seed(0)
    tok = make_tokenizer("word").fit(TEXT.splitlines(keepends=True))
    gen = build_generator(tok.vocab_size, cell="gru", layers=1, units=8, embedding_dim=8)
    gen_path = save_bundle(Bundle(None, {"task": "generator", "name": "gen"}, tok, gen), root / "gen")
    ctok = make_tokenizer("syllable").fit(REVIEWS)
    clf = build_classifier(ctok.vocab_size, units=8, embedding_dim=8, dropout=0.0)
    config = {"task": "classifier", "name": "clf", "label_names": ["negative", "positive"],
              "hyperparameters": {"max_len": 30}}
    clf_path = save_bundle(Bundle(None, config, ctok, clf), root / "clf")
    return {"gen": str(gen_path), "clf": str(clf_path)}


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_generate_streams_prompt_and_text(saved, capsys):
    rc, out, err = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "태조가", "--temperature", "0",
                        "--max-tokens", "8")
    assert rc == 0, err
    assert out.startswith("태조가 ")
    assert out.endswith("\n")
    rc2, out2, _ = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "태조가", "--temperature", "0",
                        "--max-tokens", "8")
    assert out2 == out


def test_generate_several_samples_separated_by_blank_lines(saved, capsys):
    rc, out, err = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "태조가", "--num-samples", "3",
                        "--max-tokens", "5", "--seed", "1", "--stop-at", "line", "--top-k", "5", "--top-p", "0.9")
    assert rc == 0, err
    blocks = out.split("\n\n")
    assert len(blocks) == 3 and all(b.startswith("태조가") for b in blocks)


def test_generate_reports_unknown_prompt_words(saved, capsys):
    rc, out, err = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "우주선이", "--max-tokens", "3",
                        "--seed", "0")
    assert rc == 0
    assert "note: unknown to the model: 우주선이" in err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--temperature", "-1"], "temperature"),
        (["--top-p", "1.5"], "top-p"),
        (["--top-p", "0"], "top-p"),
        (["--top-k", "-2"], "top-k"),
        (["--max-tokens", "0"], "max-tokens"),
        (["--num-samples", "0"], "num-samples"),
    ],
)
def test_generate_bad_options_are_one_line_exit_2(saved, capsys, extra, message):
    rc, out, err = _run(capsys, "generate", "--model", saved["gen"], *extra)
    assert rc == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_generate_unknown_model_and_classifier_model(saved, capsys, no_shipped_models):
    rc, _, err = _run(capsys, "generate", "--model", "no-such-model")
    assert rc == 2 and "no-such-model" in err and err.count("\n") == 1
    rc, _, err = _run(capsys, "generate")  # the default model is not installed in the test home
    assert rc == 2 and "annals-syllable" in err
    rc, _, err = _run(capsys, "generate", "--model", saved["clf"])
    assert rc == 2 and "classifier" in err and err.count("\n") == 1
    assert main(["generate", "--stop-at", "page"]) == 2  # argparse's own one-line error
    assert capsys.readouterr().err.count("\n") == 1


def test_score_arguments_piped(saved, capsys):
    rc, out, err = _run(capsys, "score", "--model", saved["clf"], *REVIEWS[:2])
    assert rc == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    for line, text in zip(lines, REVIEWS):
        label, prob, shown = line.split("\t")
        assert label in ("negative", "positive") and 0.5 <= float(prob) <= 1.0 and shown == text


def test_score_with_two_models_is_their_average(saved, capsys):
    rc, out, err = _run(capsys, "score", "--model", saved["clf"], REVIEWS[0])
    assert rc == 0, err
    alone = float(out.split("\t")[1])
    rc, out, err = _run(capsys, "score", "--model", saved["clf"], "--model", saved["clf"], REVIEWS[0])
    assert rc == 0, err
    assert float(out.split("\t")[1]) == pytest.approx(alone, abs=1e-4)  # the same model twice: same score
    rc, out, err = _run(capsys, "score", "--model", saved["clf"], "--model", saved["gen"], REVIEWS[0])
    assert rc == 2 and "generator" in err and len(err.strip().splitlines()) == 1


def test_score_lines_on_stdin(saved, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(REVIEWS) + "\n\n"))
    rc, out, err = _run(capsys, "score", "--model", saved["clf"])
    assert rc == 0, err
    assert [line.split("\t")[2] for line in out.splitlines()] == REVIEWS


def test_score_explain(saved, capsys):
    rc, out, err = _run(capsys, "score", "--model", saved["clf"], "--explain", REVIEWS[0])
    assert rc == 0, err
    lines = out.splitlines()
    words = REVIEWS[0].split()
    assert [line.split("\t")[0] for line in lines[: len(words)]] == words
    assert lines[len(words)].split("\t")[2] == REVIEWS[0]
    final_p = float(lines[len(words) - 1].split("\t")[1])
    label, prob, _ = lines[len(words)].split("\t")
    assert abs((final_p if label == "positive" else 1 - final_p) - float(prob)) < 2e-4


def test_score_errors(saved, capsys, monkeypatch, no_shipped_models):
    rc, _, err = _run(capsys, "score", "--model", saved["clf"], "  ")
    assert rc == 2 and "nothing to score" in err and err.count("\n") == 1
    rc, _, err = _run(capsys, "score", "--model", saved["gen"], "좋다")
    assert rc == 2 and "generator" in err and err.count("\n") == 1
    rc, _, err = _run(capsys, "score", "좋다")
    assert rc == 2 and "nsmc-classifier" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("\n  \n"))
    rc, _, err = _run(capsys, "score", "--model", saved["clf"])
    assert rc == 2 and "nothing to score" in err


def test_score_starts_loading_kiwi_only_for_models_that_stem(saved, monkeypatch):
    """Kiwi loads on a thread while TensorFlow imports, but only when a model's tokenizer uses it."""
    import argparse
    import threading

    from hangul_rnn import morph
    from hangul_rnn.commands.score import _load_analyser_early

    loaded = threading.Event()
    monkeypatch.setattr(morph, "get_kiwi", lambda *a, **k: loaded.set())
    _load_analyser_early(argparse.Namespace(model=[saved["clf"]]))  # syllables: no Kiwi
    _load_analyser_early(argparse.Namespace(model=["no-such-model"]))  # left for the handler's one-line error
    assert not loaded.wait(0.5)
    _load_analyser_early(argparse.Namespace(model=None))  # the shipped default: all-morpheme stems
    assert loaded.wait(10)


def test_generate_beam_one_is_greedy_and_beams_work(saved, capsys):
    rc, greedy, err = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "태조가", "--temperature", "0",
                           "--max-tokens", "10")
    assert rc == 0, err
    rc, beam, err = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "태조가", "--beam", "1",
                         "--max-tokens", "10")
    assert rc == 0 and beam == greedy, err
    rc, out, err = _run(capsys, "generate", "--model", saved["gen"], "--prompt", "태조가", "--beam", "3",
                        "--max-tokens", "10", "--num-samples", "2")
    assert rc == 0 and out.startswith("태조가"), err
    rc, _, err = _run(capsys, "generate", "--model", saved["gen"], "--beam", "-1")
    assert rc == 2 and "--beam" in err


def _without_tensorflow(tmp_path, *argv, stdin=None):
    """Run the CLI in a fresh process where ``import tensorflow`` (and keras) fails."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    shim = tmp_path / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(
        "import sys\nsys.modules['tensorflow'] = None\nsys.modules['keras'] = None\n", encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), str(repo)]))
    return subprocess.run([sys.executable, "-m", "hangul_rnn.cli", *argv], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120, cwd=tmp_path)


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_generate_and_score_run_with_tensorflow_unimportable(saved, tmp_path):
    proc = _without_tensorflow(tmp_path, "generate", "--model", saved["gen"], "--prompt", "태조가", "--max-tokens", "8",
                               "--seed", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("태조가")
    proc = _without_tensorflow(tmp_path, "score", "--model", saved["clf"], "--explain", REVIEWS[0])
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = _without_tensorflow(tmp_path, "generate", "--max-tokens", "20", "--beam", "2")  # the shipped default
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-2000:]
    proc = _without_tensorflow(tmp_path, "score", "정말 재미있어요")  # the shipped default classifier (Kiwi stems)
    assert proc.returncode == 0 and proc.stdout.split("\t")[0] in ("positive", "negative"), proc.stderr[-2000:]
    reviews = "이 영화는 올해 본 것 중에 손꼽을 만하다\n두 시간 내내 시계만 보았다\n"  # in no NSMC split
    (tmp_path / "r.txt").write_text(reviews, encoding="utf-8")
    proc = _without_tensorflow(tmp_path, "label", "soft.tsv", "--corpus", "text:r.txt")  # soft labels, NumPy only
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len((tmp_path / "soft.tsv").read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.parametrize("command", ["generate", "score"])
def test_corrupt_weights_are_one_line_errors(saved, capsys, tmp_path, command):
    import shutil
    import zipfile
    from pathlib import Path

    folder = tmp_path / command
    shutil.copytree(saved["gen" if command == "generate" else "clf"], folder)
    archive = folder / "model.keras"
    with zipfile.ZipFile(Path(saved["gen" if command == "generate" else "clf"]) / "model.keras") as src, \
            zipfile.ZipFile(archive, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            dst.writestr(item, data[:600] + b"\0" * 4000 if item == "model.weights.h5" else data)
    argv = ["generate", "--model", str(folder)] if command == "generate" else ["score", "--model", str(folder), "좋다"]
    rc, _, err = _run(capsys, *argv)
    assert rc == 1 and err.count("\n") == 1 and "model.keras" in err and "Traceback" not in err, err
