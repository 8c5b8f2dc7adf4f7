"""Training: corpus -> tokenizer -> tf.data -> Keras fit -> bundle, with progress events, checkpoints and cancel.

One function, :func:`train`, serves the CLI and the TUI alike. It reports progress as small typed events passed to
``on_event`` (the CLI draws rich bars from them, the TUI a chart) and never prints.

Decisions worth knowing:

- **The bundle is the checkpoint.** After every complete epoch the current weights, tokenizer, history and
  ``metrics["epochs_done"]`` are saved atomically into ``models/NAME``; cancelling (``cancel.set()``, Ctrl-C) stops
  at the next batch and leaves the last complete epoch's bundle untouched. At the end, the best weights by
  validation loss (early stopping restores them) are saved with the final metrics.
- **Validation is the tail of the training data**, never the test split: for generators the joined text is cut at
  a line (or space) boundary ``validation_fraction`` from its end and both parts are encoded separately, so the
  bits per *character* of the held-out text are exact (bits/token × tokens/characters) and jamo, syllable and word
  models compare on one scale.
- **Resume** (``resume=True``) reloads the bundle ``NAME``: its corpus, tokenizer, architecture and weights win
  over the new config; the new config's ``epochs`` are *more* epochs on top of ``epochs_done``, and its batch size,
  learning rate, patience and strategy apply. Adam's step count and moments carry over too (slim bundles have
  none, and then the optimizer restarts).
- **Epoch numbers in events are 0-based** (Keras's convention; ``epochs_done`` counts); steps are 1-based (the
  number of batches done in the epoch).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields, replace
from itertools import islice
from pathlib import Path
from typing import Any, Union

from hangul_rnn.bundle import Bundle, check_name, check_same_source, load_bundle, save_bundle
from hangul_rnn.errors import HangulRNNError, TrainingCancelled, UsageError

TASKS = ("generator", "classifier")
LEVELS = ("jamo", "syllable", "word")
STEMS = (None, "truncate", "morph", "morph-all")
CELLS = ("lstm", "gru", "rnn")
STRATEGIES = ("default", "mirrored", "multiworker")
POOLINGS = (None, "last", "max", "mean")

#: Config fields that define the data and the network; on resume the saved values win.
_ARCH_FIELDS = (
    "task", "corpus", "level", "stem", "truncate_to", "clean", "cell", "layers", "units", "embedding_dim",
    "dropout", "recurrent_dropout", "bidirectional", "conv_filters", "conv_kernel", "pool_size", "pooling",
    "seq_len", "max_len", "max_vocab", "min_count", "validation_fraction", "limit",
)


@dataclass
class TrainConfig:
    """Everything that decides a training run; :meth:`validate` checks it before any data is read."""

    task: str = "generator"
    corpus: str = "annals"
    # tokenizer
    level: str = "syllable"
    stem: str | None = None
    truncate_to: int = 5
    clean: str | None = None  # None: the corpus's own cleaning rules
    max_vocab: int | None = None
    min_count: int = 1
    # network
    cell: str = "lstm"
    layers: int = 1
    units: int = 128
    embedding_dim: int = 64
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    bidirectional: bool = False
    conv_filters: int = 0
    conv_kernel: int = 5
    pool_size: int = 2
    pooling: str | None = None  # classifier pooling as models.build_classifier names it; None: its default
    # data shape
    seq_len: int = 100  # generator window, in tokens
    stride: int | None = None  # generator window stride; None: windows.generation_datasets' default
    max_len: int = 64  # classifier sequence length, in tokens
    # fitting
    batch_size: int = 64
    epochs: int = 10
    learning_rate: float = 1e-3
    validation_fraction: float = 0.05
    patience: int = 3  # early-stopping patience on val_loss; 0 turns early stopping off
    seed: int = 0
    strategy: str = "default"
    limit: int | None = None  # at most this many documents/lines read, for quick runs
    # per-epoch sample (generators)
    sample_chars: int = 200  # tokens generated for the sample; 0 turns it off
    sample_prompt: str = ""
    sample_temperature: float = 0.8

    def validate(self) -> TrainConfig:
        """Raise UsageError (one line, naming the option) for any bad value; returns self."""

        def choice(name: str, allowed: tuple) -> None:
            value = getattr(self, name)
            if value not in allowed:
                shown = ", ".join("none" if a is None else str(a) for a in allowed)
                raise UsageError(f"unknown {name.replace('_', '-')} {value!r}; choose one of: {shown}")

        def positive(name: str, *, allow_none: bool = False, minimum: int = 1) -> None:
            value = getattr(self, name)
            if value is None and allow_none:
                return
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise UsageError(f"--{name.replace('_', '-')} must be an integer ≥ {minimum}, got {value!r}")

        choice("task", TASKS)
        choice("level", LEVELS)
        choice("stem", STEMS)
        choice("cell", CELLS)
        choice("strategy", STRATEGIES)
        choice("pooling", POOLINGS)
        if self.stem is not None and self.level != "word":
            raise UsageError(f"--stem {self.stem} only applies to --level word, not {self.level}")
        if not self.corpus or not isinstance(self.corpus, str):
            raise UsageError("--corpus is empty; give nsmc, annals, text:PATH or tsv:PATH")
        for name in ("layers", "units", "embedding_dim", "seq_len", "max_len", "batch_size", "epochs",
                     "truncate_to", "min_count", "conv_kernel", "pool_size"):
            positive(name)
        for name in ("max_vocab", "limit", "stride"):
            positive(name, allow_none=True)
        positive("max_vocab", allow_none=True, minimum=3)
        for name in ("conv_filters", "patience", "sample_chars", "seed"):
            positive(name, minimum=0)
        for name in ("dropout", "recurrent_dropout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
                raise UsageError(f"--{name.replace('_', '-')} must be in [0, 1), got {value!r}")
        if not isinstance(self.validation_fraction, (int, float)) or not 0.0 <= self.validation_fraction < 0.9:
            raise UsageError(f"validation fraction must be in [0, 0.9), got {self.validation_fraction!r}")
        if not isinstance(self.learning_rate, (int, float)) or not 0.0 < self.learning_rate < 10.0:
            raise UsageError(f"--lr must be a positive number below 10, got {self.learning_rate!r}")
        if not self.sample_temperature > 0:
            raise UsageError(f"sample temperature must be positive, got {self.sample_temperature!r}")
        if self.task == "generator" and self.bidirectional:
            raise UsageError("--bidirectional only applies to classifiers (a generator reads left to right)")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """A config from :meth:`to_dict` output; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# ---------------------------------------------------------------------------------------------------- events


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
class TrainFinished:
    bundle_path: Path | None  # None when cancelled before the first epoch ended (nothing saved)
    epochs_done: int
    stopped_early: bool
    cancelled: bool


@dataclass(frozen=True)
class DataProgress:
    """Preparing the data before the first batch (reading, fitting the tokenizer, encoding): on NSMC with Kiwi
    stems this takes a minute or more, so it is reported like any other long step. ``total`` is None when unknown."""

    stage: str
    done: int
    total: int | None


Event = Union[DataProgress, TrainStarted, BatchEnded, EpochEnded, SampleWritten, CheckpointSaved, TrainFinished]


# ---------------------------------------------------------------------------------------------------- data


@dataclass
class _Data:
    """What the data step hands to fitting."""

    tokenizer: Any
    train_ds: Any
    val_ds: Any
    tokens_per_step: int
    train_tokens: int
    val_tokens: int
    val_chars: int
    label_names: list[str] | None = None
    num_classes: int = 0


def _get_corpus(spec: str):
    from hangul_rnn.corpora import get_corpus

    return get_corpus(spec)


def _fetch_corpus(corpus, split: str, report: Callable[[str, int, int | None], None]) -> None:
    """Download the split's files now if they are missing, reporting bytes, so a first run on nsmc or annals shows
    its download (tens of MB) as a stage of its own and can be cancelled during it (the partial file resumes)."""
    fetch = getattr(corpus, "paths", None)
    if fetch is not None:
        fetch(split, progress=lambda done, total: report("downloading the corpus (bytes)", done, total))


def generator_text(corpus, limit: int | None, split: str = "train") -> str:
    """The documents of ``split`` (at most ``limit``) joined with newlines."""
    return "\n".join(islice(corpus.texts(split), limit))


def split_tail(text: str, fraction: float) -> tuple[str, str]:
    """Cut ``text`` about ``fraction`` from its end, at a newline, else a space, else anywhere."""
    if fraction <= 0 or not text:
        return text, ""
    cut = int(len(text) * (1.0 - fraction))
    lowest = int(len(text) * (1.0 - 2 * fraction))  # never move the cut further than one more fraction
    for sep in ("\n", " "):
        at = text.rfind(sep, max(0, lowest), cut + 1)
        if at > 0:
            return text[:at], text[at + 1 :]
    return text[:cut], text[cut:]


def absolute_spec(spec: str) -> str:
    """``text:rel/path`` -> ``text:/abs/path`` so a bundle's corpus still resolves from another folder."""
    for prefix in ("text:", "tsv:"):
        if spec.startswith(prefix):
            return prefix + str(Path(spec[len(prefix):]).expanduser().resolve())
    return spec


def _make_tokenizer(cfg: TrainConfig, corpus):
    from hangul_rnn.tokenizers import make_tokenizer

    clean = cfg.clean if cfg.clean is not None else getattr(corpus, "cleaning", None)
    if cfg.clean is None and clean is not None:
        from hangul_rnn import text as _text

        names = list(_text.rule_names())
        if clean not in names:  # a corpus rule the cleaning module does not know: the generic rules
            clean = "plain" if "plain" in names else None
    return make_tokenizer(cfg.level, stem=cfg.stem, truncate_to=cfg.truncate_to, clean=clean)


def _generation_windows(ids: list[int], cfg: TrainConfig, *, shuffle: bool):
    from hangul_rnn.windows import generation_datasets

    kwargs: dict[str, Any] = dict(seq_len=cfg.seq_len, batch_size=cfg.batch_size, validation_fraction=0.0,
                                  seed=cfg.seed)
    if cfg.stride is not None:
        kwargs["stride"] = cfg.stride
    if not shuffle:  # validation and evaluation: in order, every window, the last batch kept
        kwargs["shuffle_buffer"] = 1
        kwargs["drop_remainder"] = False
    ds, _ = generation_datasets(ids, **kwargs)
    return ds


def _prepare_generator(cfg: TrainConfig, tokenizer, report: Callable[[str, int, int | None], None]) -> _Data:
    corpus = _get_corpus(cfg.corpus)
    _fetch_corpus(corpus, "train", report)
    report("reading the corpus", 0, None)
    text = generator_text(corpus, cfg.limit)
    if not text.strip():
        raise UsageError(f"corpus {cfg.corpus!r} has no text (empty file or --limit too small)")
    train_text, val_text = split_tail(text, cfg.validation_fraction)
    if tokenizer is None:
        tokenizer = _make_tokenizer(cfg, corpus)
        lines = train_text.split("\n")
        tokenizer.fit(lines, max_size=cfg.max_vocab, min_count=cfg.min_count,
                      progress=lambda done: report("fitting the tokenizer", done, len(lines)))
    report("encoding", 0, None)
    train_ids = tokenizer.encode(train_text)
    val_ids = tokenizer.encode(val_text) if val_text else []
    if len(train_ids) < cfg.seq_len + 1:
        raise UsageError(
            f"the window (--seq-len {cfg.seq_len}) is longer than the training text ({len(train_ids)} tokens); "
            f"use a smaller --seq-len or more text"
        )
    train_ds = _generation_windows(train_ids, cfg, shuffle=True)
    val_ds = _generation_windows(val_ids, cfg, shuffle=False) if len(val_ids) >= cfg.seq_len + 1 else None
    return _Data(
        tokenizer=tokenizer,
        train_ds=train_ds,
        val_ds=val_ds,
        tokens_per_step=cfg.batch_size * cfg.seq_len,
        train_tokens=len(train_ids),
        val_tokens=len(val_ids) if val_ds is not None else 0,
        val_chars=len(val_text) if val_ds is not None else 0,
    )


def _label_names(corpus, num_classes: int) -> list[str]:
    names = getattr(corpus, "label_names", None)
    if names and len(names) >= num_classes:
        return [str(n) for n in names]
    return [str(i) for i in range(num_classes)]


def _prepare_classifier(cfg: TrainConfig, tokenizer, label_names: list[str] | None,
                        report: Callable[[str, int, int | None], None]) -> _Data:
    from hangul_rnn.windows import classification_datasets

    corpus = _get_corpus(cfg.corpus)
    _fetch_corpus(corpus, "train", report)
    report("reading the corpus", 0, None)
    if getattr(corpus, "kind", "labeled") != "labeled":
        raise UsageError(f"corpus {cfg.corpus!r} has no labels: train a classifier on nsmc or tsv:PATH")
    examples = list(islice(corpus.examples("train"), cfg.limit))
    if not examples:
        raise UsageError(f"corpus {cfg.corpus!r} has no examples (empty file or --limit too small)")
    texts = [t for t, _ in examples]
    labels = [int(y) for _, y in examples]
    if min(labels) < 0:
        raise UsageError(f"corpus {cfg.corpus!r} has negative labels; labels must be 0, 1, …")
    num_classes = max(2, max(labels) + 1, len(label_names or []))
    if tokenizer is None:
        tokenizer = _make_tokenizer(cfg, corpus)
        tokenizer.fit(texts, max_size=cfg.max_vocab, min_count=cfg.min_count,
                      progress=lambda done: report("fitting the tokenizer", done, len(texts)))
    report("encoding", 0, None)
    sequences = tokenizer.encode_batch(texts)
    train_ds, val_ds = classification_datasets(
        sequences, labels, max_len=cfg.max_len, batch_size=cfg.batch_size, seed=cfg.seed,
        validation_fraction=cfg.validation_fraction,
    )
    n_val = int(len(sequences) * cfg.validation_fraction) if val_ds is not None else 0
    return _Data(
        tokenizer=tokenizer,
        train_ds=train_ds,
        val_ds=val_ds,
        tokens_per_step=cfg.batch_size * cfg.max_len,
        train_tokens=sum(map(len, sequences)),
        val_tokens=n_val,
        val_chars=0,
        label_names=label_names or _label_names(corpus, num_classes),
        num_classes=num_classes,
    )


def _steps(ds) -> int | None:
    try:
        n = int(ds.cardinality())
    except Exception:  # noqa: BLE001
        return None
    return n if n >= 0 else None


# ---------------------------------------------------------------------------------------------------- model


def make_strategy(name: str):
    """The tf.distribute strategy called ``name`` (see module docs of DESIGN §4)."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        if gpus:
            return tf.distribute.MirroredStrategy()
        cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=cpus, cross_device_ops=tf.distribute.ReductionToOneDevice())
    if name == "multiworker":
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as exc:  # TF ran something in this process before: collectives can no longer be set up
            raise UsageError(f"--strategy multiworker must start before TensorFlow runs anything in the process "
                             f"({exc}); train in a fresh process with TF_CONFIG set") from None
    raise UsageError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")


def build_model(cfg: TrainConfig, vocab_size: int, num_classes: int = 2):
    """Build and compile the network ``cfg`` describes (call inside a strategy scope)."""
    from hangul_rnn import models

    common = dict(cell=cfg.cell, layers=cfg.layers, units=cfg.units, embedding_dim=cfg.embedding_dim,
                  dropout=cfg.dropout, recurrent_dropout=cfg.recurrent_dropout)
    if cfg.task == "generator":
        model = models.build_generator(vocab_size, **common)
        models.compile_generator(model, cfg.learning_rate)
    else:
        extra: dict[str, Any] = dict(bidirectional=cfg.bidirectional, conv_filters=cfg.conv_filters,
                                     conv_kernel=cfg.conv_kernel, pool_size=cfg.pool_size, num_classes=num_classes)
        if cfg.pooling is not None:
            extra["pooling"] = cfg.pooling
        model = models.build_classifier(vocab_size, **common, **extra)
        models.compile_classifier(model, cfg.learning_rate)
    return model


def _bundle_config(cfg: TrainConfig, name: str, data: _Data, created: str | None) -> dict:
    config: dict[str, Any] = {
        "name": name,
        "task": cfg.task,
        "corpus": cfg.corpus,
        "tokenizer": {"kind": data.tokenizer.kind, "level": cfg.level, "stem": cfg.stem,
                      "truncate_to": cfg.truncate_to, "clean": data.tokenizer.clean},
        "hyperparameters": cfg.to_dict(),
    }
    if cfg.task == "classifier":
        config["label_names"] = data.label_names
        config["num_classes"] = data.num_classes
    if created:
        config["created"] = created
    return config


def generator_metrics(loss: float, tokens: int, chars: int) -> dict[str, float]:
    """Perplexity, bits per token and bits per character from a mean loss in nats per token."""
    out = {"perplexity": float(math.exp(min(loss, 700.0))), "bits_per_token": float(loss / math.log(2))}
    if tokens and chars:
        out["tokens_per_char"] = tokens / chars
        out["bits_per_char"] = out["bits_per_token"] * tokens / chars
    return out


def _final_metrics(cfg: TrainConfig, history: dict, data: _Data, epochs_done: int, params: int) -> dict:
    metrics: dict[str, Any] = {"epochs_done": epochs_done, "params": params, "vocab_size": data.tokenizer.vocab_size,
                               "train_tokens": data.train_tokens, "val_tokens": data.val_tokens}
    monitor = "val_loss" if history.get("val_loss") else "loss"
    values = history.get(monitor) or []
    if not values:
        return metrics
    best = min(range(len(values)), key=lambda i: values[i])
    metrics["best_epoch"] = best
    for key, series in history.items():
        if len(series) == len(values):
            metrics[key] = float(series[best])
    if cfg.task == "generator":
        loss = metrics.get("val_loss", metrics.get("loss"))
        tokens, chars = (data.val_tokens, data.val_chars) if "val_loss" in metrics else (0, 0)
        metrics.update(generator_metrics(float(loss), tokens, chars))
    return metrics


# ---------------------------------------------------------------------------------------------------- callbacks


def _make_callbacks(cfg, name, path, data, emit, cancel, state, sample_fn, bundle_for):
    import keras

    class Progress(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            state["epoch"] = epoch
            state["epoch_t0"] = state["batch_t0"] = time.perf_counter()
            state["step"] = 0

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter()
            dt = max(now - state["batch_t0"], 1e-9)
            state["batch_t0"] = now
            state["step"] = batch + 1
            loss = float((logs or {}).get("loss", float("nan")))
            emit(BatchEnded(state["epoch"], batch + 1, state["steps"], loss, data.tokens_per_step / dt))
            if cancel is not None and cancel.is_set():
                state["cancelled"] = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if state["cancelled"]:
                return  # a partial epoch: nothing is reported or saved
            if state["steps"] is None:
                state["steps"] = state["step"]
            logs = {k: float(v) for k, v in (logs or {}).items()}
            for key, value in logs.items():
                state["history"].setdefault(key, []).append(value)
            state["epochs_done"] = epoch + 1
            emit(EpochEnded(epoch, logs, time.perf_counter() - state["epoch_t0"]))
            if cfg.task == "generator" and cfg.sample_chars > 0:
                text, error = sample_fn(epoch)
                emit(SampleWritten(epoch, text, error))
            bundle = bundle_for()
            save_bundle(bundle, path)
            state["saved"] = True
            emit(CheckpointSaved(epoch, path))

    callbacks: list = [Progress()]
    early = None
    if cfg.patience > 0:
        early = keras.callbacks.EarlyStopping(
            monitor="val_loss" if data.val_ds is not None else "loss",
            patience=cfg.patience,
            restore_best_weights=True,
        )
        callbacks.append(early)  # after Progress: the checkpoint saves the epoch's own weights
    return callbacks, early


def _carry_optimizer_state(old_model, model) -> bool:
    """Copy Adam's step count and moment estimates from a checkpoint so a resumed run continues where it stopped.

    A fresh optimizer would restart its bias correction and moments, which shows as a loss bump in the first
    resumed epoch. The learning rate is not copied: a ``--lr`` given on resume applies. Returns False (and the
    optimizer simply restarts) when the checkpoint has no optimizer state, e.g. a slim or shipped bundle, or when
    its variables do not line up with the new optimizer's.
    """
    old_opt = getattr(old_model, "optimizer", None)
    new_opt = getattr(model, "optimizer", None)
    if old_opt is None or new_opt is None or type(old_opt) is not type(new_opt) or not old_opt.variables:
        return False
    if not new_opt.built:
        new_opt.build(model.trainable_variables)
    pairs = [(o, n) for o, n in zip(old_opt.variables, new_opt.variables) if n.name != "learning_rate"]
    if len(old_opt.variables) != len(new_opt.variables) or any(
            o.name != n.name or tuple(o.shape) != tuple(n.shape) for o, n in pairs):
        return False
    for o, n in pairs:
        n.assign(o.value)
    return True


def _peer_failure(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` means another worker or device of the run went away, else None.

    Under ``multiworker`` a worker stopped with Ctrl-C, killed or cut off leaves the others waiting in an
    all-reduce until TensorFlow's health check (about a minute) aborts it with one of these errors. That is a
    stopped run, not a crash: the last complete epoch is on disk and ``--resume`` continues it.
    """
    import tensorflow as tf

    kinds = (tf.errors.UnavailableError, tf.errors.CancelledError, tf.errors.DeadlineExceededError,
             tf.errors.AbortedError)
    if not isinstance(exc, kinds):
        return None
    message = getattr(exc, "message", None) or str(exc)
    tasks = sorted(set(re.findall(r"/job:\w+/replica:\d+/task:\d+", message)))
    if tasks:
        detail = "no heartbeat from " + ", ".join(tasks)
    else:  # TF's first line is often just "Graph execution error:"; the reason is further down
        lines = [line.strip() for line in message.splitlines() if line.strip()]
        detail = next((line for line in lines if "abort" in line.lower() or "unavailable" in line.lower()),
                      lines[0] if lines else "")[:160]
    return f"a worker or device of the run stopped answering ({type(exc).__name__}: {detail})"


def _is_chief(strategy) -> bool:
    """True unless ``strategy`` is multi-worker and this process is not its chief (worker 0 when none is named)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if not task_type or task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and int(resolver.task_id or 0) == 0 and not has_chief


def _prebuild_for_multiworker(model, strategy, train_ds) -> None:
    """Build the model's loss, metric and optimizer state from one local batch, then skip Keras's own build step.

    Keras 3's ``fit``/``evaluate`` first build that state from a *distributed* batch, which they average with
    ``strategy.reduce``; MultiWorkerMirroredStrategy cannot reduce an ``(x, y)`` tuple and fails ("Attempt to
    convert a value (PerReplica...) to a Tensor", keras-team/keras#20585). Only shapes matter to the build, so a
    batch of the plain dataset does the same job.

    Then each step's logs are averaged over the workers with ``strategy.reduce("MEAN", value, axis=0)``, which
    fails on the scalar logs a step returns ("Invalid reduction dimension 0 for input with 0 dimensions"); the
    steps are wrapped to return each log as a 1-element vector, which that reduce averages back to a scalar.
    """
    import tensorflow as tf

    x, y = next(iter(train_ds))
    with strategy.scope():
        model._symbolic_build(data_batch=(x, y))
    model._maybe_symbolic_build = lambda *args, **kwargs: None

    def as_vectors(step):
        def wrapped(batch):
            return {k: tf.reshape(v, [1]) for k, v in step(batch).items()}

        return wrapped

    model.train_step = as_vectors(model.train_step)
    model.test_step = as_vectors(model.test_step)


# ---------------------------------------------------------------------------------------------------- train


class _PreparationCancelled(Exception):
    """Raised from a progress report to unwind the data preparation when the run is cancelled."""


def train(
    config: TrainConfig,
    *,
    name: str,
    on_event: Callable[[Event], None] | None = None,
    cancel: threading.Event | None = None,
    resume: bool = False,
    overwrite: bool = False,
    models_root: str | Path | None = None,
) -> Bundle:
    """Train a model as ``config`` says and save it as the bundle ``name``; returns the saved bundle.

    ``models_root`` defaults to :func:`hangul_rnn.paths.models_dir`. An existing bundle of that name is an error
    unless ``resume`` (continue it) or ``overwrite`` (replace it, atomically, at the first checkpoint) is given.
    If cancelled (``cancel`` set, or KeyboardInterrupt) the returned bundle is the last complete epoch's, loaded
    from disk, or — when no epoch completed — the unsaved in-memory model with ``path`` None. A cancel while the data
    are still being prepared (download, stemming, encoding), before any model exists, raises
    :class:`~hangul_rnn.errors.TrainingCancelled` instead (a resumed run returns its bundle as it was).
    """
    from hangul_rnn import paths

    emit = on_event or (lambda event: None)
    config = replace(config, corpus=absolute_spec(config.corpus)).validate()
    check_name(name)
    root = Path(models_root).expanduser() if models_root is not None else paths.models_dir()
    path = root / name

    # The strategy comes first: MultiWorkerMirroredStrategy configures collective ops, which TF refuses once the
    # process has run anything (loading a bundle to resume, seeding, building the data tensors).
    strategy = make_strategy(config.strategy)

    tokenizer = None
    history: dict[str, list[float]] = {}
    initial_epoch = 0
    old_model = None
    label_names = None
    created = None
    cfg = config
    if resume:
        if not path.is_dir():
            raise UsageError(f"nothing to resume: no model named {name!r} in {root}")
        old = load_bundle(path)
        if not isinstance(old, Bundle):  # a saved ensemble has no network of its own to continue
            raise UsageError(f"model {name!r} is an ensemble; resume its members one by one")
        if old.task != config.task:
            raise UsageError(f"model {name!r} is a {old.task}; resume it with 'train {old.task}'")
        saved = dict(old.config.get("hyperparameters") or {})
        cfg = replace(config, **{k: saved[k] for k in _ARCH_FIELDS if k in saved}).validate()
        tokenizer, old_model = old.tokenizer, old.model
        history = {k: list(v) for k, v in old.history.items()}
        initial_epoch = int(old.metrics.get("epochs_done", len(history.get("loss", []))))
        label_names = old.config.get("label_names")
        created = old.config.get("created")
    elif path.exists() and not overwrite:
        raise UsageError(f"a model named {name!r} already exists; use --resume to continue it or pick another --name")
    if not _is_chief(strategy):
        # Every worker runs this function and saves checkpoints; only the chief's bundle is kept (DESIGN §4). The
        # others resume from the bundle as they see it (a shared folder, or a copy) but write elsewhere, so they
        # never race the chief for the same files.
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="hangul-rnn-worker-"))
        path = root / name

    import keras

    keras.utils.set_random_seed(cfg.seed)
    def report(stage: str, done: int, total: int | None) -> None:
        if cancel is not None and cancel.is_set():
            raise _PreparationCancelled  # every stage reports often, so a cancel is seen within one step of it
        if on_event is not None:
            on_event(DataProgress(stage, done, total))

    try:
        data = _prepare_generator(cfg, tokenizer, report) if cfg.task == "generator" else _prepare_classifier(
            cfg, tokenizer, label_names, report)
    except _PreparationCancelled:
        kept = path if resume and path.is_dir() else None
        emit(TrainFinished(kept, initial_epoch, False, True))
        if kept is not None:
            return load_bundle(kept)
        raise TrainingCancelled(f"cancelled while preparing the data for {name!r}; nothing was saved") from None
    if resume and cfg.task == "classifier" and label_names:
        data.num_classes = len(label_names)

    with strategy.scope():
        model = build_model(cfg, data.tokenizer.vocab_size, data.num_classes)
        if old_model is not None:
            try:
                model.set_weights(old_model.get_weights())
            except ValueError as exc:
                raise UsageError(f"cannot resume {name!r}: its saved weights do not fit the network ({exc})") from None
            _carry_optimizer_state(old_model, model)
    del old_model
    if cfg.strategy == "multiworker":
        _prebuild_for_multiworker(model, strategy, data.train_ds)
    params = int(model.count_params())

    state: dict[str, Any] = {"epoch": initial_epoch, "step": 0, "steps": _steps(data.train_ds), "cancelled": False,
                             "history": history, "epochs_done": initial_epoch, "saved": resume,
                             "epoch_t0": time.perf_counter(), "batch_t0": time.perf_counter()}

    def bundle_for() -> Bundle:
        metrics = _final_metrics(cfg, state["history"], data, state["epochs_done"], params)
        return Bundle(path=None, config=_bundle_config(cfg, name, data, created), tokenizer=data.tokenizer,
                      model=model, metrics=metrics, history=state["history"])

    def sample_fn(epoch: int) -> tuple[str, str | None]:
        try:
            from hangul_rnn.sampling import generate

            pieces = generate(bundle_for(), cfg.sample_prompt, temperature=cfg.sample_temperature,
                              max_tokens=cfg.sample_chars, seed=cfg.seed + epoch)
            return "".join(pieces), None
        except Exception as exc:  # noqa: BLE001 - a broken sample must not stop training
            return "", f"{type(exc).__name__}: {exc}"

    callbacks, early = _make_callbacks(cfg, name, path, data, emit, cancel, state, sample_fn, bundle_for)
    emit(TrainStarted(cfg, state["steps"], data.tokenizer.vocab_size, params, initial_epoch,
                      data.train_tokens, data.val_tokens))

    interrupted = False
    peer_failure: str | None = None
    if not (cancel is not None and cancel.is_set()):
        try:
            model.fit(data.train_ds, validation_data=data.val_ds, epochs=initial_epoch + cfg.epochs,
                      initial_epoch=initial_epoch, callbacks=callbacks, verbose=0, shuffle=False)
        except KeyboardInterrupt:
            interrupted = True
        except Exception as exc:
            peer_failure = _peer_failure(exc)
            if peer_failure is None:
                raise
            interrupted = True
    else:
        interrupted = True
    cancelled = interrupted or state["cancelled"]
    stopped_early = bool(early is not None and early.stopped_epoch > 0 and not cancelled)

    if cancelled:
        saved_path = path if path.is_dir() and state["saved"] else None
        emit(TrainFinished(saved_path, state["epochs_done"], False, True))
        if peer_failure is not None:
            kept = (f"epoch {state['epochs_done']} is kept in {saved_path}" if saved_path is not None
                    else "no epoch had completed, nothing was saved")
            raise HangulRNNError(f"training stopped: {peer_failure}; {kept}; start every worker again with --resume")
        if saved_path is not None:
            return load_bundle(saved_path)
        return bundle_for()

    if early is not None and early.best_weights is not None and not stopped_early:
        model.set_weights(early.best_weights)  # Keras restores only when it stopped early; we always want the best
    bundle = bundle_for()
    save_bundle(bundle, path)
    emit(TrainFinished(path, state["epochs_done"], stopped_early, False))
    return bundle


# ---------------------------------------------------------------------------------------------------- evaluate


def _batches(ds) -> Iterator[tuple[Any, Any]]:
    for x, y in ds:
        yield x, y


#: The pseudo-split ``evaluate`` knows besides a corpus's own: the share of ``train`` a model held out.
VALIDATION = "validation"


def evaluation_source(bundle: Bundle, split: str) -> tuple[Any, str]:
    """The corpus :func:`evaluate` reads for ``split`` and which of its splits: the split itself where the corpus has
    it, ``train`` for the validation hold-out (and for a generator's validation tail, its fallback for any split the
    corpus lacks). An unknown split of a classifier is a UsageError, raised before anything is read or downloaded."""
    cfg = train_config_from_bundle(bundle)
    spec = str(bundle.config.get("corpus", cfg.corpus))
    corpus = _get_corpus(spec)
    splits = tuple(getattr(corpus, "splits", ("train",)))
    if bundle.task == "generator":
        return corpus, split if split != "train" and split in splits else "train"
    if split == VALIDATION:
        return corpus, "train"
    if split not in splits:
        raise UsageError(f"corpus {spec!r} has no split {split!r} (it has: {', '.join(splits)}, or {VALIDATION})")
    return corpus, split


def _classifier_examples(bundle: Bundle, split: str, limit: int | None) -> list[tuple[str, int]]:
    """The labelled examples of ``split``; ``"validation"`` is the exact hold-out the bundle was trained beside."""
    cfg = train_config_from_bundle(bundle)
    corpus, source = evaluation_source(bundle, split)
    if split == VALIDATION:
        if not cfg.validation_fraction:
            raise UsageError(f"model {bundle.name!r} was trained without a validation hold-out")
        from hangul_rnn.windows import validation_split

        train_examples = list(islice(corpus.examples(source), cfg.limit))
        val_idx, _ = validation_split(len(train_examples), cfg.validation_fraction, cfg.seed)
        held_out = [train_examples[i] for i in val_idx]
        return [(t, int(y)) for t, y in islice(held_out, limit)]
    examples = [(t, int(y)) for t, y in islice(corpus.examples(source), limit)]
    if not examples:
        raise UsageError(f"split {split!r} of {cfg.corpus!r} has no examples")
    return examples


def _classification_metrics(probs, labels: list[int], split: str, label_names: list[str]) -> dict:
    import numpy as np

    n_classes = probs.shape[-1]
    y = np.asarray(labels, dtype=np.int64)
    pred = probs.argmax(axis=-1)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    valid = (y >= 0) & (y < n_classes)
    np.add.at(confusion, (y[valid], pred[valid]), 1)
    p_true = np.clip(probs[np.arange(len(y)), np.clip(y, 0, n_classes - 1)], 1e-12, 1.0)
    count = len(y)
    return {
        "task": "classifier",
        "split": split,
        "examples": count,
        "accuracy": float(np.trace(confusion) / max(count, 1)),
        "loss": float(-np.log(p_true).sum()) / max(count, 1),
        "confusion": confusion.tolist(),
        "label_names": label_names or [str(i) for i in range(n_classes)],
    }


#: Texts scored per step of a classifier evaluation: progress is reported (and Ctrl-C lands) between steps.
_EVAL_CHUNK = 2000

#: ``progress(done, total)`` of an evaluation: examples (times members, for an ensemble) or tokens of a generator.
EvalProgress = Callable[[int, int], None]


def _chunked_probabilities(source: Any, texts: list[str], progress: EvalProgress | None, *, offset: int = 0,
                           total: int | None = None):
    """:func:`hangul_rnn.scoring.probabilities` a chunk at a time, so that scoring 50K reviews (stemming included,
    a minute or more) shows how far it has got."""
    import numpy as np

    from hangul_rnn.scoring import probabilities

    total = len(texts) if total is None else total
    parts = []
    for start in range(0, len(texts), _EVAL_CHUNK):
        parts.append(probabilities(source, texts[start : start + _EVAL_CHUNK]))
        if progress is not None:
            progress(offset + start + len(parts[-1]), total)
    return np.concatenate(parts, axis=0)


def evaluate(bundle: Bundle, *, split: str = "test", limit: int | None = None,
             progress: EvalProgress | None = None) -> dict:
    """Score a bundle on held-out data.

    Classifiers: accuracy, loss and confusion matrix (rows = true label, columns = predicted) on the corpus's
    ``split``, or on ``"validation"``, the examples held out of ``train`` while training. Generators: loss,
    perplexity, bits per token and per character on ``split`` where the corpus has it (and it is not ``train``),
    else on the validation tail of the training text, cut as in training. ``progress(done, total)`` is called as
    examples (classifiers) or tokens (generators) are scored.
    """
    import numpy as np

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    cfg = train_config_from_bundle(bundle)
    model = bundle.model
    tok = bundle.tokenizer

    if bundle.task == "classifier":
        examples = _classifier_examples(bundle, split, limit)
        probs = _chunked_probabilities(bundle, [t for t, _ in examples], progress)
        return _classification_metrics(probs, [y for _, y in examples], split, bundle.label_names)

    corpus, read = evaluation_source(bundle, split)
    import keras

    if read != "train":
        text = generator_text(corpus, limit, read)
        source = read
    else:
        _, text = split_tail(generator_text(corpus, cfg.limit), cfg.validation_fraction)
        if limit is not None:
            text = "\n".join(text.split("\n")[:limit])
        source = "validation tail"
    ids = tok.encode(text) if text else []
    if len(ids) < cfg.seq_len + 1:
        raise UsageError(f"the {source} of {cfg.corpus!r} has {len(ids)} tokens, fewer than one window "
                         f"(seq_len {cfg.seq_len}); nothing to evaluate")
    ds = _generation_windows(ids, replace(cfg, stride=None), shuffle=False)
    total, n = 0.0, 0
    targets = len(ids) - 1  # every token but the first is predicted once (windows do not overlap here)
    for x, y in _batches(ds):
        logits = model(x, training=False)
        losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        losses = np.asarray(losses, dtype=np.float64)
        total += float(losses.sum())
        n += losses.size
        if progress is not None:
            progress(min(n, targets), targets)
    loss = total / max(n, 1)
    return {"task": "generator", "split": source, "tokens": len(ids), "characters": len(text), "loss": loss,
            **generator_metrics(loss, len(ids), len(text))}


def _hold_out(bundle: Bundle) -> tuple:
    cfg = train_config_from_bundle(bundle)
    return cfg.seed, cfg.validation_fraction, cfg.limit


def evaluate_ensemble(bundles: list[Bundle], *, split: str = "test", limit: int | None = None,
                      progress: EvalProgress | None = None) -> dict:
    """Score classifiers together as a :class:`hangul_rnn.scoring.Ensemble` (class probabilities averaged, each
    member reading the text with its own tokenizer) and list each member's own accuracy beside the ensemble's.

    All must be classifiers of the same corpus with the same labels; on ``"validation"`` they must also have held
    out the same examples, or one would be scored on what another was trained on.
    """
    from hangul_rnn.scoring import Ensemble

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    ensemble = Ensemble(bundles)  # checks: at least one, classifiers only, the same labels
    check_same_source([(b.name, b.config) for b in bundles])
    first = bundles[0]
    for b in bundles[1:]:
        if split == VALIDATION and _hold_out(b) != _hold_out(first):
            raise UsageError(f"models {first.name!r} and {b.name!r} held out different validation examples "
                             "(seed, validation share or limit differ): one was trained on the other's")
    examples = _classifier_examples(first, split, limit)
    texts, labels = [t for t, _ in examples], [y for _, y in examples]
    work = len(texts) * len(ensemble.members)
    member_probs = [_chunked_probabilities(b, texts, progress, offset=i * len(texts), total=work)
                    for i, b in enumerate(ensemble.members)]
    members = [{"model": b.name, "accuracy": _classification_metrics(p, labels, split, [])["accuracy"]}
               for b, p in zip(ensemble.members, member_probs)]
    result = _classification_metrics(sum(member_probs) / len(member_probs), labels, split, first.label_names)
    return {**result, "members": members}


def train_config_from_bundle(bundle: Bundle) -> TrainConfig:
    """The TrainConfig a bundle was trained with (defaults for anything an older bundle lacks)."""
    return TrainConfig.from_dict(dict(bundle.config.get("hyperparameters") or {}))


__all__ = [
    "TrainConfig", "DataProgress", "TrainStarted", "BatchEnded", "EpochEnded", "SampleWritten", "CheckpointSaved", "TrainFinished",
    "Event", "train", "evaluate", "evaluate_ensemble", "make_strategy", "build_model", "generator_metrics", "split_tail",
]
