"""Keep TensorFlow's native start-up lines off the user's terminal when hangul-rnn is what imports it.

TensorFlow (2.19 and later) writes lines such as "oneDNN custom operations are on", "Could not find cuda drivers"
and "failed call to cuInit" straight to file descriptor 2, some of them before it reads ``TF_CPP_MIN_LOG_LEVEL``,
so the variable alone cannot hide them. They bury the one line a user needs (and scribble over the TUI), so the
first import of ``tensorflow`` that hangul-rnn triggers (directly, or through ``keras``) runs with fd 2 pointed at
/dev/null, and ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3 for what TensorFlow logs later (a DT_BOOL note per training
run). A user's own setting of the variable is kept, and an import of TensorFlow by the user's code, not ours, is
left alone. Python exceptions raised by the import still propagate; only the native chatter is dropped.

This module imports nothing heavy: :func:`install` only puts a finder on ``sys.meta_path``.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import FrameType, ModuleType
from typing import Any

#: Our top-level packages: an import made while one of their frames is on the stack is ours.
_OURS = ("hangul_rnn", "hangul_rnn_tui")


def _ours(name: str) -> bool:
    return any(name == pkg or name.startswith(pkg + ".") for pkg in _OURS)


def _imported_by_us() -> bool:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name == "__main__":  # python -m hangul_rnn.cli: the module's own name is on its spec
            spec = frame.f_globals.get("__spec__")
            name = getattr(spec, "name", name)
        if isinstance(name, str) and _ours(name) and name != __name__:  # this module's own frames do not count
            return True
        frame = frame.f_back
    return False


@contextmanager
def stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the block (where there is a real fd 2; otherwise do nothing)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded, some test runners)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    """TensorFlow's own loader, run with fd 2 silenced; everything else is passed through to it."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, ...
        return getattr(self._loader, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with stderr_silenced():
            self._loader.exec_module(module)
            try:  # device discovery prints its own "failed call to cuInit" on CPU-only hosts
                module.config.list_physical_devices()
            except Exception:  # noqa: BLE001 - a discovery problem shows up again, with its error, where it matters
                pass


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Wraps the loader of ``tensorflow`` in :class:`_QuietLoader` when hangul-rnn is the importer."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> ModuleSpec | None:
        if fullname != "tensorflow" or not _imported_by_us():
            return None
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (first, so it sees the import before the path finder does)."""
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietFinder())


def import_tensorflow() -> ModuleType:
    """``import tensorflow``, quietly (see the module docstring); the module."""
    install()
    import tensorflow

    return tensorflow
