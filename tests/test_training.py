"""Training: a tiny generator and classifier learn, events come in order, resume, cancel, strategies, evaluate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hangul_rnn.bundle import load_bundle
from hangul_rnn.config import TrainConfig
from hangul_rnn.errors import UsageError
from hangul_rnn.evaluation import evaluate
from hangul_rnn.events import (
    BatchEnded,
    CheckpointSaved,
    DataProgress,
    EpochEnded,
    SampleWritten,
    TrainFinished,
    TrainStarted,
    ValidationProgress,
)
from hangul_rnn.preparation import split_tail
from hangul_rnn.training import train

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "corpora" / "samples"


@pytest.fixture(scope="module")
def text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 20 KB of the Annals sample (a few hundred lines at most)."""
    lines = (SAMPLES / "annals_sample.txt").read_text(encoding="utf-8").splitlines()[:50]
    path = tmp_path_factory.mktemp("text") / "small.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gen_config(text_file: Path, **kw) -> TrainConfig:
    base = dict(task="generator", corpus=f"text:{text_file}", level="syllable", cell="gru", units=16,
                embedding_dim=8, seq_len=20, batch_size=16, epochs=2, learning_rate=1e-2, validation_fraction=0.1,
                sample_chars=10, patience=0)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def trained(text_file: Path, tmp_path_factory: pytest.TempPathFactory):
    """One tiny generator trained for 2 epochs, with every event it emitted."""
    root = tmp_path_factory.mktemp("models")
    events: list = []
    bundle = train(gen_config(text_file), name="gen", on_event=events.append, models_root=root)
    return bundle, events, root


def test_generator_loss_falls_and_bundle_saved(trained) -> None:
    bundle, _, root = trained
    assert bundle.path == root / "gen"
    losses = bundle.history["loss"]
    assert len(losses) == 2 and losses[1] < losses[0]
    m = bundle.metrics
    assert m["epochs_done"] == 2
    for key in ("val_loss", "perplexity", "bits_per_token", "bits_per_char"):
        assert m[key] > 0
    assert m["bits_per_char"] == pytest.approx(m["bits_per_token"] * m["tokens_per_char"])
    loaded = load_bundle(bundle.path)
    assert loaded.history == bundle.history and loaded.config["hyperparameters"]["units"] == 16
    assert loaded.config["tokenizer"]["level"] == "syllable"


def test_events_in_order(trained) -> None:
    _, events, root = trained
    prep = [e for e in events if isinstance(e, DataProgress)]
    assert [p.stage for p in prep][0] == "reading the corpus"
    assert any(p.stage == "fitting the tokenizer" and p.total and p.done == p.total for p in prep)
    events = events[len(prep):]  # data preparation comes first, then training
    assert not any(isinstance(e, DataProgress) for e in events)
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "TrainStarted" and kinds[-1] == "TrainFinished"
    # collapse runs of batch events: started, (batches, validation batches, epoch, sample, checkpoint) x 2, finished
    runs = ("BatchEnded", "ValidationProgress")
    collapsed = [k for i, k in enumerate(kinds) if k not in runs or kinds[i - 1] != k]
    per_epoch = ["BatchEnded", "ValidationProgress", "EpochEnded", "SampleWritten", "CheckpointSaved"]
    assert collapsed == ["TrainStarted", *per_epoch, *per_epoch, "TrainFinished"]
    started: TrainStarted = events[0]
    batches = [e for e in events if isinstance(e, BatchEnded)]
    assert started.vocab_size > 10 and started.params > 0
    assert [b.step for b in batches if b.epoch == 0] == list(range(1, started.steps_per_epoch + 1))
    assert all(b.tokens_per_s > 0 for b in batches)
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [0, 1]
    validation = [(e.epoch, e.step, e.steps) for e in events if isinstance(e, ValidationProgress)]
    val_steps = validation[0][2]  # known from the first pass on (the validation set's batches)
    every = [(epoch, step, val_steps) for epoch in (0, 1) for step in range(1, (val_steps or 0) + 1)]
    assert val_steps and validation == every
    assert all("val_loss" in e.logs for e in events if isinstance(e, EpochEnded))
    samples = [e for e in events if isinstance(e, SampleWritten)]
    assert all(s.error is None and s.text for s in samples), samples
    assert all(e.path == root / "gen" for e in events if isinstance(e, CheckpointSaved))
    finished: TrainFinished = events[-1]
    assert (finished.epochs_done, finished.cancelled, finished.stopped_early) == (2, False, False)


def test_evaluate_generator(trained) -> None:
    bundle, _, _ = trained
    seen: list[tuple[int, int]] = []
    result = evaluate(bundle, progress=lambda done, total: seen.append((done, total)))
    assert seen and {t for _, t in seen} == {result["tokens"]}  # tokens: the predictions scored
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == result["tokens"]
    assert result["split"] == "validation tail"
    # read with the state carried across windows, not window by window as in training: close, not equal
    assert result["loss"] == pytest.approx(bundle.metrics["val_loss"], rel=0.05)
    assert result["bits_per_char"] > 0


def test_resume_continues(trained, text_file: Path, tmp_path: Path) -> None:
    bundle, _, root = trained
    shutil.copytree(root / "gen", tmp_path / "gen")
    events: list = []
    # architecture options given here are ignored: the saved network is continued
    resumed = train(gen_config(text_file, epochs=1, units=99), name="gen", resume=True, on_event=events.append,
                    models_root=tmp_path)
    started = next(e for e in events if isinstance(e, TrainStarted))
    assert started.initial_epoch == 2
    assert resumed.metrics["epochs_done"] == 3
    assert resumed.history["loss"][:2] == bundle.history["loss"] and len(resumed.history["loss"]) == 3
    assert resumed.config["hyperparameters"]["units"] == 16
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [2]
    assert load_bundle(tmp_path / "gen").metrics["epochs_done"] == 3


def test_resume_keeps_optimizer_state_but_takes_the_new_learning_rate(trained, text_file: Path,
                                                                      tmp_path: Path) -> None:
    _, _, root = trained
    shutil.copytree(root / "gen", tmp_path / "gen")
    before = load_bundle(tmp_path / "gen").model.optimizer
    steps_before = int(before.iterations.numpy())
    assert steps_before > 0
    events: list = []
    resumed = train(gen_config(text_file, epochs=1, learning_rate=5e-3), name="gen", resume=True,
                    on_event=events.append, models_root=tmp_path)
    started = next(e for e in events if isinstance(e, TrainStarted))
    after = resumed.model.optimizer
    assert int(after.iterations.numpy()) == steps_before + started.steps_per_epoch
    assert float(after.learning_rate.numpy()) == pytest.approx(5e-3)


def test_a_lost_worker_stops_the_run_with_one_line_and_keeps_the_checkpoint(trained, text_file: Path,
                                                                             tmp_path: Path, monkeypatch) -> None:
    """What a worker sees when another worker of a multiworker run is stopped: the all-reduce aborts."""
    import keras
    import tensorflow as tf

    from hangul_rnn.errors import HangulRNNError

    _, _, root = trained
    shutil.copytree(root / "gen", tmp_path / "gen")
    before = (tmp_path / "gen" / "model.keras").read_bytes()

    def lost_peer(self, *args, **kwargs):
        raise tf.errors.UnavailableError(None, None, "Collective ops is aborted by: peer worker 1 is down\nmore")

    monkeypatch.setattr(keras.Model, "fit", lost_peer)
    events: list = []
    with pytest.raises(HangulRNNError) as info:
        train(gen_config(text_file, epochs=1), name="gen", resume=True, on_event=events.append, models_root=tmp_path)
    message = str(info.value)
    assert "\n" not in message and "peer worker 1 is down" in message
    assert "epoch 2 is kept" in message and "--resume" in message
    assert isinstance(events[-1], TrainFinished) and events[-1].cancelled
    assert (tmp_path / "gen" / "model.keras").read_bytes() == before

    def plain_bug(self, *args, **kwargs):
        raise ValueError("a real bug")

    monkeypatch.setattr(keras.Model, "fit", plain_bug)
    with pytest.raises(ValueError, match="a real bug"):  # other errors are not dressed up as a lost worker
        train(gen_config(text_file, epochs=1), name="gen", resume=True, models_root=tmp_path)


def test_carry_optimizer_state_copies_moments_and_skips_mismatches(trained) -> None:
    import keras
    import numpy as np

    from hangul_rnn.config import train_config_from_bundle
    from hangul_rnn.training import _carry_optimizer_state, build_model

    bundle, _, root = trained
    old = load_bundle(root / "gen").model
    cfg = train_config_from_bundle(load_bundle(root / "gen"))
    fresh = build_model(cfg, bundle.tokenizer.vocab_size)
    assert _carry_optimizer_state(old, fresh)
    moments = [(o, n) for o, n in zip(old.optimizer.variables, fresh.optimizer.variables) if n.name != "learning_rate"]
    assert all(np.array_equal(np.asarray(o.value), np.asarray(n.value)) for o, n in moments)
    # A slim copy (no optimizer) or another architecture: nothing copied, the optimizer starts afresh.
    uncompiled = keras.Model.from_config(old.get_config())
    assert not _carry_optimizer_state(uncompiled, build_model(cfg, bundle.tokenizer.vocab_size))
    wider = build_model(TrainConfig(**{**cfg.to_dict(), "units": 24}), bundle.tokenizer.vocab_size)
    assert not _carry_optimizer_state(old, wider)


def test_cancel_keeps_last_epoch(trained, text_file: Path, tmp_path: Path) -> None:
    _, _, root = trained
    shutil.copytree(root / "gen", tmp_path / "gen")
    before = {p.name: p.read_bytes() for p in (tmp_path / "gen").iterdir()}
    cancel = threading.Event()
    events: list = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, BatchEnded):
            cancel.set()

    result = train(gen_config(text_file, epochs=2), name="gen", resume=True, on_event=on_event, cancel=cancel,
                   models_root=tmp_path)
    assert sum(isinstance(e, BatchEnded) for e in events) == 1
    assert not any(isinstance(e, (EpochEnded, CheckpointSaved)) for e in events)
    assert isinstance(events[-1], TrainFinished) and events[-1].cancelled and events[-1].epochs_done == 2
    assert result.path == tmp_path / "gen" and result.metrics["epochs_done"] == 2
    after = {p.name: p.read_bytes() for p in (tmp_path / "gen").iterdir()}
    assert after == before  # untouched, byte for byte


def test_cancel_before_first_epoch_saves_nothing(text_file: Path, tmp_path: Path) -> None:
    cancel = threading.Event()
    events: list = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, TrainStarted):  # the data are ready, the model built: cancel before any batch
            cancel.set()

    result = train(gen_config(text_file), name="g", cancel=cancel, on_event=on_event, models_root=tmp_path)
    assert result.path is None and not (tmp_path / "g").exists()
    assert events[-1].cancelled and events[-1].bundle_path is None


def test_cancel_while_preparing_the_data_stops_there(tmp_path: Path) -> None:
    """A cancel during the data step (stemming 150K reviews takes a minute) is seen at its next progress report."""
    from hangul_rnn.errors import TrainingCancelled

    cancel = threading.Event()
    events: list = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, DataProgress) and event.stage == "reading the corpus":
            cancel.set()

    cfg = TrainConfig(task="classifier", corpus=f"tsv:{SAMPLES / 'nsmc_sample.tsv'}", level="syllable", units=4,
                      embedding_dim=4, max_len=10, batch_size=16, epochs=1, patience=0)
    with pytest.raises(TrainingCancelled, match="while preparing the data.*nothing was saved") as info:
        train(cfg, name="c", cancel=cancel, on_event=on_event, models_root=tmp_path)
    assert info.value.exit_code == 130
    assert [type(e).__name__ for e in events] == ["DataProgress", "TrainFinished"]
    assert events[-1].cancelled and events[-1].bundle_path is None
    assert not (tmp_path / "c").exists()


def test_cancel_while_preparing_a_resume_keeps_the_bundle(trained, text_file: Path, tmp_path: Path) -> None:
    _, _, root = trained
    shutil.copytree(root / "gen", tmp_path / "gen")
    before = {p.name: p.read_bytes() for p in (tmp_path / "gen").iterdir()}
    cancel = threading.Event()
    cancel.set()
    events: list = []
    result = train(gen_config(text_file, epochs=2), name="gen", resume=True, cancel=cancel, on_event=events.append,
                   models_root=tmp_path)
    assert result.path == tmp_path / "gen" and events == [TrainFinished(tmp_path / "gen", 2, False, True)]
    assert {p.name: p.read_bytes() for p in (tmp_path / "gen").iterdir()} == before


def test_existing_name_needs_resume_or_overwrite(trained, text_file: Path) -> None:
    _, _, root = trained
    with pytest.raises(UsageError, match="already exists"):
        train(gen_config(text_file), name="gen", models_root=root)
    with pytest.raises(UsageError, match="nothing to resume"):
        train(gen_config(text_file), name="nope", resume=True, models_root=root)


def test_classifier_trains_and_evaluates(tmp_path: Path) -> None:
    config = TrainConfig(task="classifier", corpus=f"tsv:{SAMPLES / 'nsmc_sample.tsv'}", level="syllable",
                         cell="lstm", units=16, embedding_dim=8, max_len=24, batch_size=32, epochs=2,
                         validation_fraction=0.2, patience=1, learning_rate=1e-2)
    events: list = []
    bundle = train(config, name="cls", on_event=events.append, models_root=tmp_path)
    assert bundle.task == "classifier" and bundle.metrics["epochs_done"] >= 1
    assert 0.0 <= bundle.metrics["val_accuracy"] <= 1.0
    assert bundle.config["num_classes"] == 2 and len(bundle.label_names) == 2
    assert not any(isinstance(e, SampleWritten) for e in events)
    result = evaluate(load_bundle(tmp_path / "cls"), split="train", limit=64)
    assert result["examples"] == 64 and 0.0 <= result["accuracy"] <= 1.0
    assert sum(map(sum, result["confusion"])) == 64
    with pytest.raises(UsageError, match="no split 'test'"):
        evaluate(bundle, split="test")


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_ensemble_averages_the_members_probabilities(trained, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from hangul_rnn.corpora import get_corpus
    from hangul_rnn.evaluation import evaluate_ensemble
    from hangul_rnn.scoring import probabilities

    corpus = f"tsv:{SAMPLES / 'nsmc_sample.tsv'}"
    members = []
    for level in ("syllable", "jamo"):
        config = TrainConfig(task="classifier", corpus=corpus, level=level, cell="gru", units=8, embedding_dim=8,
                             max_len=40, batch_size=32, epochs=1, validation_fraction=0.2, patience=0)
        members.append(load_bundle(train(config, name=level, models_root=tmp_path).path))
    result = evaluate_ensemble(members, split="train", limit=80)
    alone = [evaluate(m, split="train", limit=80) for m in members]
    assert [m["accuracy"] for m in result["members"]] == [a["accuracy"] for a in alone]
    assert [m["model"] for m in result["members"]] == ["syllable", "jamo"]
    assert result["examples"] == 80 and sum(map(sum, result["confusion"])) == 80
    import hangul_rnn.evaluation as evaluation_module

    monkeypatch.setattr(evaluation_module, "_EVAL_CHUNK", 30)  # scored in steps, each reported, same numbers
    seen: list[tuple[int, int]] = []
    stepped = evaluate_ensemble(members, split="train", limit=80, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(30, 160), (60, 160), (80, 160), (110, 160), (140, 160), (160, 160)]
    assert stepped["accuracy"] == result["accuracy"] and stepped["members"] == result["members"]
    examples = list(get_corpus(corpus).examples("train"))[:80]
    texts, labels = [t for t, _ in examples], np.asarray([y for _, y in examples])
    mean = (probabilities(members[0], texts) + probabilities(members[1], texts)) / 2
    assert result["accuracy"] == pytest.approx(float((mean.argmax(-1) == labels).mean()))
    # The validation hold-out is the one training kept aside: its accuracy is the one training reported.
    on_val = [evaluate(m, split="validation") for m in members]
    assert [r["examples"] for r in on_val] == [40, 40]
    assert on_val[0]["accuracy"] == pytest.approx(members[0].history["val_accuracy"][-1], abs=1e-6)
    assert evaluate_ensemble(members, split="validation")["examples"] == 40
    other_seed = TrainConfig(task="classifier", corpus=corpus, level="syllable", cell="gru", units=8, embedding_dim=8,
                             max_len=40, batch_size=32, epochs=1, validation_fraction=0.2, patience=0, seed=2)
    reseeded = load_bundle(train(other_seed, name="reseeded", models_root=tmp_path).path)
    with pytest.raises(UsageError, match="held out different validation examples"):
        evaluate_ensemble([members[0], reseeded], split="validation")
    assert evaluate_ensemble([members[0], reseeded], split="train", limit=10)["examples"] == 10
    # One model is an ensemble of one; a generator or a different corpus cannot join.
    assert evaluate_ensemble(members[:1], split="train", limit=80)["accuracy"] == alone[0]["accuracy"]
    generator, _, _ = trained
    with pytest.raises(UsageError, match="is a generator, not a classifier"):
        evaluate_ensemble([members[0], generator], split="train")
    with pytest.raises(UsageError, match="at least one"):
        evaluate_ensemble([], split="train")


@pytest.mark.parametrize(
    "overrides, match",
    [
        (dict(cell="transformer"), "unknown cell"),
        (dict(level="bpe"), "unknown level"),
        (dict(stem="morph"), "only applies to --level word"),
        (dict(units=0), "--units"),
        (dict(dropout=1.5), "--dropout"),
        (dict(strategy="tpu"), "unknown strategy"),
        (dict(learning_rate=-1.0), "--lr"),
    ],
)
def test_validate_rejects_bad_values(overrides: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        TrainConfig(**overrides).validate()


def test_window_longer_than_corpus(text_file: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="seq-len"):
        train(gen_config(text_file, seq_len=100_000), name="g", models_root=tmp_path)


def test_split_tail_cuts_at_line() -> None:
    head, tail = split_tail("가나다\n라마바\n사아자\n차카타\n", 0.25)
    assert head + "\n" + tail == "가나다\n라마바\n사아자\n차카타\n"
    assert tail.startswith("차카타") and split_tail("abc", 0.0) == ("abc", "")


MIRRORED_SCRIPT = r"""
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from hangul_rnn.config import TrainConfig
from hangul_rnn.distribute import make_strategy
from hangul_rnn.training import train
strategy = make_strategy("mirrored")
config = TrainConfig(task="generator", corpus="text:" + sys.argv[1], level="syllable", cell="gru", units=8,
                     embedding_dim=4, seq_len=20, batch_size=16, epochs=1, sample_chars=0, patience=0,
                     strategy="mirrored", validation_fraction=0.1)
bundle = train(config, name="mirrored", models_root=sys.argv[2])
print(json.dumps({"replicas": strategy.num_replicas_in_sync, "epochs_done": bundle.metrics["epochs_done"],
                  "loss": bundle.metrics["loss"]}))
"""


@pytest.mark.slow  # a fresh TensorFlow process: the default run's slowest test; CI still runs it
@pytest.mark.ci
def test_mirrored_strategy_on_two_logical_cpus(text_file: Path, tmp_path: Path) -> None:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT, str(text_file), str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2 and result["epochs_done"] == 1 and result["loss"] > 0
    assert load_bundle(tmp_path / "mirrored").task == "generator"


def test_keyboard_interrupt_is_a_cancel(trained, text_file: Path, tmp_path: Path) -> None:
    _, _, root = trained
    shutil.copytree(root / "gen", tmp_path / "gen")
    before = (tmp_path / "gen" / "metrics.json").read_bytes()
    events: list = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, BatchEnded):
            raise KeyboardInterrupt

    result = train(gen_config(text_file), name="gen", resume=True, on_event=on_event, models_root=tmp_path)
    assert events[-1].cancelled and result.metrics["epochs_done"] == 2
    assert (tmp_path / "gen" / "metrics.json").read_bytes() == before
