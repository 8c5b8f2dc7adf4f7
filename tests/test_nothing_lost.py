"""Nothing saved is lost: a save killed between its renames, two runs of the same name, leftover hidden folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hangul_rnn import paths
from hangul_rnn.bundle import load_bundle, save_bundle
from hangul_rnn.catalog import installed_names, list_bundles
from hangul_rnn.errors import HangulRNNError

REPO_ROOT = Path(__file__).resolve().parent.parent

# Saves a bundle over an existing one and is killed (os._exit: no cleanup runs) the moment the old folder has been
# renamed aside, before the new one takes the name: the worst moment of a two-rename swap.
_KILLED_SAVE = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from tests.test_bundle import make_bundle
    from hangul_rnn.bundle import save_bundle
    target = sys.argv[2]
    bundle = make_bundle()
    bundle.metrics = {"epochs_done": 2, "val_loss": 1.0}
    real = os.replace
    def replace(src, dst, *a, **k):
        real(src, dst, *a, **k)
        if os.fspath(src) == target:
            os._exit(9)
    os.replace = replace
    save_bundle(bundle, target)
""")


def _kill_mid_swap(target: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(REPO_ROOT), str(target)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 9, proc.stderr[-2000:]
    assert not target.exists(), "the kill should have come between the two renames"


@pytest.fixture(scope="module")
def first_bundle():
    from tests.test_bundle import make_bundle

    return make_bundle()


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_a_save_killed_between_its_renames_is_put_back_on_load(first_bundle) -> None:
    target = paths.models_dir() / "killed"
    save_bundle(first_bundle, target)
    _kill_mid_swap(target)
    loaded = load_bundle("killed")  # today: "no model named 'killed'"
    assert loaded.metrics["epochs_done"] == 2  # the new, complete save wins over the old one
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".killed.") and p.is_dir()] == []


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_a_killed_save_is_listed_and_resumable(first_bundle) -> None:
    target = paths.models_dir() / "listed"
    save_bundle(first_bundle, target)
    _kill_mid_swap(target)
    assert "listed" in installed_names()
    assert "listed" in [s.name for s in list_bundles()]


def test_an_old_style_leftover_pair_is_recovered(tmp_path: Path) -> None:
    # An older hangul-rnn renamed .NAME.tmp-T straight into place: killed between, .tmp-T (complete) and .old-T remain.
    root = paths.models_dir()
    root.mkdir(parents=True)
    for kind, epochs in (("old", 1), ("tmp", 2)):
        folder = root / f".pair.{kind}-abcd1234"
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"epochs": epochs}))
    from hangul_rnn.catalog import resolve_bundle_path

    assert resolve_bundle_path("pair") == root / "pair"
    assert json.loads((root / "pair" / "config.json").read_text())["epochs"] == 2
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["pair"]


def test_leftovers_are_cleaned_once_a_good_bundle_is_saved(first_bundle) -> None:
    target = paths.models_dir() / "tidy"
    save_bundle(first_bundle, target)
    stale = target.parent / ".tidy.tmp-deadbeef"
    stale.mkdir()
    (stale / "config.json").write_text("{")
    save_bundle(first_bundle, target)
    assert not stale.exists()
    assert load_bundle("tidy").name == "tidy"


_HOLD_LOCK = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from hangul_rnn.folder_swap import name_lock
    with name_lock(Path(sys.argv[2])):
        print("held", flush=True)
        time.sleep(60)
""")


def test_a_second_run_of_the_same_name_is_refused(first_bundle, tmp_path: Path) -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.training import train

    target = paths.models_dir() / "busy"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(REPO_ROOT), str(target)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        corpus = tmp_path / "c.txt"
        corpus.write_text("가나다라마바사\n" * 50, encoding="utf-8")
        config = TrainConfig(task="generator", corpus=f"text:{corpus}", level="syllable", units=4, epochs=1)
        with pytest.raises(HangulRNNError, match="being written by another run"):
            train(config, name="busy")
        with pytest.raises(HangulRNNError, match="being written by another run"):
            save_bundle(first_bundle, target)
        assert not target.exists()
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0)
    save_bundle(first_bundle, target)  # the lock went with the process
    assert os.path.isdir(target)


@pytest.mark.parametrize("name", ["x\n", "a" * 230, "모" * 70])
def test_names_a_folder_cannot_hold_are_refused(name: str) -> None:
    from hangul_rnn.catalog import check_name
    from hangul_rnn.errors import UsageError

    with pytest.raises(UsageError):
        check_name(name)


def test_an_empty_name_is_an_error_not_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hangul_rnn.cli import main

    corpus = tmp_path / "c.txt"
    corpus.write_text("가나다라\n", encoding="utf-8")
    assert main(["train", "generator", "--corpus", f"text:{corpus}", "--name", "", "--epochs", "1"]) == 2
    assert "bad model name ''" in capsys.readouterr().err
    assert installed_names() == []


def test_another_thread_cannot_take_over_a_save_in_progress(tmp_path: Path) -> None:
    # The TUI lists models while its training thread saves: the listing must not "recover" the half-swapped folder.
    import threading

    from hangul_rnn.folder_swap import NameBusyError, install_folder, name_lock, recover

    target = tmp_path / "models" / "shared"
    target.parent.mkdir()
    new = target.parent / ".shared.new-00000000"
    new.mkdir()
    (new / "config.json").write_text("{}")
    held, release = threading.Event(), threading.Event()

    def trainer() -> None:
        with name_lock(target):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=trainer)
    thread.start()
    try:
        assert held.wait(30)
        assert recover(target) is False and new.is_dir() and not target.exists()
        with pytest.raises(NameBusyError):
            install_folder(target, lambda tmp: None)
    finally:
        release.set()
        thread.join(30)
    assert recover(target) is True and (target / "config.json").is_file()
