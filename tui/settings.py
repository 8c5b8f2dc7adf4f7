"""What the TUI remembers between sessions (theme, picked models, form values, prompt history), in one JSON file in
the user's config dir (:func:`hangul_rnn.paths.config_dir`).

Why a file of its own rather than the model or training config: these are the front end's choices, not a run's; a
missing or damaged file means the defaults, never an error (the app must start whatever is on disk).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FILE_NAME = "tui.json"
HISTORY_SIZE = 50


def settings_path() -> Path:
    from hangul_rnn import paths

    return paths.config_dir() / FILE_NAME


class Settings:
    """A dict read once at start and written (atomically) on every change: a crash loses nothing chosen."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self.first_run = not self.path.is_file()
        self.data: dict[str, Any] = {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.data = loaded
        except (OSError, ValueError):
            pass

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        if self.data.get(key) == value:
            return
        self.data[key] = value
        self.save()

    def remember_prompt(self, prompt: str) -> list[str]:
        """Put ``prompt`` at the end of the history (once), keep the last HISTORY_SIZE; returns the history."""
        history = [p for p in self.get("prompt_history", []) if isinstance(p, str) and p != prompt]
        if prompt:
            history.append(prompt)
        history = history[-HISTORY_SIZE:]
        self.set("prompt_history", history)
        return history

    def save(self) -> None:
        from hangul_rnn import atomic

        try:
            atomic.write_text(self.path, json.dumps(self.data, ensure_ascii=False, indent=1))
        except OSError:
            pass  # a read-only config dir: the session works, it just is not remembered
