"""One pilot test per defect of issue 16 (the TUI tried as a new user would); each failed on the code before it.

They use the shipped bundles and the sample corpora only, so they run offline and fast; the two that train do so
on a few hundred characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Footer, Input, ProgressBar, RichLog, Select, Static, TabbedContent, TextArea
from tui_pilot import fill_train_form, text_of, wait_for  # noqa: E402

from hangul_rnn import paths
from hangul_rnn_tui.app import HangulRNNApp

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
SENTENCE_NEGATIVE = "최악의 영화. 시간 아깝다 정말 지루하고 실망했다"


# ---------------------------------------------------------------------------------------------- 1. stuck tabs


async def test_1_function_keys_switch_tabs_whatever_has_the_focus() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        await pilot.press("f2")
        assert tabs.active == "generate"
        app.query_one("#gen-model", Select).focus()
        await pilot.press("f3")
        assert tabs.active == "score"
        app.query_one("#score-input", Input).focus()
        for key, tab in (("f1", "train"), ("f4", "models"), ("f5", "corpora"), ("f3", "score")):
            await pilot.press(key)
            assert tabs.active == tab, key


async def test_1_function_keys_work_with_a_select_open_and_focus_follows_the_tab() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        await pilot.press("f2")
        prompt = app.query_one("#gen-prompt", Input)
        await wait_for(pilot, lambda: app.focused is prompt, timeout=10)  # ready to type a prompt (focus follows the
        # tab after a refresh: on a loaded machine that is not yet true when the key press returns)
        select = app.query_one("#gen-model", Select)
        select.focus()
        await pilot.press("enter")  # opens the picker's overlay
        await pilot.pause()
        assert select.expanded
        await pilot.press("f3")
        await pilot.pause()
        assert tabs.active == "score" and not select.expanded
        score_input = app.query_one("#score-input", Input)
        await wait_for(pilot, lambda: app.focused is score_input, timeout=10)


# ------------------------------------------------------------------------------------ 2. streaming text follows


async def test_2_streaming_text_follows_the_end_while_it_streams() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        app.query_one("#gen-max", Input).value = "3000"
        app.query_one("#gen-prompt", Input).value = "태조가"
        app.query_one("#gen-start", Button).press()
        area = app.query_one("#gen-output", TextArea)
        await wait_for(pilot, lambda: area.max_scroll_y > 5)
        await pilot.pause(0.3)
        assert not app.query_one("#gen-stop", Button).disabled, "still streaming"
        assert area.scroll_y >= area.max_scroll_y - 1  # the view is at the newest text, not at the first line
        app.query_one("#gen-stop", Button).press()
        await wait_for(pilot, lambda: app.query_one("#gen-stop", Button).disabled)
        pane = app.query_one("#generate-pane")
        assert area.text == pane.text  # appended piece by piece, the same text as the whole


# ----------------------------------------------------------------------------------- 3. a shipped name shadowed


async def test_3_a_shipped_models_name_asks_before_training(text_file: Path) -> None:
    from hangul_rnn_tui.dialogs import ConfirmScreen

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#train-task", Select).value = "classifier"
        await pilot.pause()
        app.query_one("#train-corpus", Select).value = "file"
        app.query_one("#train-file", Input).value = str(SAMPLES / "nsmc_sample.tsv")
        app.query_one("#train-name", Input).value = "nsmc-classifier"
        app.query_one("#train-start", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                       and bool(app.screen.query("#confirm-question")))
        assert "shipped" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("escape")  # no: nothing starts
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.query_one("#train-cancel", Button).disabled
        assert not (paths.models_dir() / "nsmc-classifier").exists()


def test_3_the_cli_refuses_a_shipped_name_without_force(capsys) -> None:
    from hangul_rnn.cli import main

    code = main(["train", "classifier", "--corpus", f"tsv:{SAMPLES / 'nsmc_sample.tsv'}", "--name",
                 "nsmc-classifier", "--epochs", "1"])
    assert code == 2
    assert "--force" in capsys.readouterr().err
    assert not (paths.models_dir() / "nsmc-classifier").exists()


def test_3_the_library_check() -> None:
    from hangul_rnn.errors import UsageError
    from hangul_rnn.shadowing import check_not_shadowing, shadows_shipped

    assert shadows_shipped("annals-syllable") and not shadows_shipped("my-model")
    check_not_shadowing("my-model")
    check_not_shadowing("annals-syllable", force=True)
    with pytest.raises(UsageError, match="shipped"):
        check_not_shadowing("annals-syllable")


# ------------------------------------------------------------------------------- 4. a generator on a .tsv file


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.txt"
    path.write_text((SAMPLES / "annals_sample.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return path


async def test_4_a_generator_on_a_tsv_file_reads_its_text_column() -> None:
    from hangul_rnn.preparation import load_corpus
    from hangul_rnn_tui.train_pane import TrainPane

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#train-corpus", Select).value = "file"
        app.query_one("#train-file", Input).value = str(SAMPLES / "nsmc_sample.tsv")
        await pilot.pause()
        config, _ = app.query_one(TrainPane).read_config()
    texts = list(load_corpus(config.corpus).texts())
    assert texts and not any("\t" in t for t in texts)
    assert not any(t.split()[0].isdigit() and len(t.split()[0]) > 5 for t in texts)  # no review ids
    # the CLI's spelling reads the same: text:FILE.tsv is the file's text column
    assert list(load_corpus(f"text:{SAMPLES / 'nsmc_sample.tsv'}").texts()) == texts


# ------------------------------------------------------------------------------------------------ 5. progress


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_5_overall_progress_validation_stage_and_a_full_bar_at_the_end(text_file: Path) -> None:
    from hangul_rnn.events import ValidationProgress
    from hangul_rnn_tui.train_pane import TrainPane

    app = HangulRNNApp()
    statuses: list[str] = []
    async with app.run_test(size=(100, 34)) as pilot:
        pane = app.query_one(TrainPane)
        seen = pane.on_train_event

        def spy(event) -> None:
            seen(event)
            if isinstance(event, ValidationProgress):
                statuses.append(text_of(app, "#train-status"))

        pane.on_train_event = spy  # type: ignore[method-assign]
        fill_train_form(app, corpus="file", file=str(text_file), level="syllable", units="8", epochs="2",
                        name="progress")
        app.query_one("#train-start", Button).press()
        await wait_for(pilot, lambda: not app.query_one("#train-start", Button).disabled
                       and "saved" in text_of(app, "#train-status"), timeout=120)
        assert app.query_one("#train-progress", ProgressBar).percentage == pytest.approx(1.0)
        assert statuses and all("validating" in s for s in statuses)
        assert "overall" in text_of(app, "#train-overall")


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_5_a_cancel_stops_the_validation_pass_at_its_next_batch(text_file: Path) -> None:
    import threading

    from hangul_rnn.config import TrainConfig
    from hangul_rnn.events import TrainFinished, ValidationProgress
    from hangul_rnn.training import train

    cancel = threading.Event()
    seen: list = []

    def on_event(event) -> None:
        seen.append(event)
        if isinstance(event, ValidationProgress) and event.epoch == 0:
            cancel.set()

    config = TrainConfig(task="generator", corpus=f"text:{text_file}", level="jamo", cell="gru", units=8,
                         embedding_dim=4, seq_len=10, batch_size=4, epochs=3, validation_fraction=0.5,
                         sample_chars=0, patience=0, stateful=False)
    train(config, name="cancel-in-validation", on_event=on_event, cancel=cancel)
    validation = [e for e in seen if isinstance(e, ValidationProgress)]
    assert validation[0].steps is None or validation[0].steps > 3  # a pass of several batches …
    assert len(validation) <= 2  # … left at the batch after the cancel
    assert isinstance(seen[-1], TrainFinished) and seen[-1].cancelled


# ------------------------------------------------------------------------------------------------------ 6. score


async def test_6_score_error_clears_the_result_and_bars_follow_the_sentiment() -> None:
    from hangul_rnn_tui.score_pane import ScorePane

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        app.query_one("#score-input", Input).value = SENTENCE_NEGATIVE
        await wait_for(pilot, lambda: "%" in text_of(app, "#score-result"))
        result = app.query_one("#score-result", Static).render()
        negative_line = next(line for line in result.split("\n") if "negative" in line.plain)
        from rich.color import Color

        error = Color.parse(app.get_css_variables()["error"]).get_truecolor()
        bars = [span.style for span in negative_line.spans if "█" in negative_line.plain[span.start:span.end]]
        assert bars and all(Color.parse(str(style)).get_truecolor() == error for style in bars), "negative is red"
        # a failure (no model ticked) leaves no stale result under the message
        app.query_one("#score-models").deselect_all()
        await wait_for(pilot, lambda: "tick a classifier" in text_of(app, "#score-error"))
        assert text_of(app, "#score-result") == ""
        # a long review scrolls instead of being cut off
        app.query_one("#score-models").select_all()
        pane = app.query_one(ScorePane)
        app.query_one("#score-input", Input).value = " ".join([SENTENCE_NEGATIVE] * 12)
        await wait_for(pilot, lambda: "%" in text_of(app, "#score-result") and pane.is_mounted)
        await pilot.pause(0.3)
        scroller = app.query_one("#score-scroll")
        assert scroller.max_scroll_y > 0
        scroller.scroll_end(animate=False)
        await pilot.pause()
        assert scroller.scroll_y > 0


# ------------------------------------------------------------------------------------------------ 7. copy/save


async def test_7_copy_and_save(tmp_path: Path) -> None:
    from hangul_rnn_tui.dialogs import SaveScreen
    from hangul_rnn_tui.generate_pane import GeneratePane

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        pane = app.query_one(GeneratePane)
        pane.copy()
        await pilot.pause()
        assert not any("copied" in n.message for n in app._notifications)  # nothing to copy: not "copied"
        app.query_one("#gen-max", Input).value = "20"
        app.query_one("#gen-seed", Input).value = "7"
        app.query_one("#gen-prompt", Input).value = "태조가"
        app.query_one("#gen-start", Button).press()
        await wait_for(pilot, lambda: app.query_one("#gen-stop", Button).disabled and len(pane.text) > 3)
        pane.save()
        await wait_for(pilot, lambda: isinstance(app.screen, SaveScreen) and bool(app.screen.query("#save-path")))
        target = tmp_path / "out" / "mine.txt"
        app.screen.query_one("#save-path", Input).value = str(target)
        app.screen.query_one("#save-ok", Button).press()
        await wait_for(pilot, target.is_file)
        saved = target.read_text(encoding="utf-8")
        for expected in ("model: annals-syllable", "prompt: 태조가", "temperature: 1.0", "seed: 7", pane.text):
            assert expected in saved


# ----------------------------------------------------------------------------------------------------- 8. layout


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_8_layout_at_80x24_and_60x20() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        footer = app.query_one(Footer)
        # the footer fills its keys once the screen's bindings are known: on a loaded machine, more than one pause
        await wait_for(pilot, lambda: bool(footer.query("FooterKey")))
        keys = list(footer.query("FooterKey"))
        assert keys and max(k.region.right for k in keys) <= 80  # every label whole on the line
        app.query_one("#train-name", Input).value = "bad name/with slash"
        start = app.query_one("#train-start", Button)
        before = start.region.y
        start.press()
        await pilot.pause()
        assert text_of(app, "#train-error") and start.region.y == before  # the error does not move the buttons
    app = HangulRNNApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert app.query_one("#train-chart").size.width >= 28
        await pilot.press("f2")
        await pilot.pause()
        field = app.query_one("#gen-max", Input)
        assert field.region.right <= 60 and field.region.width > 0 and field.region.bottom <= 20
    app = HangulRNNApp()
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.query_one("#train-log", RichLog)
        await pilot.press("f2")  # a run writes on while another tab is shown
        log.write("가나다 " * 40)
        await pilot.press("f1")
        await pilot.pause(0.2)
        assert max(strip.cell_length for strip in log.lines) >= log.scrollable_content_region.width - 4 >= 60


# ----------------------------------------------------------------------------------------------------- 9. defaults


async def test_9_the_shipped_models_are_the_defaults_and_picks_are_remembered(tmp_path: Path) -> None:
    import shutil

    from hangul_rnn.catalog import shipped_dir

    target = paths.models_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in ("annals-syllable", "nsmc-classifier"):  # installed under names that sort first
        shutil.copytree(shipped_dir() / name, target / f"aaa-{name}")
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert Path(str(app.query_one("#gen-model", Select).value)).name == "annals-syllable"
        await pilot.press("f3")
        ticked = [Path(str(v)).name for v in app.query_one("#score-models").selected]
        assert ticked == ["nsmc-classifier"]
        app.query_one("#gen-model", Select).value = str(target / "aaa-annals-syllable")
        app.query_one("#gen-temperature", Input).value = "0.7"
        await pilot.pause()
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert Path(str(app.query_one("#gen-model", Select).value)).name == "aaa-annals-syllable"
        assert app.query_one("#gen-temperature", Input).value == "0.7"
