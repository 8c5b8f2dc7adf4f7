"""The TF2 book's chapter-7 toy tasks: numeric sequences that show what a recurrent cell can carry.

They read numbers, not text, so they live apart from the text models: no tokenizer, no bundle, nothing saved. What
they share with real training is the progress: the same typed events (:mod:`hangul_rnn.events`), so the CLI draws
them with the same renderer.

- **next-number**: four steps of 0.0–0.9 in, the next one out (0.0 0.1 0.2 0.3 -> 0.4), six examples; the book's
  SimpleRNN(10) -> Dense(1), mean squared error, 100 epochs. It fits the six and shows how far it extrapolates.
- **multiplication** (Hochreiter & Schmidhuber's problem, as the book sets it): 100 steps of two features, a random
  number in [0, 1) and a mark that is 1 at exactly two steps; the target is the product of the two marked numbers.
  3,000 examples, the first 2,560 to train (20% of them validation), the last 440 to test; two stacked recurrent
  layers of 30 units -> Dense(1), 100 epochs. A test case counts as correct within 0.04 of its target. The cell
  decides: a SimpleRNN cannot keep the first marked number over up to 100 steps, an LSTM or GRU can.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hangul_rnn.config import CELLS, TOY_DEFAULTS, TOYS
from hangul_rnn.errors import UsageError
from hangul_rnn.events import BatchEnded, EpochEnded, Event, TrainFinished

__all__ = ["BOOK", "ToyConfig", "ToyResult", "multiplication_data", "next_number_data", "run_toy"]

#: What the book reports, by (task, cell): the share of the 440 multiplication test cases within 0.04 of their
#: target, in percent. None: the book runs that cell without quoting a figure we can cite.
BOOK: dict[tuple[str, str], float | None] = {
    ("multiplication", "lstm"): 83.86,
    ("multiplication", "rnn"): 9.0,  # "about 9%"
    ("multiplication", "gru"): None,
}

_TOLERANCE = 0.04


@dataclass
class ToyConfig:
    """One toy run; :meth:`validate` gives a one-line error for a bad value."""

    task: str = "multiplication"
    cell: str = "lstm"
    epochs: int = 100
    units: int = 30
    layers: int = 2
    examples: int = 3000  # multiplication: all examples; the last ``test`` are the test cases
    test: int = 440
    steps: int = 100  # multiplication: sequence length
    batch_size: int = 32
    seed: int = 0

    def validate(self) -> ToyConfig:
        if self.task not in TOYS:
            raise UsageError(f"unknown toy {self.task!r}; choose one of: {', '.join(TOYS)}")
        if self.cell not in CELLS:
            raise UsageError(f"unknown cell {self.cell!r}; choose one of: {', '.join(CELLS)}")
        for name in ("epochs", "units", "layers", "examples", "test", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be an integer ≥ 1, got {value!r}")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 2:
            raise UsageError(f"--steps must be an integer ≥ 2 (two numbers are marked), got {self.steps!r}")
        if self.task == "multiplication" and self.examples - self.test < 5:
            raise UsageError(f"--examples {self.examples} leaves {self.examples - self.test} to train on after "
                             f"{self.test} test cases; give more examples or fewer test cases")
        return self


def toy_config(task: str, **changes: Any) -> ToyConfig:
    """The book's settings for ``task`` (from :data:`hangul_rnn.config.TOY_DEFAULTS`), then ``changes``."""
    if task not in TOY_DEFAULTS:
        raise UsageError(f"unknown toy {task!r}; choose one of: {', '.join(TOYS)}")
    return ToyConfig(task=task, **{**TOY_DEFAULTS[task], **changes}).validate()


@dataclass
class ToyResult:
    """What a toy run shows: per-case predictions and, for the multiplication, the share within 0.04."""

    config: ToyConfig
    inputs: list[str]  # each case, shown short
    targets: np.ndarray
    predictions: np.ndarray
    accuracy: float | None = None  # percent of test cases within 0.04 (multiplication)
    book: float | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    cancelled: bool = False


def next_number_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The book's six training sequences and targets, and two unseen sequences (one past 0.9, one before 0.0)
    with the values that would continue them."""
    x = np.array([[[(i + j) / 10] for j in range(4)] for i in range(6)], dtype="float32")
    y = np.array([(i + 4) / 10 for i in range(6)], dtype="float32")
    new_x = np.array([[[0.6], [0.7], [0.8], [0.9]], [[-0.1], [0.0], [0.1], [0.2]]], dtype="float32")
    new_y = np.array([1.0, 0.3], dtype="float32")
    return x, y, new_x, new_y


def multiplication_data(examples: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``examples`` sequences ``[steps, 2]`` (the mark, the number) and the products of the two marked numbers."""
    rng = np.random.default_rng(seed)
    numbers = rng.random((examples, steps)).astype("float32")
    marks = np.zeros((examples, steps), dtype="float32")
    for row in range(examples):
        marks[row, rng.choice(steps, 2, replace=False)] = 1.0
    x = np.stack([marks, numbers], axis=-1)
    y = np.where(marks == 1.0, numbers, 1.0).prod(axis=1).astype("float32")
    return x, y


def _network(cfg: ToyConfig, steps: int, features: int):
    import keras

    from hangul_rnn.models import _LAYER_CLASSES

    layer = _LAYER_CLASSES[cfg.cell]
    model = keras.Sequential([keras.Input(shape=(steps, features))]
                             + [layer(cfg.units, return_sequences=i < cfg.layers - 1) for i in range(cfg.layers)]
                             + [keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _events(emit: Callable[[Event], None], cancel: threading.Event | None, samples_per_step: int):
    """A Keras callback reporting the run as the training events (and stopping at a cancel)."""
    import keras

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.t0 = epoch, time.perf_counter()
            self.last = self.t0

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter()
            rate = samples_per_step / max(now - self.last, 1e-9)
            self.last = now
            emit(BatchEnded(self.epoch, batch + 1, self.params.get("steps"), float((logs or {}).get("loss", 0)),
                            rate))
            if cancel is not None and cancel.is_set():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            emit(EpochEnded(epoch, {k: float(v) for k, v in (logs or {}).items()}, time.perf_counter() - self.t0))

    return Report()


def run_toy(cfg: ToyConfig, *, on_event: Callable[[Event], None] | None = None,
            cancel: threading.Event | None = None) -> ToyResult:
    """Train the toy network ``cfg`` describes from scratch and score it (nothing is saved)."""
    import keras

    cfg.validate()
    emit = on_event or (lambda event: None)
    keras.utils.set_random_seed(cfg.seed)
    if cfg.task == "next-number":
        x, y, new_x, new_y = next_number_data()
        train_x, train_y, val = x, y, None
        test_x, test_y = np.concatenate([x, new_x]), np.concatenate([y, new_y])
    else:
        x, y = multiplication_data(cfg.examples, cfg.steps, cfg.seed)
        cut = cfg.examples - cfg.test
        train_x, train_y, test_x, test_y = x[:cut], y[:cut], x[cut:], y[cut:]
        val = 0.2 if cut >= 10 else None
    model = _network(cfg, train_x.shape[1], train_x.shape[2])
    history = model.fit(train_x, train_y, epochs=cfg.epochs, batch_size=cfg.batch_size, validation_split=val or 0.0,
                        verbose=0, callbacks=[_events(emit, cancel, cfg.batch_size * train_x.shape[1])])
    cancelled = bool(cancel is not None and cancel.is_set())
    emit(TrainFinished(None, len(history.history.get("loss", [])), False, cancelled))
    predictions = np.asarray(model.predict(test_x, verbose=0)).reshape(-1)
    result = ToyResult(cfg, _shown(cfg, test_x), test_y, predictions, history=dict(history.history),
                       cancelled=cancelled)
    if cfg.task == "multiplication":
        result.accuracy = float(100.0 * np.mean(np.abs(predictions - test_y) <= _TOLERANCE))
        result.book = BOOK.get((cfg.task, cfg.cell))
    return result


def _shown(cfg: ToyConfig, x: np.ndarray) -> list[str]:
    if cfg.task == "next-number":
        return [" ".join(f"{v:.1f}" for v in row[:, 0]) for row in x]
    shown = []
    for row in x:
        marked = np.flatnonzero(row[:, 0] == 1.0)
        shown.append(" × ".join(f"{row[i, 1]:.3f} (step {i + 1})" for i in marked))
    return shown
