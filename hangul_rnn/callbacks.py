"""The Keras callbacks of a training run and the one typed state they share with :func:`hangul_rnn.training.train`.

:class:`RunState` is what the run knows as it goes (epoch, step, history, whether it was cancelled or has saved);
:class:`Checkpointer` turns Keras's hooks into the typed events of :mod:`hangul_rnn.events`, notices a cancel at the
next batch, and saves the bundle after every complete epoch (the bundle is the checkpoint).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from hangul_rnn.events import BatchEnded, CheckpointSaved, EpochEnded, Event, SampleWritten, ValidationProgress
from hangul_rnn.models import reset_states


@dataclass
class RunState:
    """The state of one run, read by the orchestrator once ``fit`` returns. Epochs are 0-based, steps 1-based."""

    epoch: int
    steps: int | None  # batches per epoch; None until the first epoch has counted them
    history: dict[str, list[float]]
    epochs_done: int
    saved: bool  # a bundle of this run (or the resumed one) is on disk
    step: int = 0
    cancelled: bool = False
    val_steps: int | None = None  # batches per validation pass; None until the first pass has counted them
    val_step: int = 0
    epoch_t0: float = field(default_factory=time.perf_counter)
    batch_t0: float = field(default_factory=time.perf_counter)


class Checkpointer(keras.callbacks.Callback):
    """Events per batch and epoch, the per-epoch sample, and an atomic bundle save after each complete epoch.

    ``make_bundle`` returns the bundle as it stands (weights, history, metrics); ``sample`` returns the per-epoch
    sample text and an error (a failed sample is reported, never fatal), or is None for no sample.
    """

    def __init__(self, run: RunState, *, path: Path, tokens_per_step: int, emit: Callable[[Event], None],
                 cancel: threading.Event | None, make_bundle: Callable[[], Any],
                 sample: Callable[[int], tuple[str, str | None]] | None) -> None:
        super().__init__()
        self.run, self.path, self.tokens_per_step = run, path, tokens_per_step
        self.emit, self.cancel, self.make_bundle, self.sample = emit, cancel, make_bundle, sample

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.run.epoch, self.run.step = epoch, 0
        self.run.epoch_t0 = self.run.batch_t0 = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = time.perf_counter()
        seconds = max(now - self.run.batch_t0, 1e-9)
        self.run.batch_t0, self.run.step = now, batch + 1
        loss = float((logs or {}).get("loss", float("nan")))
        self.emit(BatchEnded(self.run.epoch, batch + 1, self.run.steps, loss, self.tokens_per_step / seconds))
        if self.cancel is not None and self.cancel.is_set():
            self.run.cancelled = True
            self.model.stop_training = True

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Keras validates after a cancelled epoch's last batch too; stopping here keeps a cancel within a batch."""
        self.run.val_step = batch + 1
        self.emit(ValidationProgress(self.run.epoch, batch + 1, self.run.val_steps))
        if self.cancel is not None and self.cancel.is_set():
            self.run.cancelled = True
            self.model.stop_training = True
            self.model.stop_evaluating = True

    def on_test_end(self, logs: dict | None = None) -> None:
        if self.run.val_steps is None and not self.run.cancelled:
            self.run.val_steps = self.run.val_step

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.run.cancelled:
            return  # a partial epoch: nothing is reported or saved
        from hangul_rnn.bundle import save_bundle

        if self.run.steps is None:
            self.run.steps = self.run.step
        values = {k: float(v) for k, v in (logs or {}).items()}
        for key, value in values.items():
            self.run.history.setdefault(key, []).append(value)
        self.run.epochs_done = epoch + 1
        self.emit(EpochEnded(epoch, values, time.perf_counter() - self.run.epoch_t0))
        if self.sample is not None:
            text, error = self.sample(epoch)
            self.emit(SampleWritten(epoch, text, error))
        save_bundle(self.make_bundle(), self.path)
        self.run.saved = True
        self.emit(CheckpointSaved(epoch, self.path))


class StreamStart(keras.callbacks.Callback):
    """Zero a stateful generator's carried states where a stream starts: each epoch (the rows start again at the
    beginning of their text) and around validation (which reads other text with the same layers)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        reset_states(self.model)

    def on_test_begin(self, logs: dict | None = None) -> None:
        reset_states(self.model)

    def on_test_end(self, logs: dict | None = None) -> None:
        reset_states(self.model)
