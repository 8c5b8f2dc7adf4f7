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


def fill_model_select(select: Any, task: str) -> None:
    """Re-read the bundles of one task into a model picker, keeping the user's pick when it still exists."""
    from textual.widgets import Select

    previous = select.value
    options = bundle_options(task)
    select.set_options(options)
    values = [value for _, value in options]
    if previous in values:
        select.value = previous
    elif values:
        select.value = values[0]
    else:
        select.value = Select.NULL


def fill_model_list(selection_list: Any, task: str) -> None:
    """Re-read the bundles of one task into a tick list, keeping the ticks that still exist (else the first)."""
    previous = set(selection_list.selected)
    options = bundle_options(task)
    values = [value for _, value in options]
    kept = previous.intersection(values) or set(values[:1])
    selection_list.clear_options()
    selection_list.add_options([(label, value, value in kept) for label, value in options])
