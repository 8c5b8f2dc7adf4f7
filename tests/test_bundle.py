"""Bundles: save/load round trip (same process and a fresh one), atomic replace, broken files, names, listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.bundle import FORMAT_VERSION, Bundle, load_bundle, require_task, save_bundle
from hangul_rnn.catalog import list_bundles
from hangul_rnn.errors import FormatError, UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["태조가 수창궁에서 왕위에 올랐다.", "임금이 신하들과 의논하였다.", "백성이 편안하였다."]
PROBE = np.array([[3, 4, 5, 6, 7, 8]], dtype="int32")


def make_bundle(units: int = 8) -> Bundle:
    from hangul_rnn.models import build_generator, compile_generator
    from hangul_rnn.tokenizers import make_tokenizer

    tok = make_tokenizer("syllable").fit(TEXTS)
    model = build_generator(tok.vocab_size, cell="gru", layers=1, units=units, embedding_dim=4, dropout=0.0,
                            recurrent_dropout=0.0)
    compile_generator(model, 1e-3)
    model(PROBE)
    config = {"name": "tiny", "task": "generator", "corpus": "text:/nowhere.txt",
              "tokenizer": {"level": "syllable", "stem": None}, "hyperparameters": {"cell": "gru", "units": units}}
    return Bundle(path=None, config=config, tokenizer=tok, model=model, metrics={"val_loss": 1.5, "epochs_done": 1},
                  history={"loss": [2.0, 1.5]})


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return make_bundle()


def models_root() -> Path:
    from hangul_rnn import paths

    return paths.models_dir()


def test_round_trip_same_process(bundle: Bundle) -> None:
    path = save_bundle(bundle, models_root() / "tiny")
    assert sorted(p.name for p in path.iterdir()) == sorted(
        ["config.json", "tokenizer.json", "model.keras", "metrics.json", "history.json"])
    loaded = load_bundle("tiny")
    assert loaded.path == path and loaded.name == "tiny" and loaded.task == "generator"
    assert loaded.config["format_version"] == FORMAT_VERSION
    assert loaded.config["params"] == bundle.model.count_params()
    assert loaded.metrics == {"val_loss": 1.5, "epochs_done": 1}
    assert loaded.history == {"loss": [2.0, 1.5]}
    assert loaded.tokenizer.encode(TEXTS[0]) == bundle.tokenizer.encode(TEXTS[0])
    np.testing.assert_allclose(np.asarray(loaded.model(PROBE)), np.asarray(bundle.model(PROBE)), rtol=1e-5, atol=1e-6)
    # loading by folder path works as well as by name
    assert load_bundle(path).name == "tiny"


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_round_trip_fresh_process(bundle: Bundle, tmp_path: Path) -> None:
    path = save_bundle(bundle, tmp_path / "tiny")
    expected = np.asarray(bundle.model(PROBE))
    script = (
        "import json, sys, numpy as np\n"
        "from hangul_rnn.bundle import load_bundle\n"
        "b = load_bundle(sys.argv[1])\n"
        f"x = np.array({PROBE.tolist()}, dtype='int32')\n"
        "print(json.dumps({'out': np.asarray(b.model(x)).tolist(), 'ids': b.tokenizer.encode(sys.argv[2])}))\n"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, "-c", script, str(path), TEXTS[1]], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(np.asarray(result["out"]), expected, rtol=1e-5, atol=1e-6)
    assert result["ids"] == bundle.tokenizer.encode(TEXTS[1])


def test_failed_save_keeps_old_bundle(bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    root = models_root()
    save_bundle(bundle, root / "keep")
    before = (root / "keep" / "config.json").read_text(encoding="utf-8")
    other = make_bundle(units=4)

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(other.model, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_bundle(other, root / "keep")
    assert (root / "keep" / "config.json").read_text(encoding="utf-8") == before
    assert [p.name for p in root.iterdir()] == ["keep"]  # no temp folder left behind
    assert load_bundle("keep").config["hyperparameters"]["units"] == 8


def test_save_replaces_old_bundle(bundle: Bundle) -> None:
    root = models_root()
    save_bundle(bundle, root / "swap")
    newer = make_bundle(units=4)
    newer.metrics = {"val_loss": 1.0, "epochs_done": 2}
    save_bundle(newer, root / "swap")
    assert [p.name for p in root.iterdir()] == ["swap"]
    assert load_bundle("swap").metrics["epochs_done"] == 2


def _saved(bundle: Bundle, name: str) -> Path:
    return save_bundle(bundle, models_root() / name)


def test_newer_format_version_refused(bundle: Bundle) -> None:
    path = _saved(bundle, "future")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    config["format_version"] = FORMAT_VERSION + 1
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_bundle("future")
    message = str(info.value)
    assert "config.json" in message and "newer" in message and "\n" not in message


def test_corrupt_config_refused(bundle: Bundle) -> None:
    path = _saved(bundle, "corrupt")
    (path / "config.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(FormatError, match="config.json"):
        load_bundle("corrupt")


def test_missing_tokenizer_refused(bundle: Bundle) -> None:
    path = _saved(bundle, "notok")
    (path / "tokenizer.json").unlink()
    with pytest.raises(FormatError, match="tokenizer.json"):
        load_bundle("notok")


def test_corrupt_model_refused(bundle: Bundle) -> None:
    path = _saved(bundle, "badmodel")
    (path / "model.keras").write_bytes(b"not a zip file")
    with pytest.raises(FormatError, match="model.keras: not a .keras archive"):
        load_bundle("badmodel")
    good = _saved(bundle, "cut")  # a copy cut short: the archive's end is missing
    data = (good / "model.keras").read_bytes()
    (good / "model.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="model.keras: not a .keras archive.*corrupt"):
        load_bundle("cut")


def test_unknown_name_lists_installed(bundle: Bundle, no_shipped_models) -> None:
    _saved(bundle, "alpha")
    _saved(bundle, "beta")
    with pytest.raises(UsageError) as info:
        load_bundle("gamma")
    assert "gamma" in str(info.value) and "alpha, beta" in str(info.value)
    assert info.value.exit_code == 2


def test_unknown_name_with_nothing_installed(no_shipped_models) -> None:
    with pytest.raises(UsageError, match="none installed"):
        load_bundle("whatever")


def test_bad_names_refused(bundle: Bundle, tmp_path: Path) -> None:
    for name in (".hidden", "a b", ""):
        with pytest.raises(UsageError):
            save_bundle(bundle, tmp_path / name if name else tmp_path / "x" / "..")


def test_require_task(bundle: Bundle) -> None:
    assert require_task(bundle, "generator") is bundle
    with pytest.raises(UsageError, match="needs a classifier"):
        require_task(bundle, "classifier")


def test_list_bundles_reads_json_only(bundle: Bundle, no_shipped_models) -> None:
    _saved(bundle, "one")
    broken = _saved(bundle, "two")
    (broken / "config.json").write_text("[]", encoding="utf-8")
    summaries = {s.name: s for s in list_bundles()}
    assert set(summaries) == {"one", "two"}
    one = summaries["one"]
    assert (one.task, one.corpus, one.level, one.cell) == ("generator", "text:/nowhere.txt", "syllable", "gru")
    assert one.params == bundle.model.count_params() and one.metrics["val_loss"] == 1.5 and one.error is None
    assert summaries["two"].error and "config.json" in summaries["two"].error


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_word_models_are_listed_with_their_stems(bundle: Bundle, no_shipped_models) -> None:
    from dataclasses import replace as dc_replace

    from hangul_rnn.catalog import summarize
    from hangul_rnn.tokenizers import WordTokenizer

    for stem, label in (("morph-all", "word/morph-all"), ("truncate", "word/truncate"), (None, "word")):
        tok = WordTokenizer(stem=stem).fit(["태조가 왕위에 올랐다"])
        config = {**bundle.config, "tokenizer": {"level": "word", **tok.to_dict()}}
        word = dc_replace(bundle, tokenizer=tok, config=config)
        assert summarize(_saved(word, f"w-{stem}")).level == label


def test_atomic_writes_give_new_files_the_usual_permissions(tmp_path: Path) -> None:
    """A replaced file gets 0o666 less the umask, as any new file, not the private 0o600 of a temp file."""
    import os
    import stat

    from hangul_rnn import atomic

    old = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "a.json", "{}")
        atomic.write_bytes(tmp_path / "a.json", b"[]")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert (tmp_path / "a.json").read_bytes() == b"[]" and [p.name for p in tmp_path.iterdir()] == ["a.json"]
