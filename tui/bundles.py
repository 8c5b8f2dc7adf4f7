"""Loading bundles for the TUI: one cache per app, so switching tabs never re-reads a bundle or its network (the
NumPy runtime; TensorFlow is loaded only when the Train tab starts a run)."""

from __future__ import annotations

import threading
from typing import Any


class BundleCache:
    """Thread-safe name -> loaded Bundle; loading happens in workers, never on the UI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bundles: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        from hangul_rnn.bundle import load_bundle

        with self._lock:
            if name not in self._bundles:
                self._bundles[name] = load_bundle(name)
            return self._bundles[name]

    def forget(self, name: str | None = None) -> None:
        with self._lock:
            if name is None:
                self._bundles.clear()
            else:
                self._bundles.pop(name, None)


def bundle_options(task: str) -> list[tuple[str, str]]:
    """(label, name-or-path) of every installed or shipped bundle of one task, for a Select."""
    from hangul_rnn.catalog import list_bundles

    options = []
    for summary in list_bundles():
        if summary.task == task:
            label = f"{summary.name}  ({summary.corpus}, {summary.level})"
            options.append((label, str(summary.path)))
    return options


def _pick(values: list[str], *wanted: object) -> str | None:
    """The first of ``wanted`` that is among ``values`` (a path, or a model's name matched to its folder)."""
    from pathlib import Path

    for want in wanted:
        if not want:
            continue
        if want in values:
            return str(want)
        named = [v for v in values if Path(v).name == want]
        if named:
            return named[-1]  # the shipped one comes last in list_bundles(), after an installed copy of its name
    return None


def fill_model_select(select: Any, task: str, *, default: str | None = None, remembered: str | None = None) -> None:
    """Re-read the bundles of one task into a model picker: the user's pick if it still exists, else the one
    remembered from the last session, else the CLI's default model (the shipped one), else the first."""
    from textual.widgets import Select

    previous = select.value if select.value is not Select.NULL else None
    options = bundle_options(task)
    select.set_options(options)
    values = [value for _, value in options]
    chosen = _pick(values, previous, remembered, default) or (values[0] if values else None)
    select.value = chosen if chosen is not None else Select.NULL


def fill_model_list(selection_list: Any, task: str, *, default: str | None = None,
                    remembered: list[str] | None = None, keep: bool = True) -> None:
    """Re-read the bundles of one task into a tick list, keeping the ticks that still exist (else the remembered
    ones, else the CLI's default model, else the first)."""
    previous = set(selection_list.selected) if keep else set()
    options = bundle_options(task)
    values = [value for _, value in options]
    kept = previous.intersection(values)
    if not kept:
        kept = {v for v in (_pick(values, r) for r in remembered or []) if v}
    if not kept:
        first = _pick(values, default) or (values[0] if values else None)
        kept = {first} if first else set()
    selection_list.clear_options()
    selection_list.add_options([(label, value, value in kept) for label, value in options])
