"""The TUI draws, generates and scores in a process where TensorFlow cannot be imported (it is for training only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SCRIPT = r'''
import asyncio, sys, time
from textual.widgets import Button, Input, Static
from hangul_rnn_tui.app import HangulRNNApp
from hangul_rnn_tui.generate_pane import GeneratePane

async def wait_for(pilot, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.05)

async def main():
    app = HangulRNNApp()
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("f2")
        pane = app.query_one(GeneratePane)
        app.query_one("#gen-prompt", Input).value = "태조가"
        app.query_one("#gen-start", Button).press()
        await wait_for(pilot, lambda: len(pane.text) > 12)
        app.query_one("#gen-stop", Button).press()
        await wait_for(pilot, lambda: app.query_one("#gen-stop", Button).disabled)
        assert not str(app.query_one("#gen-error", Static).render()), app.query_one("#gen-error", Static).render()
        await pilot.press("f3")
        app.query_one("#score-input", Input).value = "정말 재미있어요"
        await wait_for(pilot, lambda: "%" in str(app.query_one("#score-result", Static).render()))
    print("OK", pane.text[:20])

asyncio.run(main())
'''


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_generate_and_score_tabs_without_tensorflow(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import sys\nsys.modules['tensorflow'] = None\nsys.modules['keras'] = None\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), str(REPO)]))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=180,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "OK 태조가" in proc.stdout
