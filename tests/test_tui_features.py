"""What issue 16 asked the TUI to offer beyond its defects: help, keys, remembered settings, the CLI's generate
options, actions on models, the user's own corpora. Shipped bundles and sample files only: offline and fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Select, SelectionList, Static, TabbedContent
from tui_pilot import text_of, wait_for  # noqa: E402

from hangul_rnn import paths
from hangul_rnn.errors import UsageError
from hangul_rnn_tui.app import HangulRNNApp

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"


@pytest.fixture
def my_classifier() -> Path:
    """The shipped classifier installed under a name of the user's (a copy: no training needed)."""
    from hangul_rnn.catalog import shipped_dir

    target = paths.models_dir() / "my-clf"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(shipped_dir() / "nsmc-classifier", target)
    return target


# ---------------------------------------------------------------------------------------------- help and keys


async def test_help_opens_with_question_mark_and_closes_with_escape_or_a_tab_key() -> None:
    from hangul_rnn_tui.dialogs import HelpScreen

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("f3")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert app.query_one("#tabs", TabbedContent).active == "score"
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Help" in titles


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_generate_keys_and_prompt_history() -> None:
    from hangul_rnn_tui.dialogs import SaveScreen
    from hangul_rnn_tui.generate_pane import GeneratePane

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        pane = app.query_one(GeneratePane)
        stop = app.query_one("#gen-stop", Button)
        app.query_one("#gen-max", Input).value = "3000"
        await pilot.press(*"태조가", "enter")  # the prompt has the focus
        await wait_for(pilot, lambda: len(pane.text) > 10)
        await pilot.press("escape")
        await wait_for(pilot, lambda: stop.disabled)
        first = pane.text
        app.query_one("#gen-max", Input).value = "10"
        app.query_one("#gen-prompt", Input).value = "임금이"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: stop.disabled and pane.text.startswith("임금이"))
        field = app.query_one("#gen-prompt", Input)
        field.focus()
        field.value = ""
        await pilot.press("up")
        assert field.value == "임금이"
        await pilot.press("up")
        assert field.value == "태조가"
        await pilot.press("down", "down")
        assert field.value == ""
        assert pane.text != first
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert any("clipboard" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SaveScreen))


async def test_train_keys_start_and_cancel(tmp_path: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#train-epochs", Input).value = "x"
        await wait_for(pilot, lambda: app.focused is app.query_one("#train-task"))  # the first frame focuses it
        await pilot.press("ctrl+r")  # Start: the form's error says why nothing started
        await pilot.pause()
        assert "epochs must be a whole number" in text_of(app, "#train-error")


# ------------------------------------------------------------------------------------------- generate options


async def test_generate_defaults_are_the_clis() -> None:
    from hangul_rnn.cli import build_parser
    from hangul_rnn_tui.generate_pane import GeneratePane

    args = build_parser().parse_args(["generate"])
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        pane = app.query_one(GeneratePane)
        run = pane._read_run()
        assert Path(str(app.query_one("#gen-model", Select).value)).name == args.model
        assert (pane.options.temperature, pane.options.top_k, pane.options.top_p) == (
            args.temperature, args.top_k, args.top_p)
        assert (run["max_tokens"], run["num_samples"], run["stop_at"]) == (
            args.max_tokens, args.num_samples, args.stop_at)
        assert args.seed is None and isinstance(run["seed"], int)  # drawn, so that a saved sample can be repeated
    from hangul_rnn.sampling import STOP_AT

    assert {v for v in build_parser()._subparsers._group_actions[0].choices["generate"]._option_string_actions[
        "--stop-at"].choices} == set(STOP_AT)


async def test_samples_seed_and_stop_at_are_the_libraries() -> None:
    from hangul_rnn.catalog import resolve_bundle_path
    from hangul_rnn.sampling import generate_batch
    from hangul_rnn_tui.generate_pane import GeneratePane

    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        pane = app.query_one(GeneratePane)
        app.query_one("#gen-samples", Input).value = "2"
        app.query_one("#gen-seed", Input).value = "5"
        app.query_one("#gen-max", Input).value = "40"
        app.query_one("#gen-stop-at", Select).value = "sentence"
        app.query_one("#gen-prompt", Input).value = "태조가"
        app.query_one("#gen-start", Button).press()
        await wait_for(pilot, lambda: app.query_one("#gen-stop", Button).disabled and pane.text.count("태조가") == 2)
    from hangul_rnn.bundle import load_bundle

    stream = generate_batch(load_bundle(resolve_bundle_path("annals-syllable")), "태조가", num_samples=2, seed=5,
                            max_tokens=40, stop_at="sentence")
    texts = ["", ""]
    for pieces in stream:
        for i, piece in enumerate(pieces):
            texts[i] += piece
    assert pane.text == f"태조가{texts[0]}\n\n태조가{texts[1]}"  # the CLI's function, the same text


# ------------------------------------------------------------------------------------------------ remembered


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_theme_and_train_form_are_remembered() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+t")
        theme = app.theme
        app.query_one("#train-task", Select).value = "classifier"
        await pilot.pause()
        app.query_one("#train-epochs", Input).value = "3"
        app.query_one("#train-name", Input).value = "bad name"
        app.query_one("#train-start", Button).press()  # a refused start remembers nothing
        await pilot.pause()
        app.query_one("#train-name", Input).value = "kept"
        pane = app.query_one("#train-pane")
        app.settings.set("train", pane._form_values())  # what a start does, without training
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == theme
        assert app.query_one("#train-task", Select).value == "classifier"
        assert app.query_one("#train-epochs", Input).value == "3"  # not replaced by the task's defaults
        assert app.query_one("#train-name", Input).value == "kept"
    assert (paths.config_dir() / "tui.json").is_file()


def test_a_damaged_settings_file_means_the_defaults() -> None:
    from hangul_rnn_tui.settings import Settings, settings_path

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("{not json", encoding="utf-8")
    settings = Settings()
    assert settings.data == {} and not settings.first_run
    for i in range(60):
        history = settings.remember_prompt(f"p{i}")
    assert len(history) == 50 and history[-1] == "p59"
    assert settings.remember_prompt("p30")[-1] == "p30" and settings.get("prompt_history").count("p30") == 1


# ---------------------------------------------------------------------------------------------------- models


def test_model_files_delete_and_rename_refuse_what_would_break(my_classifier: Path) -> None:
    from hangul_rnn.ensemble import save_ensemble
    from hangul_rnn.model_files import delete_model, rename_model

    with pytest.raises(UsageError, match="shipped model"):
        delete_model("nsmc-classifier")
    with pytest.raises(UsageError, match="shipped model"):
        rename_model("my-clf", "annals-syllable")
    with pytest.raises(UsageError, match="exists already"):
        (paths.models_dir() / "other").mkdir()
        rename_model("my-clf", "other")
    with pytest.raises(UsageError, match="bad model name"):
        rename_model("my-clf", "a/b")
    moved = rename_model("my-clf", "mine")
    assert moved.is_dir() and not my_classifier.exists()
    import json

    assert json.loads((moved / "config.json").read_text(encoding="utf-8"))["name"] == "mine"
    save_ensemble("both", ["mine", "nsmc-classifier"])
    with pytest.raises(UsageError, match="ensemble both"):
        delete_model("mine")
    delete_model("both")
    delete_model("mine")
    assert not moved.exists() and not any(p.name.startswith(".deleting") for p in paths.models_dir().iterdir())


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_models_tab_use_rename_delete_and_curves(my_classifier: Path) -> None:
    from hangul_rnn_tui.dialogs import AskScreen, ConfirmScreen
    from hangul_rnn_tui.loss_chart import LossChart

    app = HangulRNNApp()
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("f4")
        table = app.query_one("#models-table", DataTable)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert names[0] == "my-clf"  # installed first, then the shipped ones
        loss = app.query_one("#models-loss", LossChart)
        assert len(loss.train) == 3 and len(loss.val) == 3  # the shipped classifier's 3 epochs
        assert app.query_one("#models-accuracy", LossChart).display
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen) and bool(app.screen.query("#rename-value")))
        app.screen.query_one("#rename-value", Input).value = "nsmc-classifier"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "shipped model" in str(app.screen.query_one("#ask-error", Static).render()))
        app.screen.query_one("#rename-value", Input).value = "renamed-clf"
        await pilot.press("enter")
        await wait_for(pilot, lambda: (paths.models_dir() / "renamed-clf").is_dir())
        await wait_for(pilot, lambda: str(table.get_row_at(0)[0]) == "renamed-clf")
        table.focus()
        await pilot.press("g")  # use in Score
        await wait_for(pilot, lambda: app.query_one("#tabs", TabbedContent).active == "score")
        ticked = [Path(str(v)).name for v in app.query_one("#score-models", SelectionList).selected]
        assert ticked == ["renamed-clf"]
        await pilot.press("f4")
        table.focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not (paths.models_dir() / "renamed-clf").exists())
        await wait_for(pilot, lambda: "renamed-clf" not in [str(table.get_row_at(i)[0])
                                                             for i in range(table.row_count)])
        # the shipped ones: no rename, no delete
        assert app.query_one("#models-delete", Button).disabled
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)


# --------------------------------------------------------------------------------------------------- corpora


async def test_corpora_tab_reads_the_users_tsv_with_its_label_balance() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("f5")
        app.query_one("#corpus-name", Select).value = "file"
        app.query_one("#corpus-file", Input).value = str(SAMPLES / "nsmc_sample.tsv")
        app.query_one("#corpus-limit", Input).value = "0"
        app.query_one("#corpus-stats", Button).press()
        await wait_for(pilot, lambda: "95%" in text_of(app, "#corpus-info"), timeout=120)
        info = text_of(app, "#corpus-info")
        assert "nsmc_sample" in info and "all 200 documents" in info
        assert "labels (whole split): 0 " in info and "%" in info.split("labels")[1]
        app.query_one("#corpus-file", Input).value = str(SAMPLES / "missing.tsv")
        app.query_one("#corpus-stats", Button).press()
        await pilot.pause()
        assert "no such file" in text_of(app, "#corpus-info")
