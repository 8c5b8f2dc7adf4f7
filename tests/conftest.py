"""Shared test setup: every test runs with its own hangul-rnn home and the local corpora, never the network.

``HANGUL_RNN_NO_SHARED=1`` hides ``../shared/corpora`` as if the checkout stood alone (CI runs a subset that way):
a test that needs the real corpora must ask for the ``shared_corpora`` fixture, which then skips with a reason;
one that reaches for them another way falls through to a download, which the network guard below turns into an
immediate, named failure instead of a timeout.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPORA = (REPO_ROOT.parent / "shared" / "corpora").resolve()
#: Set (to anything but "" or "0") to run as if ../shared were absent.
NO_SHARED_ENV = "HANGUL_RNN_NO_SHARED"


def shared_corpora_dir() -> Path | None:
    """../shared/corpora, unless it is absent or hidden with HANGUL_RNN_NO_SHARED."""
    if os.environ.get(NO_SHARED_ENV, "") not in ("", "0"):
        return None
    return SHARED_CORPORA if SHARED_CORPORA.is_dir() else None


def _no_shared_reason() -> str:
    if os.environ.get(NO_SHARED_ENV, "") not in ("", "0"):
        return f"../shared/corpora hidden by {NO_SHARED_ENV}"
    return f"../shared/corpora is not present ({SHARED_CORPORA})"


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
    """Point HANGUL_RNN_HOME at a fresh folder and HANGUL_RNN_CORPORA at ../shared/corpora (when available)."""
    monkeypatch.setenv("HANGUL_RNN_HOME", str(tmp_path_factory.mktemp("home")))
    shared = shared_corpora_dir()
    if shared is not None:
        monkeypatch.setenv("HANGUL_RNN_CORPORA", str(shared))
    else:
        monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)


@pytest.fixture
def shared_corpora() -> Path:
    """The real corpora beside the checkout; tests that need them skip (saying why) where they are unavailable."""
    shared = shared_corpora_dir()
    if shared is None:
        pytest.skip(_no_shared_reason())
    return shared


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_configure(config: pytest.Config) -> None:
    """Say how to fix an editable install made before tui/ was mapped to ``hangul_rnn_tui`` (instead of failing
    every TUI test with an ImportError)."""
    if importlib.util.find_spec("hangul_rnn_tui") is None:
        raise pytest.UsageError(
            "hangul_rnn_tui (the tui/ folder) is not importable: the installed hangul-rnn predates that name in "
            "pyproject.toml; run pip install -e '.[dev]' again from the repository root"
        )


# ----------------------------------------------------------------------------------------------- network guard


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host beyond loopback. Not an OSError on purpose: download retries must not eat it."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the local wildcard address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Fail any test that resolves or connects to a host other than loopback, at once and by name.

    Tests run offline in CI and on a plane; a test that silently downloads passes here and hangs there (one used
    to try for 126 s before failing). Local servers (tests/test_download.py, the multi-worker tests) are fine.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _is_loopback(host):
            raise NetworkBlocked(f"a test tried to resolve {host!r}: tests must not reach beyond loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_loopback(address[0]):
                raise NetworkBlocked(f"a test tried to connect to {address!r}: tests must not reach beyond loopback")

    def connect(self, address):  # type: ignore[no-untyped-def]
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.getaddrinfo = real_getaddrinfo  # type: ignore[assignment]
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def no_shipped_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide the default bundles shipped in the package, for tests of what a bare install without them does."""
    import hangul_rnn.catalog

    monkeypatch.setattr(hangul_rnn.catalog, "SHIPPED_DIR", tmp_path / "no-shipped-models")


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
