"""The typed events :func:`hangul_rnn.training.train` reports (no TensorFlow): the CLI draws rich bars from them,
the TUI a chart. Epoch numbers are 0-based (Keras's convention; ``epochs_done`` counts); steps are 1-based."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hangul_rnn.config import TrainConfig


@dataclass(frozen=True)
class DataProgress:
    """Preparing the data before the first batch (reading, fitting the tokenizer, encoding): on NSMC with Kiwi
    stems this takes a minute or more, so it is reported like any other long step. ``total`` is None when unknown."""

    stage: str
    done: int
    total: int | None


@dataclass(frozen=True)
class TrainStarted:
    config: TrainConfig
    steps_per_epoch: int | None  # None when the dataset cannot say before a first pass
    vocab_size: int
    params: int
    initial_epoch: int = 0  # > 0 when resuming
    train_tokens: int = 0
    val_tokens: int = 0


@dataclass(frozen=True)
class BatchEnded:
    epoch: int  # 0-based
    step: int  # 1-based: batches done in this epoch
    steps: int | None
    loss: float  # running mean over the epoch so far
    tokens_per_s: float


@dataclass(frozen=True)
class ValidationProgress:
    """A batch of the validation pass at an epoch's end: on a whole corpus that pass takes minutes, which would
    otherwise look like a frozen run. A cancel stops it at the next batch."""

    epoch: int  # 0-based
    step: int  # 1-based
    steps: int | None  # None until the first pass has counted them


@dataclass(frozen=True)
class EpochEnded:
    epoch: int  # 0-based
    logs: dict  # loss, val_loss, (val_)accuracy, …
    seconds: float


@dataclass(frozen=True)
class SampleWritten:
    epoch: int
    text: str
    error: str | None = None  # set (and text empty) when sampling failed; training goes on


@dataclass(frozen=True)
class CheckpointSaved:
    epoch: int
    path: Path


@dataclass(frozen=True)
class EmbeddingsLoaded:
    """Pretrained vectors (``train --embeddings``) start ``found`` of the vocabulary's embedding rows; ``missing``
    tokens keep their random start (``examples``: the most frequent of them)."""

    path: Path
    dim: int
    found: int
    missing: int
    examples: tuple[str, ...]
    frozen: bool

    def line(self) -> str:
        """The line the CLI and the TUI log: the rows started from the file, and the tokens it lacked (those keep a
        random start), naming the most frequent of them so a tokenization mismatch shows at once."""
        total = self.found + self.missing
        frozen = ", frozen" if self.frozen else ""
        text = (f"word vectors: {self.found:,} of {total:,} tokens start from {self.path.name} ({self.dim} "
                f"dimensions{frozen})")
        if self.missing:
            most = ", ".join(self.examples)
            text += f"; {self.missing:,} not in the file keep a random start (most frequent: {most})"
        return text


@dataclass(frozen=True)
class SoftLabelsLoaded:
    """``train --soft-labels``: ``examples`` rows of a teacher's probabilities joined the training side; ``dropped``
    were left out because their text is one of the labelled examples."""

    path: Path
    examples: int
    dropped: int

    def line(self) -> str:
        """The line the CLI and the TUI log."""
        return (f"soft labels: {self.examples:,} texts from {self.path} join the training side "
                f"({self.dropped:,} left out: the same text as a labelled example)")


@dataclass(frozen=True)
class TrainFinished:
    bundle_path: Path | None  # None when cancelled before the first epoch ended (nothing saved)
    epochs_done: int
    stopped_early: bool
    cancelled: bool


Event = (DataProgress | TrainStarted | BatchEnded | ValidationProgress | EpochEnded | SampleWritten | CheckpointSaved
         | TrainFinished | EmbeddingsLoaded | SoftLabelsLoaded)
