"""``hangul-rnn train generator|classifier``: train a model and save it as a bundle, with live progress.

The handler builds a :class:`hangul_rnn.config.TrainConfig` from the options and renders the training events
with rich: a bar per epoch (loss, tokens/s) on stderr, a line per epoch with train/val loss and the sample text,
and a final summary. Ctrl-C stops at the current batch; the last complete epoch's bundle stays on disk.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import TaskID

from hangul_rnn.commands._console import err_console, out_console
from hangul_rnn.config import (
    CELLS,
    CLASSIFIER_CELLS,
    LEVELS,
    LR_SCHEDULES,
    OPTIMIZERS,
    PADDINGS,
    POOLINGS,
    STEMS,
    STRATEGIES,
    TARGETS,
    TASKS,
    UNFREEZE_MODES,
    TrainConfig,
    default_config,
    default_stem,
)
from hangul_rnn.events import (
    BatchEnded,
    CheckpointSaved,
    DataProgress,
    EmbeddingsLoaded,
    EpochEnded,
    Event,
    SampleWritten,
    SoftLabelsLoaded,
    TrainFinished,
    TrainStarted,
    ValidationProgress,
)
from hangul_rnn.formatting import duration

_TASK_HELP = {"generator": "next-token text generator", "classifier": "text classifier (sentiment)"}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: X)" to every option that has a value; flags and options whose help already says what
    their absent value means (``--name``, ``--limit``) are left as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if "(default" in help_text or action.default is None or isinstance(action.default, bool):
            return help_text
        return super()._get_help_string(action) or help_text


def _choices(options: tuple) -> list[str]:
    """An option list from hangul_rnn.config as argparse choices (None is spelled "none")."""
    return ["none" if o is None else o for o in options]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a generator or a sentiment classifier",
                                   description="Train a model and save it as a bundle (see `hangul-rnn models`).")
    sub = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for task in TASKS:
        p = sub.add_parser(task, help=_TASK_HELP[task], description=f"Train a {_TASK_HELP[task]}.",
                           formatter_class=_HelpFormatter)
        _add_options(p, task, default_config(task))
        _add_recipe_option(p, task)
        _record_explicit(p)
        p.set_defaults(handler=_train)


def _add_options(p: argparse.ArgumentParser, task: str, d: TrainConfig) -> None:
    """The options of ``train TASK``, defaults from hangul_rnn.config; task-specific ones only under their task.

    Long on purpose: one flat table of flags, read as ``--help`` reads, in the order it prints; splitting it by
    group would only move lines apart.
    """
    data = p.add_argument_group("data and tokens")
    data.add_argument("--corpus", default=d.corpus, help="nsmc, annals, text:PATH or tsv:PATH")
    data.add_argument("--level", default=d.level, choices=LEVELS, help="token unit")
    data.add_argument("--stem", default=None, choices=_choices(STEMS),
                      help="word stems (--level word): truncate (first --truncate-to characters), morph (Kiwi "
                           f"content morphemes), morph-all (every morpheme) or none (default: {d.stem or 'none'} "
                           "for --level word; other levels have no stems)")
    data.add_argument("--truncate-to", type=int, default=d.truncate_to, help="characters kept by --stem truncate")
    data.add_argument("--max-vocab", type=int, default=d.max_vocab,
                      help="keep the N most frequent tokens (default: all)")
    data.add_argument("--min-count", type=int, default=d.min_count, help="drop tokens seen fewer times")
    data.add_argument("--limit", type=int, default=d.limit,
                      help="read at most N documents/lines, for a quick run (default: all)")
    data.add_argument("--validation", type=float, default=d.validation_fraction,
                      help="share of the training data held out for validation")
    if task == "generator":
        data.add_argument("--seq-len", type=int, default=d.seq_len, help="training window, in tokens")
        data.add_argument("--stride", type=int, default=d.stride,
                          help="tokens between window starts (default: --seq-len)")
        data.add_argument("--targets", default=d.targets, choices=TARGETS,
                          help="learn the next token at every position of a window, or only after its last")
    else:
        data.add_argument("--max-len", type=int, default=d.max_len,
                          help="tokens per document (longer ones are cut, shorter ones padded)")
        data.add_argument("--padding", default=d.padding, choices=PADDINGS, help="pad before or after the text")
        data.add_argument("--truncating", default=d.truncating, choices=PADDINGS,
                          help="cut a long text's beginning (pre: keep its end) or its end (post)")
        data.add_argument("--hash-buckets", type=int, default=d.hash_buckets, metavar="N",
                          help="the hashing trick: hash tokens into N embedding rows instead of fitting a vocabulary "
                               "(--max-vocab and --min-count then do nothing; 0: off)")
        data.add_argument("--drop-unknown", action=argparse.BooleanOptionalAction, default=d.drop_unknown,
                          help="drop words outside the vocabulary (as Keras' Tokenizer does) instead of <unk>")
        data.add_argument("--soft-labels", default=d.soft_labels, metavar="FILE",
                          help="also learn from a teacher's probabilities for unlabelled texts, a file 'hangul-rnn "
                               "label' wrote (knowledge distillation): training side only, never validation; texts "
                               "equal to a labelled one are dropped (default: none)")

    net = p.add_argument_group("network")
    net.add_argument("--cell", default=d.cell, choices=CELLS if task == "generator" else CLASSIFIER_CELLS,
                     help="recurrent cell" if task == "generator" else
                     "recurrent cell, or a non-recurrent baseline: bag (mean of embeddings), flatten (feed-forward "
                     "over --max-len embeddings), conv (two Conv1D, global max pooling; --units filters)")
    net.add_argument("--layers", type=int, default=d.layers, help="stacked recurrent layers")
    net.add_argument("--units", type=int, default=d.units, help="units per recurrent layer")
    net.add_argument("--embedding-dim", type=int, default=d.embedding_dim, help="token embedding size")
    net.add_argument("--dropout", type=float, default=d.dropout, help="dropout on the recurrent layers' inputs")
    net.add_argument("--recurrent-dropout", type=float, default=d.recurrent_dropout,
                     help="dropout on the recurrent state (slower: no fused kernel)")
    net.add_argument("--embeddings", default=d.embeddings, metavar="FILE",
                     help="start the embedding rows of the tokens this word2vec/fastText/GloVe text file (.gz too) "
                          "has from its vectors; its dimension replaces --embedding-dim (default: none, a random "
                          "start)")
    net.add_argument("--freeze-embeddings", action="store_true",
                     help="keep the --embeddings rows fixed while training (kept on --resume)")
    net.add_argument("--layer-dropout", type=float, default=d.layer_dropout,
                     help="a Dropout layer between stacked recurrent layers")
    if task == "generator":
        net.add_argument("--tie-embeddings", action=argparse.BooleanOptionalAction, default=d.tie_embeddings,
                         help="score the next token with the input embedding transposed (plus a bias) instead of "
                              "a separate output layer; a linear projection maps --units to --embedding-dim when "
                              f"they differ (default: {'on' if d.tie_embeddings else 'off'})")
    if task == "classifier":
        net.add_argument("--bidirectional", action="store_true", help="read each document in both directions")
        net.add_argument("--conv-filters", type=int, default=d.conv_filters,
                         help="filters of a Conv1D front before the recurrent layers (0: none)")
        net.add_argument("--conv-kernel", type=int, default=d.conv_kernel, help="Conv1D window, in tokens")
        net.add_argument("--pool-size", type=int, default=d.pool_size, help="MaxPooling1D size after a Conv1D")
        net.add_argument("--hidden-units", type=int, default=d.hidden_units,
                         help="a Dense(relu) layer of N units before the output layer (0: none)")
        net.add_argument("--hidden-dropout", type=float, default=d.hidden_dropout,
                         help="dropout after the hidden Dense layer")
        net.add_argument("--mask", dest="mask_padding", action=argparse.BooleanOptionalAction,
                         default=d.mask_padding,
                         help="skip padding in recurrent layers; --no-mask reads it as input (Keras' default)")
        net.add_argument("--bucket", action=argparse.BooleanOptionalAction, default=d.bucket,
                         help="batch texts of similar length, each batch padded to its longest text rather than "
                              "to --max-len: the same model, far fewer padded steps on short reviews")
        net.add_argument("--pooling", default=None, choices=_choices(POOLINGS)[1:],
                         help="how the last layer's outputs become one vector: the last real token, max or mean "
                              "over time, or concat: all three side by side (ULMFiT) (default: last)")
        net.add_argument("--init-from", default=None, metavar="GENERATOR",
                         help="start from this generator's tokenizer, embedding and recurrent layers (its level, "
                              "stems, cell, units and layers apply; contradicting them is an error) (default: none, "
                              "random weights)")
        net.add_argument("--freeze-epochs", type=int, default=d.freeze_epochs, metavar="N",
                         help="with --init-from: train the new head alone for N epochs, then everything")
        net.add_argument("--unfreeze", default=d.unfreeze, choices=UNFREEZE_MODES,
                         help="with --init-from, after --freeze-epochs: all: every transferred layer at once; "
                              "gradual: one more per epoch from the top, the embedding last (ULMFiT) (default: all)")
        net.add_argument("--lr-decay-per-layer", type=float, default=d.lr_decay_per_layer, metavar="F",
                         help="with --init-from: the head learns at --lr, the top recurrent layer at lr/F, the next "
                              "lower at lr/F^2, ..., the embedding lowest (ULMFiT: 2.6) (default: 1, off)")

    fit = p.add_argument_group("fitting")
    fit.add_argument("--epochs", type=int, default=d.epochs, help="epochs to run (more epochs with --resume)")
    fit.add_argument("--batch-size", type=int, default=d.batch_size, help="examples per training step")
    fit.add_argument("--lr", type=float, default=d.learning_rate, help="learning rate")
    fit.add_argument("--optimizer", default=d.optimizer, choices=OPTIMIZERS, help="gradient descent method")
    fit.add_argument("--patience", type=int, default=d.patience,
                     help="stop after N epochs without a better validation loss (0: never stop early)")
    fit.add_argument("--lr-schedule", default=d.lr_schedule or "none", choices=_choices(LR_SCHEDULES),
                     help="none: constant; plateau: halve when val loss stops falling; cosine: warm up, decay to 2%%")
    fit.add_argument("--clipnorm", type=float, default=d.clipnorm, help="clip the gradient norm to this (0: off)")
    fit.add_argument("--steps-per-epoch", type=int, default=d.steps_per_epoch,
                     help="batches per epoch: checkpoint, validation and sample that often (default: one pass)")
    fit.add_argument("--strategy", default=d.strategy, choices=STRATEGIES,
                     help="tf.distribute strategy: one device, several local GPUs, or several machines (TF_CONFIG)")
    fit.add_argument("--seed", type=int, default=d.seed, help="random seed for data order and initial weights")
    if task == "generator":
        fit.add_argument("--stateful", action=argparse.BooleanOptionalAction, default=d.stateful,
                         help="truncated BPTT: each batch row reads one stream, the state carried between windows "
                              "(learns context longer than --seq-len); --no-stateful: shuffled windows")
        fit.add_argument("--sample-chars", type=int, default=d.sample_chars,
                         help="tokens sampled after each epoch to show progress (0: off)")
        fit.add_argument("--sample-prompt", default=d.sample_prompt,
                         help="text the per-epoch sample continues (default: a new line)")
        fit.add_argument("--sample-temperature", type=float, default=d.sample_temperature,
                         help="temperature of the per-epoch sample (0: greedy, always the likeliest token)")

    out = p.add_argument_group("the saved model")
    out.add_argument("--name", default=None, help="model name (default: CORPUS-LEVEL-TASK)")
    out.add_argument("--resume", action="store_true", help="continue the model NAME from its last epoch")
    out.add_argument("--overwrite", action="store_true", help="replace an existing model NAME")
    out.add_argument("--force", action="store_true",
                     help="allow NAME to be a shipped model's name (the new model then hides the shipped one)")


def _add_recipe_option(p: argparse.ArgumentParser, task: str) -> None:
    """``--recipe NAME``: the task's recipes from hangul_rnn.recipes, each listed with its summary."""
    from hangul_rnn.recipes import RECIPES, recipe_names

    names = recipe_names(task)
    if not names:
        return
    listed = "; ".join(f"{n}: {RECIPES[n].summary}" for n in names).replace("%", "%%")
    p.add_argument("--recipe", default=None, choices=names,
                   help=f"start from a named setup; options given beside it win ({listed}) (default: none)")


#: Option names (argparse dests) whose TrainConfig field is named differently.
_FIELD_OF = {"lr": "learning_rate", "validation": "validation_fraction"}
#: Options that are not TrainConfig fields.
_NOT_FIELDS = {"command", "handler", "name", "resume", "overwrite", "force", "before_tensorflow", "explicit_options",
               "recipe"}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the options describe (validated); an option the task does not have keeps its default."""
    values = {_FIELD_OF.get(k, k): v for k, v in vars(args).items() if k not in _NOT_FIELDS}
    stem_decided = False  # by a recipe: its None means no stems, not "the task's default"
    if getattr(args, "recipe", None):
        from hangul_rnn.recipes import RECIPES, apply_recipe

        given = {_FIELD_OF.get(k, k) for k in getattr(args, "explicit_options", ())}
        values = apply_recipe(args.recipe, args.task, values, given)
        stem_decided = "stem" in RECIPES[args.recipe].overrides
    if values.get("stem") is None and not stem_decided:
        # not given: the task's default stem, which only a word-level model has
        values["stem"] = default_stem(args.task, values["level"])
    for option in ("stem", "lr_schedule"):  # "none" on the command line, None in the config
        if values.get(option) in ("none", ""):
            values[option] = None
    config = TrainConfig.from_dict(values)
    if not config.init_from:
        return config.validate()
    # Options typed on the command line that contradict the generator are refused here; the others are the
    # generator's (checked before validate: the classifier's default --stem morph-all must not clash with a
    # syllable generator's level first).
    from hangul_rnn.transfer import inherit, load_generator

    return inherit(config, load_generator(config.init_from), explicit=getattr(args, "explicit_options", ()))


def _record_explicit(parser: argparse.ArgumentParser) -> None:
    """Make every option note on the namespace that it was given.

    Why: with --init-from, an option left at its default is simply taken from the generator, but one the user typed
    and the generator contradicts must be refused; with --recipe, a typed option beats the recipe and a default does
    not. argparse alone cannot tell the two apart.
    """
    parser.set_defaults(explicit_options=frozenset())
    for action in parser._actions:  # argparse has no public list of a parser's actions
        if action.dest not in ("help", "recipe"):
            action.__class__ = _recording(type(action))


_RECORDING: dict[type, type] = {}


def _recording(cls: type) -> type:
    if cls not in _RECORDING:
        def __call__(self, parser, namespace, values, option_string=None):
            cls.__call__(self, parser, namespace, values, option_string)
            namespace.explicit_options = frozenset(getattr(namespace, "explicit_options", ())) | {self.dest}

        _RECORDING[cls] = type(f"Recording{cls.__name__}", (cls,), {"__call__": __call__})
    return _RECORDING[cls]


def default_name(args: argparse.Namespace) -> str:
    corpus = args.corpus.split(":", 1)[-1]
    corpus = corpus.rsplit("/", 1)[-1].split(".", 1)[0] or "corpus"
    return f"{corpus}-{args.level}-{args.task}"


class _Renderer:
    """Draws training events: a transient rich bar per epoch on stderr, summary lines on stdout."""

    def __init__(self, epochs: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.epochs = epochs
        self.final_epoch = epochs
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TextColumn("·"),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self.task_id: TaskID | None = None
        self.stage: str | None = None
        self.steps: int | None = None
        self.last_bundle: Path | None = None
        self.cancelled = False
        self.stopped_early = False
        self.epoch_seconds: list[float] = []

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, event: Event) -> None:  # noqa: C901 - one branch per event type, each short
        if isinstance(event, DataProgress):
            if self.task_id is not None and self.stage != event.stage:  # a new stage gets a bar of its own
                self.progress.remove_task(self.task_id)
                self.task_id = None
            self.stage = event.stage
            if self.task_id is None:
                self.task_id = self.progress.add_task("", total=event.total, info="")
            self.progress.update(self.task_id, completed=event.done, total=event.total,
                                 description=event.stage)
            return
        if isinstance(event, TrainStarted):
            if self.task_id is not None:
                self.progress.remove_task(self.task_id)
                self.task_id = None
            self.steps = event.steps_per_epoch
            self.final_epoch = event.initial_epoch + event.config.epochs
            resumed = f" · resuming after epoch {event.initial_epoch}" if event.initial_epoch else ""
            err_console.print(
                f"[bold]training[/] {event.config.task} on {event.config.corpus} · vocab {event.vocab_size:,} · "
                f"{event.params:,} parameters · {event.train_tokens:,} train / {event.val_tokens:,} val tokens"
                f"{resumed}"
            )
        elif isinstance(event, BatchEnded):
            if self.task_id is None:
                self.task_id = self.progress.add_task("", total=event.steps, info="")
            self.progress.update(self.task_id, completed=event.step, total=event.steps,
                                 description=f"epoch {event.epoch + 1}/{self.final_epoch}",
                                 info=f"loss {event.loss:.4f} · {event.tokens_per_s:,.0f} tok/s")
        elif isinstance(event, ValidationProgress):  # the bar says so instead of standing still at its end
            if self.task_id is not None:
                self.progress.update(self.task_id, completed=event.step, total=event.steps,
                                     description=f"epoch {event.epoch + 1}/{self.final_epoch} validating", info="")
        elif isinstance(event, EpochEnded):
            if self.task_id is not None:
                self.progress.remove_task(self.task_id)
                self.task_id = None
            logs = event.logs
            parts = [f"loss {logs['loss']:.4f}"] if "loss" in logs else []
            for key in ("val_loss", "accuracy", "val_accuracy"):
                if key in logs:
                    parts.append(f"{key.replace('_', ' ')} {logs[key]:.4f}")
            self.epoch_seconds.append(event.seconds)
            left = self.final_epoch - (event.epoch + 1)
            typical = self.epoch_seconds[1:] or self.epoch_seconds  # the first epoch also builds the graph
            eta = f"; about {duration(left * sum(typical) / len(typical))} left" if left else ""
            out_console.print(f"epoch {event.epoch + 1}/{self.final_epoch}: {' · '.join(parts)} "
                              f"({event.seconds:.1f}s{eta})", highlight=False)
        elif isinstance(event, SampleWritten):
            if event.error:
                err_console.print(f"[yellow]sample failed:[/] {event.error}", highlight=False)
            else:
                out_console.print("  sample: ", end="", highlight=False)
                out_console.print(event.text.replace("\n", " ⏎ "), markup=False, highlight=False)
        elif isinstance(event, CheckpointSaved):
            self.last_bundle = event.path
        elif isinstance(event, (EmbeddingsLoaded, SoftLabelsLoaded)):
            err_console.print(event.line(), highlight=False, markup=False)
        elif isinstance(event, TrainFinished):
            self.cancelled = event.cancelled
            self.stopped_early = event.stopped_early
            if self.task_id is not None:
                self.progress.remove_task(self.task_id)
                self.task_id = None


@contextlib.contextmanager
def _stop_on_sigterm(cancel: threading.Event) -> Iterator[None]:
    """``kill PID`` stops a run like Ctrl-C does, at the next batch, keeping the last epoch: a run started in the
    background (``nohup … &``) ignores Ctrl-C's signal, and a plain kill would lose the epoch under way."""
    try:
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: cancel.set())
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _train(args: argparse.Namespace) -> int:
    from hangul_rnn.catalog import check_name
    from hangul_rnn.training import train

    config = config_from_args(args)
    # --name '' is an error, not a default; without --name a recipe's run is named after the recipe
    name = check_name(args.name if args.name is not None else getattr(args, "recipe", None) or default_name(args))
    from hangul_rnn.shadowing import check_not_shadowing

    check_not_shadowing(name, force=args.force)
    cancel = threading.Event()
    with _Renderer(config.epochs) as render, _stop_on_sigterm(cancel):
        bundle = train(config, name=name, on_event=render, cancel=cancel, resume=args.resume,
                       overwrite=args.overwrite)
    if render.cancelled:
        if bundle.path is None:
            err_console.print("stopped before the first epoch ended; nothing saved")
        else:
            err_console.print(f"stopped; last checkpoint kept at {bundle.path} "
                              f"(after epoch {bundle.metrics.get('epochs_done', 0)})", highlight=False)
        return 130
    out_console.print(f"saved [bold]{bundle.name}[/] → {bundle.path} ({_summary(bundle)})", highlight=False)
    if render.stopped_early:
        out_console.print("stopped early: validation loss stopped improving (best epoch's weights kept)")
    return 0


def _summary(bundle) -> str:
    m = bundle.metrics
    parts = [f"{m.get('epochs_done', 0)} epochs"]
    for key, label in (("val_loss", "val loss"), ("perplexity", "perplexity"), ("bits_per_char", "bits/cleaned char"),
                       ("bits_per_raw_char", "bits/raw char"), ("val_accuracy", "val accuracy")):
        if key in m:
            parts.append(f"{label} {m[key]:.4f}")
    return ", ".join(parts)
