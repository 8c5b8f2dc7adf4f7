"""Pilot helpers shared by the TUI tests: wait for a condition while the app runs, read a Static's text."""

from __future__ import annotations

import time

from textual.widgets import Static


async def wait_for(pilot, condition, timeout: float = 60.0, step: float = 0.05) -> None:
    """Let the app run until ``condition()`` holds (workers run in threads); bounded by ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(step)


def text_of(app, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def fill_train_form(app, **fields: str) -> None:
    """Set Train-form fields by name (``units="8"`` sets ``#train-units``), pickers and inputs alike: for tests about
    what a run does, not about typing (those press keys)."""
    for name, value in fields.items():
        app.query_one(f"#train-{name}").value = value
