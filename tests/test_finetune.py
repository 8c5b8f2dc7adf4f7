"""ULMFiT-style fine-tuning of a classifier started from a generator: discriminative learning rates
(--lr-decay-per-layer), gradual unfreezing (--unfreeze gradual) and their survival across save, reload and --resume.
Concat pooling's runtime parity is in test_runtime.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_models import SAMPLE_TSV, TINY_CLASSIFIER, review_text, train_generator

from hangul_rnn.cli import main
from hangul_rnn.config import TrainConfig
from hangul_rnn.errors import UsageError
from hangul_rnn.training import build_model, train
from hangul_rnn.transfer import Unfreeze, encoder_layers, freeze_for_warmup, layer_rate_factors, trainable_count

#: A classifier of a two-layer generator's shape (what inherit() would set), for tests that need no generator.
SHAPE = {**TINY_CLASSIFIER, "level": "syllable", "stem": None, "units": 6, "layers": 2, "embedding_dim": 4,
         "dropout": 0.0, "init_from": "some-generator"}


@pytest.fixture(scope="module")
def generator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny two-layer syllable LSTM generator trained one epoch on the sample reviews."""
    text = review_text(tmp_path_factory.mktemp("text"))
    return train_generator(text, tmp_path_factory.mktemp("models"), "gen2", cell="lstm", units=8, layers=2,
                           embedding_dim=4)


def test_the_unfreezing_schedule_counts_layers_from_the_top() -> None:
    assert [trainable_count(e, 1, "gradual", 3) for e in range(6)] == [0, 1, 2, 3, 3, 3]
    assert [trainable_count(e, 0, "gradual", 3) for e in range(4)] == [1, 2, 3, 3]
    assert [trainable_count(e, 2, "all", 3) for e in range(4)] == [0, 0, 3, 3]


@pytest.mark.parametrize("unfreeze, expected", [
    ("gradual", [[], ["rnn_1"], ["rnn_0", "rnn_1"], ["embedding", "rnn_0", "rnn_1"], ["embedding", "rnn_0", "rnn_1"]]),
    ("all", [[], ["embedding", "rnn_0", "rnn_1"], ["embedding", "rnn_0", "rnn_1"]]),
])
def test_unfreeze_makes_layers_trainable_top_down_epoch_by_epoch(unfreeze: str, expected: list[list[str]]) -> None:
    model = build_model(TrainConfig(**SHAPE), 30)
    freeze_for_warmup(model, 0)
    callback = Unfreeze(1, unfreeze)
    callback.set_model(model)
    seen = []
    for epoch in range(len(expected)):
        callback.on_epoch_begin(epoch)
        seen.append([layer.name for layer in encoder_layers(model) if layer.trainable])
    assert seen == expected == [callback.trainable_by_epoch[e] for e in range(len(expected))]
    assert model.get_layer("probabilities").trainable  # the head always trains


def _one_step_moves(decay: float) -> dict[str, float]:
    """The largest weight change of each layer after one Adam step on the same batch from the same weights."""
    import keras

    keras.utils.set_random_seed(3)
    model = build_model(TrainConfig(**{**SHAPE, "lr_decay_per_layer": decay}), 30)
    rng = np.random.default_rng(0)
    ids, labels = rng.integers(1, 30, size=(16, 10)).astype("int32"), rng.integers(0, 2, size=16)
    names = [layer.name for layer in encoder_layers(model)] + ["probabilities"]
    before = {n: model.get_layer(n).get_weights() for n in names}
    model.train_on_batch(ids, labels)
    return {n: max(float(np.abs(a - b).max()) for a, b in zip(before[n], model.get_layer(n).get_weights()))
            for n in names}


def test_lower_layers_learn_slower_by_the_decay_per_layer() -> None:
    plain, slowed = _one_step_moves(1.0), _one_step_moves(10.0)
    # Adam's first step is about lr per weight whatever the gradient's scale: the ratio is the layer's factor
    for name, factor in {"probabilities": 1.0, "rnn_1": 0.1, "rnn_0": 0.01, "embedding": 0.001}.items():
        assert slowed[name] / plain[name] == pytest.approx(factor, rel=0.2), name
    assert slowed["embedding"] < slowed["rnn_0"] < slowed["rnn_1"] < slowed["probabilities"]


def test_the_layer_rates_survive_saving_and_loading(tmp_path: Path) -> None:
    import keras

    from hangul_rnn.layer_rates import LayerRateAdam

    model = build_model(TrainConfig(**{**SHAPE, "lr_decay_per_layer": 2.0}), 30)
    assert layer_rate_factors(model, 2.0) == {"embedding": 0.125, "rnn_0": 0.25, "rnn_1": 0.5}
    model.train_on_batch(np.ones((2, 5), "int32"), np.array([0, 1]))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.optimizer, LayerRateAdam)
    assert loaded.optimizer.layer_factors == {"embedding": 0.125, "rnn_0": 0.25, "rnn_1": 0.5}
    assert int(loaded.optimizer.iterations) == 1


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_gradual_unfreezing_with_layer_rates_resumes_epoch_by_epoch(generator: Path, tmp_path: Path) -> None:
    """One epoch per run, resumed: each run trains the next lower layer too, and Adam's state carries over."""
    from hangul_rnn.layer_rates import LayerRateAdam

    cfg = TrainConfig(**{**TINY_CLASSIFIER, "init_from": str(generator), "freeze_epochs": 1, "unfreeze": "gradual",
                         "lr_decay_per_layer": 2.6, "pooling": "concat"})
    moved, previous, steps = [], None, []
    for run in range(4):
        # the schedule is the saved one on resume: a resume without the options continues it
        bundle = train(cfg if run == 0 else TrainConfig(**TINY_CLASSIFIER), name="ft", models_root=tmp_path,
                       resume=run > 0)
        weights = {layer.name: layer.get_weights() for layer in encoder_layers(bundle.model)}
        if previous is not None:
            moved.append(sorted(n for n in weights if any(not np.array_equal(a, b)
                                                          for a, b in zip(weights[n], previous[n]))))
        previous = weights
        steps.append(int(bundle.model.optimizer.iterations))
        assert isinstance(bundle.model.optimizer, LayerRateAdam)
    assert moved == [["rnn_1"], ["rnn_0", "rnn_1"], ["embedding", "rnn_0", "rnn_1"]]
    assert steps == [steps[0] * k for k in (1, 2, 3, 4)]  # the step count carries: Adam's state was restored
    saved = bundle.config["hyperparameters"]
    assert (saved["unfreeze"], saved["lr_decay_per_layer"], saved["freeze_epochs"], saved["pooling"]) == (
        "gradual", 2.6, 1, "concat")


@pytest.mark.parametrize("extra, match", [
    (["--lr-decay-per-layer", "2.6"], "--lr-decay-per-layer needs --init-from"),
    (["--unfreeze", "gradual"], "--unfreeze gradual needs --init-from"),
    (["--init-from", "GEN", "--lr-decay-per-layer", "0.5"], "--lr-decay-per-layer must be a number in [1, 100]"),
    (["--init-from", "GEN", "--lr-decay-per-layer", "1000"], "--lr-decay-per-layer must be a number in [1, 100]"),
])
def test_bad_fine_tuning_options_are_one_line_usage_errors(generator: Path, extra: list[str], match: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    extra = [str(generator) if e == "GEN" else e for e in extra]
    code = main(["train", "classifier", "--corpus", f"tsv:{SAMPLE_TSV}", "--epochs", "1", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and match in err and "\n" not in err


def test_the_library_refuses_the_same() -> None:
    with pytest.raises(UsageError, match="--lr-decay-per-layer needs --init-from"):
        TrainConfig(**{**TINY_CLASSIFIER, "lr_decay_per_layer": 2.0}).validate()
    with pytest.raises(UsageError, match="--lr-decay-per-layer must be a number"):
        TrainConfig(**{**SHAPE, "lr_decay_per_layer": True}).validate()
    with pytest.raises(UsageError, match="unknown unfreeze 'sometimes'"):
        TrainConfig(**{**SHAPE, "unfreeze": "sometimes"}).validate()
