"""Shared test setup: every test runs with its own hangul-rnn home and the local corpora, never the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPORA = (REPO_ROOT.parent / "shared" / "corpora").resolve()


def _use_this_checkouts_manifests() -> None:
    """Load ``hangul_rnn.manifests`` from this checkout's ``corpora/``.

    Why: an editable install maps that package to the folder it was installed from, so a second worktree's tests
    would otherwise read another checkout's manifests and never see a corpus added here.
    """
    import importlib.util
    import sys

    folder = REPO_ROOT / "corpora"
    if not (folder / "__init__.py").is_file():
        return
    spec = importlib.util.spec_from_file_location("hangul_rnn.manifests", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["hangul_rnn.manifests"] = module
    spec.loader.exec_module(module)


_use_this_checkouts_manifests()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point HANGUL_RNN_HOME at a fresh folder and HANGUL_RNN_CORPORA at ../shared/corpora."""
    monkeypatch.setenv("HANGUL_RNN_HOME", str(tmp_path_factory.mktemp("home")))
    if SHARED_CORPORA.is_dir():
        monkeypatch.setenv("HANGUL_RNN_CORPORA", str(SHARED_CORPORA))
    else:
        monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)


@pytest.fixture
def shared_corpora() -> Path:
    """The real corpora beside the checkout; tests that need them skip only where ../shared is absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return SHARED_CORPORA


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def no_shipped_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide the default bundles shipped in the package, for tests of what a bare install without them does."""
    import hangul_rnn.bundle

    monkeypatch.setattr(hangul_rnn.bundle, "SHIPPED_DIR", tmp_path / "no-shipped-models")


@pytest.fixture
def sample_corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """NSMC as the 200-review sample shipped in corpora/samples (as both splits): the same data on every machine."""
    sample = REPO_ROOT / "corpora" / "samples" / "nsmc_sample.tsv"
    folder = tmp_path / "corpora" / "nsmc"
    folder.mkdir(parents=True)
    for split in ("train", "test"):
        (folder / f"ratings_{split}.txt").write_bytes(sample.read_bytes())
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(tmp_path / "corpora"))
    return folder
