"""The Train form's classifier rows (pooling, length buckets, the fine-tuning schedule of "from"), driven by keys as
a person does: each gives the TrainConfig the CLI's options give, and a bad value is said under the buttons."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, Input, Select
from tui_pilot import text_of, wait_for

from hangul_rnn import paths
from hangul_rnn.bundle import load_bundle
from hangul_rnn.config import TrainConfig, default_config, train_config_from_bundle
from hangul_rnn.training import train
from hangul_rnn_tui.app import HangulRNNApp
from hangul_rnn_tui.forms import FormError
from hangul_rnn_tui.train_pane import TrainPane

SIZE = (100, 34)
SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
TRANSFER = ("#train-freeze", "#train-unfreeze", "#train-lr-decay")


async def type_into(pilot, selector: str, text: str) -> None:
    """Focus the field, select its text and type over it; "" empties it."""
    pilot.app.query_one(selector, Input).focus()
    await pilot.pause()
    await pilot.press("ctrl+shift+a", *(text or ["backspace"]))
    await pilot.pause()


async def pick(pilot, selector: str, downs: int) -> None:
    """Focus a picker, open it, move ``downs`` options down from the one shown and take it."""
    pilot.app.query_one(selector, Select).focus()
    await pilot.pause()
    await pilot.press("enter", *["down"] * downs, "enter")
    await pilot.pause()


async def tick(pilot, selector: str) -> None:
    """Focus a checkbox and toggle it with the space bar."""
    pilot.app.query_one(selector, Checkbox).focus()
    await pilot.pause()
    await pilot.press("space")
    await pilot.pause()


async def classifier_form(pilot) -> TrainPane:
    await pick(pilot, "#train-task", 1)  # generator -> classifier
    assert pilot.app.query_one("#train-task", Select).value == "classifier"
    return pilot.app.query_one(TrainPane)


def cli_config(*options: str):
    from hangul_rnn.cli import build_parser
    from hangul_rnn.commands.train import config_from_args

    return config_from_args(build_parser().parse_args(["train", "classifier", *options]))


async def test_the_rows_show_for_classifiers_and_fine_tuning_waits_for_a_generator() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.query_one("#train-classifier").display  # a generator has none of these options
        await classifier_form(pilot)
        assert app.query_one("#train-classifier").display
        assert all(app.query_one(wid).disabled for wid in TRANSFER)
        assert not app.query_one("#train-pooling").disabled and not app.query_one("#train-bucket").disabled
        await type_into(pilot, "#train-init", "gen")
        assert not any(app.query_one(wid).disabled for wid in TRANSFER)
        await type_into(pilot, "#train-init", "")  # emptied: the rows have nothing to act on again
        await pilot.pause()
        assert app.query_one("#train-init", Input).value == ""
        assert all(app.query_one(wid).disabled for wid in TRANSFER)


async def test_pooling_buckets_vectors_and_teacher_give_the_clis_config() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = await classifier_form(pilot)
        await pick(pilot, "#train-pooling", 1)  # last token -> max over time
        await tick(pilot, "#train-bucket")
        await type_into(pilot, "#train-embeddings", "vectors.vec.gz")
        config, _ = pane.read_config()
        assert config == cli_config("--pooling", "max", "--bucket", "--embeddings", "vectors.vec.gz")
        await type_into(pilot, "#train-embeddings", "")
        config, _ = pane.read_config()
        assert config.embeddings is None
        await type_into(pilot, "#train-soft-labels", "teacher.tsv.gz")
        config, _ = pane.read_config()
        assert config == cli_config("--pooling", "max", "--bucket", "--soft-labels", "teacher.tsv.gz")


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_ulmfits_recipe_from_the_form() -> None:
    """from + freeze 1 then gradual + lr decay 2.6 + concat pooling + buckets: the config has every one."""
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = await classifier_form(pilot)
        await type_into(pilot, "#train-init", "my-generator")
        await type_into(pilot, "#train-freeze", "1")
        await pick(pilot, "#train-unfreeze", 1)  # then all -> then gradual
        await type_into(pilot, "#train-lr-decay", "2.6")
        await pick(pilot, "#train-pooling", 3)  # -> concat (ULMFiT)
        await tick(pilot, "#train-bucket")
        config, _ = pane.read_config()
        # the CLI would load the generator here; the form leaves that to train(), as it does for "from" alone
        expected = replace(default_config("classifier"), init_from="my-generator", freeze_epochs=1,
                           unfreeze="gradual", lr_decay_per_layer=2.6, pooling="concat", bucket=True)
        assert config == expected


async def test_disabled_fine_tuning_rows_are_not_read() -> None:
    """Values left in the rows while "from" is empty do not reach the config (they are greyed out)."""
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = await classifier_form(pilot)
        await type_into(pilot, "#train-init", "g")
        await type_into(pilot, "#train-freeze", "3")
        await type_into(pilot, "#train-init", "")
        config, _ = pane.read_config()
        assert config == cli_config()  # freeze_epochs 0: the default, not the greyed-out 3


IN_CI_ONLY = [pytest.mark.slow, pytest.mark.ci]


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("#train-lr-decay", "0.5", "--lr-decay-per-layer must be a number in [1, 100]"),
    # each case is a whole app session (~4 s on 2 cores): one runs by default, the others in CI's slow subset
    pytest.param("#train-lr-decay", "fast", "decay must be a number, not 'fast'", marks=IN_CI_ONLY),
    pytest.param("#train-freeze", "two", "freeze epochs must be a whole number", marks=IN_CI_ONLY),
])
async def test_a_bad_fine_tuning_value_is_said_under_the_buttons(field: str, typed: str, message: str) -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = await classifier_form(pilot)
        await type_into(pilot, "#train-init", "my-generator")
        await type_into(pilot, field, typed)
        with pytest.raises(FormError):
            pane.read_config()
        app.query_one("#train-start", Button).press()
        await pilot.pause()
        assert message in text_of(app, "#train-error")
        assert not app.query_one("#train-start", Button).disabled  # nothing started


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_the_rows_are_remembered() -> None:
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = await classifier_form(pilot)
        await type_into(pilot, "#train-init", "my-generator")
        await pick(pilot, "#train-unfreeze", 1)
        await tick(pilot, "#train-bucket")
        app.settings.set("train", pane._form_values())  # what a start does, without training
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one("#train-classifier").display
        assert app.query_one("#train-bucket", Checkbox).value is True
        assert app.query_one("#train-unfreeze", Select).value == "gradual"
        assert not app.query_one("#train-unfreeze").disabled  # "from" came back, and with it the rows


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
async def test_a_run_from_the_form_fine_tunes_a_generator_into_a_classifier(tmp_path: Path) -> None:
    """The whole way: a tiny generator installed, ULMFiT's rows set in the form, Start; the saved classifier says
    where it started and keeps the schedule it was trained with."""
    sample = SAMPLES / "nsmc_sample.tsv"
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("\n".join(line.split("\t")[1] for line in sample.read_text(encoding="utf-8").splitlines()[1:])
                       + "\n", encoding="utf-8")
    train(TrainConfig(task="generator", corpus=f"text:{reviews}", level="syllable", units=16, embedding_dim=8,
                      seq_len=20, batch_size=16, epochs=1, validation_fraction=0.1, sample_chars=0, patience=0),
          name="tiny-gen", models_root=paths.models_dir())
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        await classifier_form(pilot)
        app.query_one("#train-corpus", Select).value = "file"
        await type_into(pilot, "#train-file", str(sample))
        await type_into(pilot, "#train-epochs", "2")
        await type_into(pilot, "#train-name", "tui-finetuned")
        await type_into(pilot, "#train-init", "tiny-gen")
        await type_into(pilot, "#train-freeze", "1")
        await pick(pilot, "#train-unfreeze", 1)
        await type_into(pilot, "#train-lr-decay", "2")
        await pick(pilot, "#train-pooling", 3)
        app.query_one("#train-bucket", Checkbox).focus()
        await pilot.press("space", "ctrl+r")
        await wait_for(pilot, lambda: not app.query_one("#train-start", Button).disabled
                       and "saved" in text_of(app, "#train-status"), timeout=240)
    bundle = load_bundle(str(paths.models_dir() / "tui-finetuned"))
    config = train_config_from_bundle(bundle)
    assert bundle.config["init_from"]["name"] == "tiny-gen"
    assert (config.level, config.units, config.embedding_dim) == ("syllable", 16, 8)  # the generator's
    assert (config.freeze_epochs, config.unfreeze, config.lr_decay_per_layer, config.pooling, config.bucket) == (
        1, "gradual", 2.0, "concat", True)


async def test_the_run_log_says_what_the_vectors_and_the_teacher_brought() -> None:
    """The Train tab logs the same lines the CLI prints when --embeddings and --soft-labels load, brackets and all."""
    from textual.widgets import RichLog

    from hangul_rnn.events import EmbeddingsLoaded, SoftLabelsLoaded

    vectors = EmbeddingsLoaded(Path("/data/vec [v2].vec.gz"), 128, 900, 100, ("ㅋㅋ", "ㅠㅠ"), frozen=False)
    soft = SoftLabelsLoaded(Path("/data/teacher.tsv.gz"), 493_495, 25)
    app = HangulRNNApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TrainPane)
        pane.on_train_event(vectors)
        pane.on_train_event(soft)
        await pilot.pause()
        log = "\n".join(line.text for line in app.query_one("#train-log", RichLog).lines)
    said = " ".join(log.split())  # the log wraps at its width
    assert " ".join(vectors.line().split()) in said and " ".join(soft.line().split()) in said
    assert "900 of 1,000 tokens start from vec [v2].vec.gz" in said and "493,495 texts" in said
