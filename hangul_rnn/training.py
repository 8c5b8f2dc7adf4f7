"""Training: corpus -> tokenizer -> tf.data -> Keras fit -> bundle, with progress events, checkpoints and cancel.

One function, :func:`train`, serves the CLI and the TUI alike. It reports progress as small typed events passed to
``on_event`` (the CLI draws rich bars from them, the TUI a chart) and never prints.

Decisions worth knowing:

- **The bundle is the checkpoint.** After every complete epoch the current weights, tokenizer, history and
  ``metrics["epochs_done"]`` are saved atomically into ``models/NAME``; cancelling (``cancel.set()``, Ctrl-C) stops
  at the next batch and leaves the last complete epoch's bundle untouched. At the end, the best weights by
  validation loss (early stopping restores them) are saved with the final metrics.
- **Validation is the tail of the training data**, never the test split (see :mod:`hangul_rnn.preparation`).
- **Resume** (``resume=True``) reloads the bundle ``NAME``: its corpus, tokenizer, architecture and weights win
  over the new config; the new config's ``epochs`` are *more* epochs on top of ``epochs_done``, and its batch size,
  learning rate, patience and strategy apply. Adam's step count and moments carry over too (slim bundles have
  none, and then the optimizer restarts).
- **Epoch numbers in events are 0-based** (Keras's convention; ``epochs_done`` counts); steps are 1-based (the
  number of batches done in the epoch).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangul_rnn.bundle import MODEL_FILE, Bundle, load_model_bundle, save_bundle
from hangul_rnn.catalog import check_name
from hangul_rnn.config import ARCH_FIELDS, TrainConfig
from hangul_rnn.distribute import is_chief, make_strategy, peer_failure, prebuild_for_multiworker
from hangul_rnn.errors import HangulRNNError, TrainingCancelled, UsageError
from hangul_rnn.evaluation import generator_metrics
from hangul_rnn.events import (
    DataProgress,
    EmbeddingsLoaded,
    Event,
    SoftLabelsLoaded,
    TrainFinished,
    TrainStarted,
)
from hangul_rnn.folder_swap import name_lock, recover
from hangul_rnn.preparation import PreparedData, absolute_spec, prepare_classifier, prepare_generator, steps_of

if TYPE_CHECKING:
    from hangul_rnn.callbacks import RunState


def build_model(cfg: TrainConfig, vocab_size: int, num_classes: int = 2, *, total_steps: int | None = None):
    """Build and compile the network ``cfg`` describes (call inside a strategy scope).

    With ``cfg.stateful`` a generator is built for a fixed batch whose states carry between batches; save and
    sample with :func:`stateless_copy` of it. ``total_steps`` (all the batches the run will fit, earlier epochs of
    a resumed run included) sizes the cosine schedule.
    """
    from hangul_rnn import models

    lr = _learning_rate(cfg, total_steps)
    if cfg.task == "generator":
        model = _generator_network(cfg, vocab_size, stateful_batch=cfg.batch_size if cfg.stateful else None)
        models.compile_generator(model, lr, clipnorm=cfg.clipnorm, optimizer=cfg.optimizer)
    else:
        extra: dict[str, Any] = dict(bidirectional=cfg.bidirectional, conv_filters=cfg.conv_filters,
                                     conv_kernel=cfg.conv_kernel, pool_size=cfg.pool_size, num_classes=num_classes,
                                     hidden_units=cfg.hidden_units, hidden_dropout=cfg.hidden_dropout,
                                     mask_padding=cfg.mask_padding, max_len=cfg.max_len)
        if cfg.pooling is not None:
            extra["pooling"] = cfg.pooling
        model = models.build_classifier(vocab_size, cell=cfg.cell, layers=cfg.layers, units=cfg.units,
                                        embedding_dim=cfg.embedding_dim, dropout=cfg.dropout,
                                        recurrent_dropout=cfg.recurrent_dropout, **extra)
        factors = None
        if cfg.init_from and cfg.lr_decay_per_layer != 1.0:  # discriminative fine-tuning rates
            from hangul_rnn.transfer import layer_rate_factors

            factors = layer_rate_factors(model, cfg.lr_decay_per_layer)
        models.compile_classifier(model, lr, clipnorm=cfg.clipnorm, optimizer=cfg.optimizer, layer_factors=factors,
                                  soft_targets=bool(cfg.soft_labels))
    return model


def _learning_rate(cfg: TrainConfig, total_steps: int | None):
    """The learning rate, or a cosine schedule: a short warm-up to ``cfg.learning_rate``, then decay to 2% of it
    at ``total_steps`` (a decaying rate lets a long run settle; the warm-up keeps Adam's first steps small)."""
    if cfg.lr_schedule != "cosine" or not total_steps:
        return cfg.learning_rate
    import keras

    warmup = min(500, total_steps // 20)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.learning_rate / 10, decay_steps=max(1, total_steps - warmup), alpha=0.02,
        warmup_target=cfg.learning_rate, warmup_steps=warmup)


def _generator_network(cfg: TrainConfig, vocab_size: int, *, stateful_batch: int | None = None):
    """The (uncompiled) generator network ``cfg`` describes: stateless, or stateful over ``stateful_batch`` rows."""
    from hangul_rnn import models

    return models.build_generator(vocab_size, cell=cfg.cell, layers=cfg.layers, units=cfg.units,
                                  embedding_dim=cfg.embedding_dim, dropout=cfg.dropout,
                                  recurrent_dropout=cfg.recurrent_dropout, stateful_batch=stateful_batch,
                                  layer_dropout=cfg.layer_dropout, tie_embeddings=cfg.tie_embeddings)


def stateful_generator(model, cfg: TrainConfig, vocab_size: int, rows: int):
    """A stateful copy of generator ``model`` reading ``rows`` streams at once (states zeroed), for scoring text
    with the state carried; it shares nothing with ``model`` but the weights' values."""
    copy = _generator_network(cfg, vocab_size, stateful_batch=rows)
    copy.set_weights(model.get_weights())
    return copy


def stateless_copy(model, cfg: TrainConfig, vocab_size: int):
    """The stateless generator with ``model``'s weights and its optimizer, for saving and sampling a stateful run
    (the carried states are not weights, so the two models' weights and Adam's moments line up one to one)."""
    copy = _generator_network(cfg, vocab_size)
    copy.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"])
    copy.set_weights(model.get_weights())
    return copy


def _bundle_config(cfg: TrainConfig, name: str, data: PreparedData, created: str | None) -> dict:
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


def _final_metrics(cfg: TrainConfig, history: dict, data: PreparedData, epochs_done: int, params: int) -> dict:
    metrics: dict[str, Any] = {"epochs_done": epochs_done, "params": params, "vocab_size": data.tokenizer.vocab_size,
                               "train_tokens": data.train_tokens, "val_tokens": data.val_tokens}
    monitor = "val_loss" if history.get("val_loss") else "loss"
    values = history.get(monitor) or []
    if not values:
        return metrics
    # the epoch whose weights are saved: the best one, unless early stopping is off (then the last, as trained)
    best = min(range(len(values)), key=lambda i: values[i]) if cfg.patience > 0 else len(values) - 1
    metrics["best_epoch"] = best
    for key, series in history.items():
        if len(series) == len(values):
            metrics[key] = float(series[best])
    if cfg.task == "generator":
        loss = float(metrics.get("val_loss", metrics.get("loss", math.nan)))
        scored = "val_loss" in metrics
        metrics.update(generator_metrics(loss, data.val_tokens if scored else 0,
                                         data.val_chars if scored else 0, data.val_raw_chars if scored else 0))
    return metrics


def _callbacks(cfg: TrainConfig, data: PreparedData, checkpointer: Any) -> tuple[list, Any]:
    """The run's callbacks in order (states reset, events and checkpoints, schedule, early stopping) and the
    early-stopping one, whose best weights the run ends with."""
    import keras

    from hangul_rnn.callbacks import StreamStart

    monitor = "val_loss" if data.val_ds is not None else "loss"
    callbacks: list = [StreamStart()] if cfg.stateful else []
    callbacks.append(checkpointer)
    if cfg.lr_schedule == "plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=0.5, patience=0,
                                                           min_lr=cfg.learning_rate / 64))
    early = None
    if cfg.patience > 0:  # after the checkpointer: the checkpoint saves the epoch's own weights
        early = keras.callbacks.EarlyStopping(monitor=monitor, patience=cfg.patience, restore_best_weights=True)
        callbacks.append(early)
    return callbacks, early


def _carry_optimizer_state(old_model, model, archive: Path | None = None) -> bool:
    """Copy Adam's step count and moment estimates from a checkpoint so a resumed run continues where it stopped.

    A fresh optimizer would restart its bias correction and moments, which shows as a loss bump in the first
    resumed epoch. The learning rate is not copied: a ``--lr`` given on resume applies. Returns False (and the
    optimizer simply restarts) when the checkpoint has no optimizer state, e.g. a slim or shipped bundle, or when
    its variables do not line up with the new optimizer's.

    ``archive`` (the checkpoint's ``model.keras``) serves a checkpoint saved with frozen layers (a fine-tuning
    warm-up): Keras reloads its optimizer built for the trainable weights only and skips the saved state, which the
    archive still holds for every weight, in the order a new optimizer built for all of them has.
    """
    from hangul_rnn.layer_rates import archived_optimizer_state, same_slots

    old_opt = getattr(old_model, "optimizer", None)
    new_opt = getattr(model, "optimizer", None)
    if old_opt is None or new_opt is None or not same_slots(old_opt, new_opt):
        return False
    if not new_opt.built:
        new_opt.build(model.trainable_variables)
    values: list[Any] = [o.value for o in old_opt.variables]
    names_match = all(o.name == n.name for o, n in zip(old_opt.variables, new_opt.variables))
    if (len(values) != len(new_opt.variables) or not names_match) and archive is not None:
        values, names_match = archived_optimizer_state(archive), True
    if not values or len(values) != len(new_opt.variables) or not names_match or any(
            tuple(v.shape) != tuple(n.shape) for v, n in zip(values, new_opt.variables)):
        return False
    for v, n in zip(values, new_opt.variables):
        if n.name != "learning_rate":
            n.assign(v)
    return True


class _PreparationCancelled(Exception):
    """Raised from a progress report to unwind the data preparation when the run is cancelled."""


@dataclass
class _Start:
    """Where a run starts: the config that applies and, when resuming, what the saved bundle brings."""

    cfg: TrainConfig
    path: Path
    resumed: bool = False
    tokenizer: Any = None
    old_model: Any = None
    history: dict[str, list[float]] = field(default_factory=dict)
    initial_epoch: int = 0
    label_names: list[str] | None = None
    created: str | None = None
    init: Any = None  # a classifier's starting generator (transfer.InitSource), until its weights are copied
    init_record: dict[str, Any] | None = None  # where the classifier started from, kept in its bundle config
    vectors: Any = None  # embeddings.PretrainedRows of --embeddings, until written into the network
    embeddings_record: dict[str, Any] | None = None  # the vector file and its counts, kept in the bundle config


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
    # The strategy comes first: MultiWorkerMirroredStrategy configures collective ops, which TF refuses once the
    # process has run anything (loading a bundle to resume, seeding, building the data tensors).
    strategy = make_strategy(config.strategy)
    # One run per name: a second run training the same name is refused now, not after both report "saved".
    with name_lock(root / name, enabled=is_chief(strategy)):
        return _train(config, name, root, strategy, emit, on_event, cancel, resume=resume, overwrite=overwrite)


def _train(config: TrainConfig, name: str, root: Path, strategy, emit: Callable[[Event], None],
           on_event: Callable[[Event], None] | None, cancel: threading.Event | None, *, resume: bool,
           overwrite: bool) -> Bundle:
    """:func:`train` once the name's lock is held."""
    recover(root / name)
    start = _resolve(config, name, root / name, resume=resume, overwrite=overwrite)
    if start.cfg.init_from and not start.resumed:
        _start_from_generator(start)
    if start.cfg.embeddings and not start.resumed:  # the file is checked, and its dimension set, before any data
        from hangul_rnn.embeddings import with_file_dimension

        start.cfg = with_file_dimension(start.cfg)
    if start.cfg.soft_labels:  # likewise checked before the corpus is read (or downloaded)
        from hangul_rnn.soft_labels import check_soft_labels

        start.cfg = replace(start.cfg, soft_labels=check_soft_labels(start.cfg.soft_labels))
    if not is_chief(strategy):
        start.path = _worker_path(name)
    import keras

    from hangul_rnn.callbacks import Checkpointer, RunState

    keras.utils.set_random_seed(start.cfg.seed)
    data = _prepare(start, name, emit, on_event, cancel)
    if isinstance(data, Bundle):  # cancelled while preparing a resumed run: it is returned as it was
        return data
    cfg = start.cfg
    if start.init is not None:
        from hangul_rnn.transfer import check_coverage

        check_coverage(start.init, cfg.corpus)
    steps = cfg.steps_per_epoch or steps_of(data.train_ds)
    total_steps = (start.initial_epoch + cfg.epochs) * steps if steps else None
    model, fit_model = _build(start, data, strategy, name, total_steps=total_steps)
    params = int(model.count_params())
    run = RunState(epoch=start.initial_epoch, steps=steps, history=start.history, epochs_done=start.initial_epoch,
                   saved=start.resumed, val_steps=steps_of(data.val_ds) if data.val_ds is not None else None)
    make_bundle = _bundle_maker(start, data, model, run, name, params)
    sample = None
    if cfg.task == "generator" and cfg.sample_chars:
        sample = lambda epoch: _sample(make_bundle(), cfg, epoch)  # noqa: E731
    checkpointer = Checkpointer(run, path=start.path, tokens_per_step=data.tokens_per_step, emit=emit, cancel=cancel,
                                make_bundle=make_bundle, sample=sample)
    callbacks, early = _callbacks(cfg, data, checkpointer)
    if _warming_up(start):
        from hangul_rnn.transfer import Unfreeze

        callbacks.insert(0, Unfreeze(cfg.freeze_epochs, cfg.unfreeze))
    emit(TrainStarted(cfg, run.steps, data.tokenizer.vocab_size, params, start.initial_epoch, data.train_tokens,
                      data.val_tokens))
    failure = _fit(fit_model, data, cfg, start.initial_epoch, callbacks, cancel)
    if failure is not None or run.cancelled:
        return _cancelled(run, start.path, failure, make_bundle, emit)
    return _save_finished(model, early, make_bundle, start.path, run, emit)


def _bundle_maker(start: _Start, data: PreparedData, model, run, name: str, params: int) -> Callable[[], Bundle]:
    """What a checkpoint saves, as a function of the run so far: a stateful network is saved as its stateless copy
    (what generating and scoring read), with the metrics and history up to the last epoch."""
    cfg = start.cfg
    saved_model = stateless_copy(model, cfg, data.tokenizer.vocab_size) if cfg.stateful else model

    def make_bundle() -> Bundle:
        if saved_model is not model:
            saved_model.set_weights(model.get_weights())
        metrics = _final_metrics(cfg, run.history, data, run.epochs_done, params)
        config = _bundle_config(cfg, name, data, start.created)
        if start.init_record:
            config["init_from"] = start.init_record
        if start.embeddings_record:
            config["embeddings"] = start.embeddings_record
        if cfg.soft_labels:
            config["soft_labels"] = {"file": cfg.soft_labels, "examples": data.soft_examples,
                                     "dropped": data.soft_dropped}
        return Bundle(path=None, config=config, tokenizer=data.tokenizer,
                      model=saved_model, metrics=metrics, history=run.history)

    return make_bundle


def _save_finished(model, early, make_bundle: Callable[[], Bundle], path: Path, run, emit) -> Bundle:
    """Save the finished run with its best weights (Keras restores them only when it stopped early)."""
    stopped_early = bool(early is not None and early.stopped_epoch > 0)
    if early is not None and early.best_weights is not None and not stopped_early:
        model.set_weights(early.best_weights)
    bundle = make_bundle()
    save_bundle(bundle, path)
    emit(TrainFinished(path, run.epochs_done, stopped_early, False))
    return bundle


def _resolve(config: TrainConfig, name: str, path: Path, *, resume: bool, overwrite: bool) -> _Start:
    """The start of a fresh run, or of a resumed one: the saved corpus, tokenizer and architecture win over
    ``config``; its batch size, learning rate, patience, schedule and strategy apply."""
    if not resume:
        if path.exists() and not overwrite:
            raise UsageError(f"a model named {name!r} already exists; use --resume to continue it or pick another "
                             "--name")
        return _Start(cfg=config, path=path)
    if not path.is_dir():
        raise UsageError(f"nothing to resume: no model named {name!r} in {path.parent}")
    import warnings

    with warnings.catch_warnings():  # a checkpoint with frozen layers: its optimizer state is read from the archive
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        old = load_model_bundle(path)
    if not isinstance(old, Bundle):  # a saved ensemble has no network of its own to continue
        raise UsageError(f"model {name!r} is an ensemble; resume its members one by one")
    if old.task != config.task:
        raise UsageError(f"model {name!r} is a {old.task}; resume it with 'train {old.task}'")
    saved = dict(old.config.get("hyperparameters") or {})
    saved.setdefault("tie_embeddings", False)  # bundles from before the option: untied, whatever the flags say
    history = {k: list(v) for k, v in old.history.items()}
    return _Start(
        cfg=replace(config, **{k: saved[k] for k in ARCH_FIELDS if k in saved}).validate(), path=path, resumed=True,
        tokenizer=old.tokenizer, old_model=old.model, history=history,
        initial_epoch=int(old.metrics.get("epochs_done", len(history.get("loss", [])))),
        label_names=old.config.get("label_names"), created=old.config.get("created"),
        init_record=old.config.get("init_from"), embeddings_record=old.config.get("embeddings"),
    )


def _start_from_generator(start: _Start) -> None:
    """A classifier starting from a generator: its tokenizer and network fields now, its weights in :func:`_build`."""
    from hangul_rnn.transfer import inherit, load_generator

    assert start.cfg.init_from is not None
    source = load_generator(start.cfg.init_from)
    start.cfg = inherit(start.cfg, source)
    start.tokenizer, start.init, start.init_record = source.tokenizer, source, source.record


def _warming_up(start: _Start) -> bool:
    """Whether a classifier started from a generator begins this run with some transferred layers frozen (the
    head-only warm-up, or gradual unfreezing not yet done)."""
    return bool(start.cfg.init_from) and _trainable_at_start(start) < start.cfg.layers + 1


def _trainable_at_start(start: _Start) -> int:
    """How many transferred layers (the embedding and ``cfg.layers`` recurrent ones) train in the run's first epoch."""
    from hangul_rnn.transfer import trainable_count

    cfg = start.cfg
    return trainable_count(start.initial_epoch, cfg.freeze_epochs, cfg.unfreeze, cfg.layers + 1)


def _worker_path(name: str) -> Path:
    """Where a non-chief worker writes: every worker runs :func:`train` and saves checkpoints, but only the chief's
    bundle is kept (DESIGN §4); the others write to a folder of their own so they never race it."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="hangul-rnn-worker-")) / name


def _prepare(start: _Start, name: str, emit: Callable[[Event], None], on_event: Callable[[Event], None] | None,
             cancel: threading.Event | None) -> PreparedData | Bundle:
    """The data, each stage reported; a cancel during preparation ends the run (see :func:`train`)."""
    cfg = start.cfg

    def report(stage: str, done: int, total: int | None) -> None:
        if cancel is not None and cancel.is_set():
            raise _PreparationCancelled  # every stage reports often, so a cancel is seen within one step of it
        if on_event is not None:
            on_event(DataProgress(stage, done, total))

    try:
        if cfg.task == "generator":
            data = prepare_generator(cfg, start.tokenizer, report)
        else:
            data = prepare_classifier(cfg, start.tokenizer, start.label_names, report)
        if cfg.embeddings and not start.resumed:
            _read_embeddings(start, data.tokenizer, report, emit)
        if cfg.soft_labels:
            emit(SoftLabelsLoaded(Path(cfg.soft_labels), data.soft_examples, data.soft_dropped))
    except _PreparationCancelled:
        kept = start.path if start.resumed and start.path.is_dir() else None
        emit(TrainFinished(kept, start.initial_epoch, False, True))
        if kept is not None:
            return load_model_bundle(kept)
        raise TrainingCancelled(f"cancelled while preparing the data for {name!r}; nothing was saved") from None
    if start.resumed and cfg.task == "classifier" and start.label_names:
        data.num_classes = len(start.label_names)
    if cfg.steps_per_epoch:  # an "epoch" is that many batches: checkpoints and validation come that often
        data.train_ds = data.train_ds.repeat()
    return data


def _read_embeddings(start: _Start, tokenizer: Any, report: Callable[[str, int, int | None], None],
                     emit: Callable[[Event], None]) -> None:
    """The rows of ``--embeddings`` for the tokenizer's vocabulary (specials are neither looked up nor counted)."""
    from hangul_rnn.embeddings import pretrained_rows, read_vectors
    from hangul_rnn.tokenizers import PAD, UNK

    assert start.cfg.embeddings is not None
    tokens = tokenizer.vocab.tokens
    skip = {PAD, UNK, *tokenizer.vocab.specials}
    vectors = read_vectors(start.cfg.embeddings, set(tokens) - skip,
                           progress=lambda done, total: report("reading the word vectors (bytes)", done, total))
    rows = pretrained_rows(tokens, vectors, skip)
    start.vectors, start.embeddings_record = rows, rows.record()
    emit(EmbeddingsLoaded(rows.path, rows.dim, rows.found, len(rows.missing), tuple(rows.missing[:8]),
                          start.cfg.freeze_embeddings))


def _build(start: _Start, data: PreparedData, strategy: Any, name: str, *, total_steps: int | None) -> tuple[Any, Any]:
    """The compiled network, with a resumed run's weights and Adam state, and the model to fit: the network itself,
    or with ``targets="last"`` its :func:`~hangul_rnn.models.last_step_view` (same weights, same optimizer)."""
    with strategy.scope():
        model = build_model(start.cfg, data.tokenizer.vocab_size, data.num_classes, total_steps=total_steps)
        if start.cfg.freeze_embeddings:  # before a resumed run's optimizer state is matched to the trainable weights
            model.get_layer("embedding").trainable = False
        if start.vectors is not None:
            from hangul_rnn.embeddings import set_rows

            set_rows(model, start.vectors)
        if start.old_model is not None:
            try:
                model.set_weights(start.old_model.get_weights())
            except ValueError as exc:
                raise UsageError(f"cannot resume {name!r}: its saved weights do not fit the network ({exc})") from None
            _carry_optimizer_state(start.old_model, model, archive=start.path / MODEL_FILE)
        if start.init is not None:
            from hangul_rnn.transfer import copy_encoder

            copy_encoder(start.init.model, model)
        if _warming_up(start):
            from hangul_rnn.transfer import freeze_for_warmup

            freeze_for_warmup(model, _trainable_at_start(start))
        fit_model = model
        if start.cfg.targets == "last":
            from hangul_rnn import models

            fit_model = models.compile_generator(models.last_step_view(model), optimizer=model.optimizer)
    start.old_model = start.init = start.vectors = None
    if start.cfg.strategy == "multiworker":
        prebuild_for_multiworker(fit_model, strategy, data.train_ds)
    return model, fit_model


def _fit(model: Any, data: PreparedData, cfg: TrainConfig, initial_epoch: int, callbacks: list,
         cancel: threading.Event | None) -> str | None:
    """Run Keras's fit; returns None, "interrupted" (Ctrl-C or a cancel before the start), or a one-line reason
    when another worker of the run stopped answering. Any other error propagates."""
    if cancel is not None and cancel.is_set():
        return "interrupted"
    try:
        model.fit(data.train_ds, validation_data=data.val_ds, epochs=initial_epoch + cfg.epochs,
                  initial_epoch=initial_epoch, steps_per_epoch=cfg.steps_per_epoch, callbacks=callbacks,
                  verbose=0, shuffle=False)
    except KeyboardInterrupt:
        return "interrupted"
    except Exception as exc:
        failure = peer_failure(exc)
        if failure is None:
            raise
        return failure
    return None


def _cancelled(run: RunState, path: Path, failure: str | None, make_bundle: Callable[[], Bundle],
               emit: Callable[[Event], None]) -> Bundle:
    """The end of a cancelled run: the last complete epoch's bundle (or the unsaved model when none completed);
    a peer failure is raised as a one-line error saying what is kept."""
    saved_path = path if path.is_dir() and run.saved else None
    emit(TrainFinished(saved_path, run.epochs_done, False, True))
    if failure is not None and failure != "interrupted":
        kept = (f"epoch {run.epochs_done} is kept in {saved_path}" if saved_path is not None
                else "no epoch had completed, nothing was saved")
        raise HangulRNNError(f"training stopped: {failure}; {kept}; start every worker again with --resume")
    if saved_path is not None:
        return load_model_bundle(saved_path)
    return make_bundle()


def _sample(bundle: Bundle, cfg: TrainConfig, epoch: int) -> tuple[str, str | None]:
    """The per-epoch sample of a generator, and the error that stopped it (training goes on either way)."""
    try:
        from hangul_rnn.sampling import generate

        pieces = generate(bundle, cfg.sample_prompt, temperature=cfg.sample_temperature, max_tokens=cfg.sample_chars,
                          seed=cfg.seed + epoch)
        return "".join(pieces), None
    except Exception as exc:  # noqa: BLE001 - a broken sample must not stop training
        return "", f"{type(exc).__name__}: {exc}"


__all__ = ["train", "build_model"]
