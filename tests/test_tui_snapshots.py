"""Snapshot tests of every tab and the help screen at 80x24 and 120x40 (and 60x20 for the two forms) with
pytest-textual-snapshot, and the Generate form's messages.

Update the pictures after a deliberate change with ``python -m pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at them (the report on failure shows old and new side by side). Only the shipped
bundles appear in these screens, and no screen shows a path, a time or a rate, so the pictures are the same
on every run and every machine.
"""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Select  # noqa: E402
from tui_pilot import text_of  # noqa: E402
from tui_pilot import wait_for as _wait_for  # noqa: E402

from hangul_rnn_tui.app import HangulRNNApp  # noqa: E402

SIZE = (80, 24)
SENTENCE = "재미있을 줄 알았는데 완전 실망했다"


async def type_and_wait_for_the_score(pilot) -> None:
    app = pilot.app
    await pilot.press("f3")
    field = app.query_one("#score-input", Input)
    field.cursor_blink = False  # a blinking cursor would make the picture depend on the moment it is taken
    field.focus()
    await pilot.press(*SENTENCE)
    await wait_for(pilot, lambda: text_of(app, "#score-result") != ""
                   and SENTENCE.split()[-1] in text_of(app, "#score-words"))


def steady(pilot) -> None:
    """No blinking cursor: the picture must not depend on the moment it is taken."""
    for field in pilot.app.query(Input):
        field.cursor_blink = False


def showing(*keys: str):
    """A run_before that presses ``keys`` (a tab's F-key, ?) and stills the cursors."""

    async def run_before(pilot) -> None:
        await pilot.press(*keys)
        steady(pilot)
        await pilot.pause()

    return run_before


def test_train_tab(snap_compare) -> None:
    """The Train form and the empty run panel fit in 80x24."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=showing())


async def classifier_from_a_generator(pilot) -> None:
    """The classifier task with a generator in "from": its own rows shown, the fine-tuning ones enabled."""
    app = pilot.app
    app.query_one("#train-task", Select).value = "classifier"
    await pilot.pause()
    app.query_one("#train-init", Input).value = "my-generator"
    app.query_one("#train-task", Select).focus()
    steady(pilot)
    await pilot.pause()


def test_train_tab_classifier_fine_tuning(snap_compare) -> None:
    """The classifier's rows (pooling, buckets, freeze/unfreeze, lr decay) fit in 80x24 with the buttons."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=classifier_from_a_generator)


def test_small_terminal_classifier_fine_tuning(snap_compare) -> None:
    """At 60x20 the longer classifier form scrolls; its labels stay on one line."""
    assert snap_compare(HangulRNNApp(), terminal_size=(60, 20), run_before=classifier_from_a_generator)


def test_generate_tab(snap_compare) -> None:
    """Generate: the shipped generator is picked, the options fit on two rows, the prompt has the focus."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=showing("f2"))


def test_score_tab_after_typing(snap_compare) -> None:
    """Score: the shipped NSMC classifier scored the typed sentence, bars and tinted words shown."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=type_and_wait_for_the_score)


def test_score_tab_light_theme(snap_compare) -> None:
    """The same screen on the light theme: the word tints stay readable."""

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+t")
        await type_and_wait_for_the_score(pilot)

    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=run_before)


def test_models_tab(snap_compare) -> None:
    """Models: the shipped bundles with their headline metric, the highlighted one in full, its curves below."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=showing("f4"))


def test_corpora_tab_after_stats(snap_compare, sample_corpora) -> None:
    """Corpora: word-level stats of the sample with its length histogram, the 95% mark and the label balance."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=corpus_stats)


async def corpus_stats(pilot) -> None:
    await pilot.press("f5")
    steady(pilot)
    pilot.app.query_one("#corpus-stats", Button).press()
    await wait_for(pilot, lambda: text_of(pilot.app, "#corpus-histogram") != "")


def test_help_screen(snap_compare) -> None:
    """The help screen (?) over the Train tab."""
    assert snap_compare(HangulRNNApp(), terminal_size=SIZE, run_before=showing("question_mark"))


@pytest.mark.parametrize("tab", ["f1", "f2", "f4", "question_mark"])
def test_large_terminal(snap_compare, tab: str) -> None:
    """At 120x40 every screen uses the room (wider form, taller chart and text) without gaps."""
    assert snap_compare(HangulRNNApp(), terminal_size=(120, 40), run_before=showing(tab))


def test_large_terminal_score(snap_compare) -> None:
    assert snap_compare(HangulRNNApp(), terminal_size=(120, 40), run_before=type_and_wait_for_the_score)


def test_large_terminal_corpora(snap_compare, sample_corpora) -> None:
    assert snap_compare(HangulRNNApp(), terminal_size=(120, 40), run_before=corpus_stats)


@pytest.mark.parametrize("tab", ["f1", "f2"])
def test_small_terminal(snap_compare, tab: str) -> None:
    """At 60x20 the compact layout: the chart keeps 30 columns, every generate option is on screen."""
    assert snap_compare(HangulRNNApp(), terminal_size=(60, 20), run_before=showing(tab))


async def test_generate_form_messages(no_shipped_models) -> None:
    """No model, a bad top-p and non-numeric max tokens are said inline; nothing starts, nothing crashes."""
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert app.query_one("#gen-model", Select).value is Select.NULL
        app.query_one("#gen-start", Button).press()
        await pilot.pause()
        assert "pick a generator model first" in text_of(app, "#gen-error")


async def test_generate_bad_options_and_the_empty_prompt() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert str(app.query_one("#gen-model", Select).value).endswith("annals-syllable")
        start = app.query_one("#gen-start", Button)

        app.query_one("#gen-top-p", Input).value = "0"
        await pilot.pause()
        assert "top-p must be in (0.0, 1.0]" in text_of(app, "#gen-error")
        start.press()
        await pilot.pause()
        assert "top-p" in text_of(app, "#gen-error") and app.query_one("#gen-stop", Button).disabled

        app.query_one("#gen-top-p", Input).value = "0.9"
        app.query_one("#gen-max", Input).value = "lots"
        await pilot.pause()
        start.press()
        await pilot.pause()
        assert "max tokens must be a whole number" in text_of(app, "#gen-error")
        assert app.query_one("#gen-stop", Button).disabled  # nothing started

        app.query_one("#gen-max", Input).value = "5"
        app.query_one("#gen-prompt", Input).value = ""
        start.press()
        await pilot.pause()
        assert text_of(app, "#gen-error") == ""
        assert "empty prompt: starting from a new line" in text_of(app, "#gen-stats")  # a hint, not an error
        pane = app.query_one("#generate-pane")
        await wait_for(pilot, lambda: app.query_one("#gen-stop", Button).disabled and pane.text)
        assert text_of(app, "#gen-error") == ""


async def wait_for(pilot, condition, timeout: float = 60.0) -> None:
    """The shared wait, polling at the pace these snapshots were drawn with."""
    await _wait_for(pilot, condition, timeout, step=0.1)
