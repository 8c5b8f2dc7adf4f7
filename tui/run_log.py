"""The training log: a RichLog that lays its lines out again when its width changes or it comes back on screen.

Why: RichLog wraps a line once, at the width it has when the line is written. Lines written while the Train tab is
hidden (a run goes on while the user generates text) were wrapped at a dozen columns, and a widened terminal kept
the old wrapping; keeping the entries and writing them again on show and on resize fixes both.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from textual import events
from textual.widgets import RichLog


class RunLog(RichLog):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._entries: deque[Any] = deque(maxlen=self.max_lines or 500)
        self._laid_out_at = 0
        self._replaying = False

    def write(self, content: Any, *args: Any, **kwargs: Any):  # type: ignore[override]
        if not self._replaying:
            self._entries.append(content)
            if not self.is_on_screen:
                self._laid_out_at = 0  # laid out again when shown
                return self
        return super().write(content, *args, **kwargs)

    def clear(self):  # type: ignore[override]
        if not self._replaying:
            self._entries.clear()
        return super().clear()

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._laid_out_at:
            return
        self._laid_out_at = width
        self._replaying = True
        try:
            super().clear()
            for entry in self._entries:
                super().write(entry)
        finally:
            self._replaying = False

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._relayout)

    def on_show(self) -> None:
        self.call_after_refresh(self._relayout)
