"""The terminal UI driven through Textual's pilot: every tab, a real tiny training run, streaming, live scoring."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Button, Input, RichLog, Select, SelectionList, TabbedContent, TextArea  # noqa: E402
from tui_pilot import fill_train_form, text_of, wait_for  # noqa: E402

from hangul_rnn import paths  # noqa: E402
from hangul_rnn.config import TrainConfig  # noqa: E402
from hangul_rnn.training import train  # noqa: E402
from hangul_rnn_tui.app import HangulRNNApp  # noqa: E402
from hangul_rnn_tui.generate_pane import GeneratePane  # noqa: E402
from hangul_rnn_tui.loss_chart import LossChart  # noqa: E402
from hangul_rnn_tui.score_pane import ScorePane  # noqa: E402,F401
from hangul_rnn_tui.train_pane import TrainPane  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
SIZE = (100, 34)


@pytest.fixture(scope="module")
def text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Annals sample: just enough text for a batch of 100-token windows (the form's defaults)."""
    lines = (SAMPLES / "annals_sample.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path_factory.mktemp("tui-text") / "small.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_models(text_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny jamo generator and a tiny syllable classifier, trained once for the module."""
    root = tmp_path_factory.mktemp("tui-models")
    train(TrainConfig(task="generator", corpus=f"text:{text_file}", level="jamo", cell="gru", units=16,
                      embedding_dim=8, seq_len=20, batch_size=16, epochs=1, validation_fraction=0.1,
                      sample_chars=0, patience=0), name="tiny-gen", models_root=root)
    train(TrainConfig(task="classifier", corpus=f"tsv:{SAMPLES / 'nsmc_sample.tsv'}", level="syllable",
                      cell="gru", units=8, embedding_dim=8, max_len=30, batch_size=16, epochs=1,
                      validation_fraction=0.1, patience=0), name="tiny-clf", models_root=root)
    train(TrainConfig(task="classifier", corpus=f"tsv:{SAMPLES / 'nsmc_sample.tsv'}", level="word", stem=None,
                      cell="lstm", units=8, embedding_dim=8, max_len=20, batch_size=16, epochs=1,
                      validation_fraction=0.1, patience=0), name="tiny-clf-words", models_root=root)
    return root


@pytest.fixture
def installed(tiny_models: Path) -> Path:
    """The tiny models copied into this test's own hangul-rnn home."""
    target = paths.models_dir()
    target.mkdir(parents=True, exist_ok=True)
    for bundle in tiny_models.iterdir():
        shutil.copytree(bundle, target / bundle.name)
    return target


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_tabs_switch_with_keys_and_fit_80x24() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.active == "train"
        for key, tab in (("f2", "generate"), ("f3", "score"), ("f4", "models"), ("f5", "corpora"), ("f1", "train")):
            await pilot.press(key)
            assert tabs.active == tab
        theme = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != theme


async def test_palette_has_an_entry_for_each_action() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
    for title in ("Start training", "Cancel training", "Generate", "Stop generation", "Go to Score",
                  "Toggle light/dark"):
        assert title in titles


async def test_bad_form_input_shows_inline_messages(tmp_path: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#train-epochs", Input).value = "three"
        app.query_one("#train-start", Button).press()
        await pilot.pause()
        assert "epochs must be a whole number" in text_of(app, "#train-error")

        app.query_one("#train-epochs", Input).value = "1"
        app.query_one("#train-corpus", Select).value = "file"
        app.query_one("#train-file", Input).value = str(tmp_path / "missing.txt")
        app.query_one("#train-start", Button).press()
        await pilot.pause()
        assert "no such file" in text_of(app, "#train-error")

        await pilot.press("f2")
        app.query_one("#gen-temperature", Input).value = "-1"
        await pilot.pause()
        assert "temperature must be in" in text_of(app, "#gen-error")
        app.query_one("#gen-start", Button).press()
        await pilot.pause()
        assert text_of(app, "#gen-error")  # no model / bad temperature: said inline, no crash


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_train_a_tiny_model_shows_chart_and_lists_the_bundle(text_file: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        fill_train_form(app, corpus="file", file=str(text_file), level="syllable", units="8", epochs="2",
                        name="from-tui")
        app.query_one("#train-start", Button).press()
        await wait_for(pilot, lambda: not app.query_one("#train-start", Button).disabled
                       and "saved" in text_of(app, "#train-status"), timeout=120)
        chart = app.query_one(LossChart)
        assert chart.train and chart.val  # both series were drawn live
        assert (paths.models_dir() / "from-tui" / "config.json").is_file()
        # the pickers are refreshed by the Finished message, handled just after the run ends
        await wait_for(pilot, lambda: any(str(value).endswith("from-tui")
                                          for _, value in app.query_one("#gen-model", Select)._options))


async def test_cancel_while_the_data_are_prepared(text_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancel during a (held) download stage: the run ends there, says so, saves nothing and shows no error."""
    import threading

    from hangul_rnn import preparation

    gate = threading.Event()

    def held_download(corpus, split, report) -> None:
        report("downloading the corpus (bytes)", 0, 1000)
        gate.wait(30)
        report("downloading the corpus (bytes)", 1000, 1000)  # the first report after the cancel stops the run

    monkeypatch.setattr(preparation, "_fetch_corpus", held_download)
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#train-corpus", Select).value = "file"
        app.query_one("#train-file", Input).value = str(text_file)
        app.query_one("#train-name", Input).value = "cancelled-early"
        app.query_one("#train-start", Button).press()
        await wait_for(pilot, lambda: "downloading" in text_of(app, "#train-status"))
        app.query_one("#train-cancel", Button).press()
        gate.set()
        await wait_for(pilot, lambda: not app.query_one("#train-start", Button).disabled)
        log = "\n".join(line.text for line in app.query_one("#train-log", RichLog).lines)
        assert "nothing saved" in log and text_of(app, "#train-error") == ""
        assert not (paths.models_dir() / "cancelled-early").exists()


@pytest.mark.slow  # a subprocess or a real training run: in CI's bounded slow subset
@pytest.mark.ci
async def test_cancel_a_run_keeps_nothing_half_written(text_file: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        fill_train_form(app, corpus="file", file=str(text_file), units="8", epochs="50", name="to-cancel")
        app.query_one("#train-start", Button).press()
        await wait_for(pilot, lambda: bool(app.query_one(LossChart).train), timeout=120)
        app.query_one("#train-cancel", Button).press()
        await wait_for(pilot, lambda: not app.query_one("#train-start", Button).disabled, timeout=120)
        folder = paths.models_dir() / "to-cancel"
        if folder.exists():  # an epoch finished before the cancel: that checkpoint is complete
            assert (folder / "model.keras").is_file() and (folder / "config.json").is_file()
        assert not any(p.name.startswith(".") for p in paths.models_dir().glob("*")) if paths.models_dir().exists() \
            else True


async def test_stream_and_change_temperature_mid_stream(installed: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        pane = app.query_one(GeneratePane)
        assert str(app.query_one("#gen-model", Select).value).endswith("annals-syllable")  # the CLI's default
        app.query_one("#gen-model", Select).value = str(installed / "tiny-gen")
        app.query_one("#gen-max", Input).value = "4000"
        app.query_one("#gen-prompt", Input).value = "임금이"
        app.query_one("#gen-start", Button).press()
        await wait_for(pilot, lambda: len(pane.text) > 10)
        app.query_one("#gen-temperature", Input).value = "0.2"
        await pilot.pause()
        assert pane.options.temperature == pytest.approx(0.2)  # the streaming worker reads this object
        await wait_for(pilot, lambda: "temp 0.2" in text_of(app, "#gen-stats"))
        app.query_one("#gen-stop", Button).press()
        await wait_for(pilot, lambda: app.query_one("#gen-stop", Button).disabled)
        output = app.query_one("#gen-output", TextArea).text
        assert output.startswith("임금이")
        assert not any("\u1100" <= ch <= "\u11ff" for ch in output)  # composed text only


async def test_live_score_updates_as_you_type(installed: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        models = app.query_one("#score-models", SelectionList)
        assert [str(m) for m in models.selected][0].endswith("nsmc-classifier")  # the CLI's default
        models.deselect_all()
        models.select(str(installed / "tiny-clf"))
        app.query_one("#score-input", Input).focus()
        await pilot.press(*"재미있을 줄")
        await wait_for(pilot, lambda: "%" in text_of(app, "#score-result"))
        first = text_of(app, "#score-words")
        await pilot.press(*" 알았는데 완전 실망했다")
        await wait_for(pilot, lambda: "실망했다" in text_of(app, "#score-words"))
        assert text_of(app, "#score-words") != first
        app.query_one("#score-input", Input).value = ""
        await wait_for(pilot, lambda: text_of(app, "#score-result") == "")


async def test_ticking_several_classifiers_scores_their_ensemble(installed: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        models = app.query_one("#score-models", SelectionList)
        values = [str(models.get_option_at_index(i).value) for i in range(models.option_count)]
        by_name = {Path(v).name: v for v in values}
        assert {"tiny-clf", "tiny-clf-words", "nsmc-classifier"} <= set(by_name)
        models.deselect_all()
        models.select(by_name["tiny-clf"])
        app.query_one("#score-input", Input).value = "재미있을 줄 알았는데 완전 실망했다"
        await wait_for(pilot, lambda: "%" in text_of(app, "#score-result"))
        assert "average of" not in text_of(app, "#score-result")
        single = text_of(app, "#score-result")
        models.select(by_name["tiny-clf-words"])
        await wait_for(pilot, lambda: "average of 2 models" in text_of(app, "#score-result"))
        assert text_of(app, "#score-result") != single
        models.select(by_name["nsmc-classifier"])  # labelled negative/positive, the tiny ones 0/1
        await wait_for(pilot, lambda: "different labels" in text_of(app, "#score-error"))
        assert "\n" not in text_of(app, "#score-error")
        models.deselect_all()
        await wait_for(pilot, lambda: "tick a classifier model" in text_of(app, "#score-error"))


async def test_a_saved_ensemble_is_scored_by_its_name(installed: Path) -> None:
    from hangul_rnn.ensemble import save_ensemble

    save_ensemble("tiny-both", ["tiny-clf", "tiny-clf-words"])
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        models = app.query_one("#score-models", SelectionList)
        values = [str(models.get_option_at_index(i).value) for i in range(models.option_count)]
        models.deselect_all()
        models.select(next(v for v in values if v.endswith("tiny-both")))
        app.query_one("#score-input", Input).value = "재미있을 줄 알았는데 완전 실망했다"
        await wait_for(pilot, lambda: "average of 2 models" in text_of(app, "#score-result"))
        assert text_of(app, "#score-error") == ""


async def test_models_and_corpora_tabs(installed: Path, sample_corpora: Path) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        table = app.query_one("#models-table")
        names = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert {"tiny-gen", "tiny-clf"} <= names
        await pilot.press("f5")
        app.query_one("#corpus-name", Select).value = "nsmc"
        app.query_one("#corpus-stats", Button).press()
        await wait_for(pilot, lambda: "95%" in text_of(app, "#corpus-info"), timeout=120)
        assert "◀ 95%" in text_of(app, "#corpus-histogram")


async def _models_row(app, pilot, name: str) -> None:
    """Focus the Models table and move its cursor to ``name``'s row, as a person does with the arrow keys."""
    from textual.widgets import DataTable

    await pilot.press("f4")
    table = app.query_one("#models-table", DataTable)
    table.focus()
    names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
    for _ in range(names.index(name)):
        await pilot.press("down")
    await pilot.pause()


async def test_evaluate_from_the_models_tab(installed: Path) -> None:
    """'e' scores the highlighted model as `hangul-rnn evaluate` does: a classifier of a file without a test split
    on its validation hold-out (not kept as a test figure), a generator on its held-out tail in both bits."""
    import json

    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.evaluation import evaluate

    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await _models_row(app, pilot, "tiny-clf")
        await pilot.press("e")
        await wait_for(pilot, lambda: "accuracy" in text_of(app, "#models-eval"), timeout=60)
        said = text_of(app, "#models-eval")
        expected = evaluate(load_bundle("tiny-clf"), split="validation")
        assert "tiny-clf on nsmc_sample.tsv validation" in said
        assert f"{expected['accuracy']:.2%} of {expected['examples']:,} examples" in said
        assert "test_accuracy" not in json.loads((installed / "tiny-clf" / "metrics.json").read_text())
        assert str(app.query_one("#models-evaluate", Button).label) == "Evaluate (e)"
        await _models_row(app, pilot, "tiny-gen")
        await pilot.press("e")
        await wait_for(pilot, lambda: "bits/cleaned char" in text_of(app, "#models-eval"), timeout=60)
        expected = evaluate(load_bundle("tiny-gen"))
        assert f"{expected['bits_per_char']:.3f} bits/cleaned char" in text_of(app, "#models-eval")
        assert "bits/raw char" in text_of(app, "#models-eval")


@pytest.mark.slow  # a whole app session: in CI's bounded slow subset
@pytest.mark.ci
async def test_an_evaluation_stops_when_asked_again(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from hangul_rnn import evaluation

    def endless(model, *, split, progress, **_):
        for done in range(10**9):
            progress(done, 10**9)  # raises once the user has asked to stop
            time.sleep(0.01)

    monkeypatch.setattr(evaluation, "evaluate_model", endless)
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await _models_row(app, pilot, "tiny-clf")
        await pilot.press("e")
        await wait_for(pilot, lambda: str(app.query_one("#models-evaluate", Button).label) == "Stop (e)")
        assert app.query_one("#models-eval-progress").display
        await pilot.press("e")
        await wait_for(pilot, lambda: "stopped evaluating tiny-clf" in text_of(app, "#models-eval"))
        assert str(app.query_one("#models-evaluate", Button).label) == "Evaluate (e)"
        assert not app.query_one("#models-eval-progress").display


async def test_train_form_untouched_builds_the_cli_default_config() -> None:
    """One source of defaults: the Train form as it opens, per task, is `hangul-rnn train TASK` with no options."""
    from hangul_rnn.cli import build_parser
    from hangul_rnn.commands.train import config_from_args

    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TrainPane)
        for task in ("generator", "classifier"):
            app.query_one("#train-task", Select).value = task
            await pilot.pause()
            form_config, _ = pane.read_config()
            cli_config = config_from_args(build_parser().parse_args(["train", task]))
            assert form_config == cli_config, task


async def test_train_form_starts_a_classifier_from_a_generator() -> None:
    """The "from" field: the classifier takes the generator's level and network, so the form leaves them to it."""
    from hangul_rnn_tui.forms import FormError

    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TrainPane)
        app.query_one("#train-init", Input).value = "some-generator"
        with pytest.raises(FormError, match="applies to classifiers"):
            pane.read_config()  # the form opens on the generator task
        app.query_one("#train-task", Select).value = "classifier"
        await pilot.pause()
        config, _ = pane.read_config()
        assert config.init_from == "some-generator" and config.freeze_epochs == 0  # the CLI's default
        assert config.level == "word"  # the classifier default: train() replaces it with the generator's


def test_event_relay_merges_batch_floods_and_keeps_the_last_before_an_epoch_ends() -> None:
    from hangul_rnn.events import BatchEnded, EpochEnded
    from hangul_rnn_tui.train_pane import EventRelay

    posted: list = []
    relay = EventRelay(posted.append, interval=3600)  # every batch after the first falls inside the interval
    batches = [BatchEnded(0, step, 5, 1.0 / step, 100.0) for step in range(1, 6)]
    for event in batches:
        relay(event)
    assert posted == [batches[0]]  # the rest are held, merged into the latest
    end = EpochEnded(0, {"loss": 0.2}, 1.0)
    relay(end)
    assert posted == [batches[0], batches[-1], end]  # the last step is shown before the epoch's line
    every = EventRelay(posted.append, interval=0)
    posted.clear()
    for event in batches:
        every(event)
    assert posted == batches
