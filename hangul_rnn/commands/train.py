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

from hangul_rnn.commands._console import err_console, out_console

from hangul_rnn.config import TASK_DEFAULTS, TrainConfig, default_stem

_BASE = TrainConfig()  # defaults that do not depend on the task


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a generator or a sentiment classifier")
    sub = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for task, help_text in (("generator", "next-token text generator"), ("classifier", "text classifier")):
        p = sub.add_parser(task, help=help_text)
        d = TASK_DEFAULTS[task]
        p.add_argument("--corpus", default=d["corpus"], help=f"nsmc, annals, text:PATH or tsv:PATH (default {d['corpus']})")
        p.add_argument("--name", default=None, help="model name (default CORPUS-LEVEL-TASK)")
        p.add_argument("--level", default=d["level"], help="jamo, syllable or word")
        p.add_argument("--stem", default=None,
                       help="word stems: truncate, morph (content morphemes), morph-all (every morpheme) or none "
                            f"(default at --level word: {d['stem'] or 'none'})")
        p.add_argument("--truncate-to", type=int, default=5, help="characters kept by --stem truncate")
        p.add_argument("--cell", default="lstm", help="lstm, gru or rnn")
        p.add_argument("--layers", type=int, default=1)
        p.add_argument("--units", type=int, default=d["units"])
        p.add_argument("--embedding-dim", type=int, default=d["embedding_dim"])
        p.add_argument("--dropout", type=float, default=d["dropout"])
        p.add_argument("--recurrent-dropout", type=float, default=0.0)
        p.add_argument("--seq-len", type=int, default=d["seq_len"], help="generator window in tokens")
        p.add_argument("--max-len", type=int, default=d["max_len"], help="classifier length in tokens")
        p.add_argument("--batch-size", type=int, default=d["batch_size"])
        p.add_argument("--epochs", type=int, default=d["epochs"], help="epochs to run (more epochs with --resume)")
        p.add_argument("--lr", type=float, default=d["learning_rate"], help="learning rate")
        p.add_argument("--max-vocab", type=int, default=d["max_vocab"])
        p.add_argument("--min-count", type=int, default=1)
        p.add_argument("--validation", type=float, default=0.05, help="share held out for validation")
        p.add_argument("--patience", type=int, default=d["patience"], help="early-stopping patience (0: off)")
        p.add_argument("--limit", type=int, default=None, help="read at most N documents/lines")
        p.add_argument("--strategy", default="default", help="default, mirrored or multiworker")
        p.add_argument("--seed", type=int, default=_BASE.seed)
        p.add_argument("--resume", action="store_true", help="continue the model NAME from its last epoch")
        p.add_argument("--overwrite", action="store_true", help="replace an existing model NAME")
        p.add_argument("--clipnorm", type=float, default=5.0, help="clip the gradient norm to this (0: no clipping)")
        p.add_argument("--lr-schedule", default=d["lr_schedule"] or "none", choices=("none", "plateau", "cosine"),
                       help="constant; plateau: halve when val loss stops falling; cosine: warm up, decay to 2%%")
        p.add_argument("--steps-per-epoch", type=int, default=d["steps_per_epoch"],
                       help="batches per epoch (checkpoint, validation and sample that often); default: one pass")
        if task == "generator":
            p.add_argument("--stateful", action=argparse.BooleanOptionalAction, default=d["stateful"],
                           help="truncated BPTT: each batch row reads one stream, the state carried between "
                                "windows (learns context longer than --seq-len); --no-stateful: shuffled windows")
            p.add_argument("--sample-chars", type=int, default=200, help="tokens sampled after each epoch (0: off)")
            p.add_argument("--sample-prompt", default="")
        else:
            p.add_argument("--bidirectional", action="store_true")
            p.add_argument("--conv-filters", type=int, default=0, help="Conv1D front filters (0: none)")
            p.add_argument("--pooling", default=None, help="last, max or mean")
            p.add_argument("--init-from", default=None, metavar="GENERATOR",
                           help="start from this generator's tokenizer, embedding and recurrent layers "
                                "(its level, stems, cell, units and layers apply; contradicting them is an error)")
            p.add_argument("--freeze-epochs", type=int, default=0, metavar="N",
                           help="with --init-from: train the new head alone for N epochs, then everything")
            _record_explicit(p)
        p.set_defaults(handler=_train)


def _record_explicit(parser: argparse.ArgumentParser) -> None:
    """Make the options a generator decides (level, cell, units, ...) note on the namespace that they were given.

    Why: with --init-from, an option left at its default is simply taken from the generator, but one the user typed
    and the generator contradicts must be refused; argparse alone cannot tell the two apart.
    """
    from hangul_rnn.transfer import INHERITED

    parser.set_defaults(explicit_options=frozenset())
    for action in parser._actions:  # argparse has no public list of a parser's actions
        if action.dest in INHERITED:
            action.__class__ = _recording(type(action))


_RECORDING: dict[type, type] = {}


def _recording(cls: type) -> type:
    if cls not in _RECORDING:
        def __call__(self, parser, namespace, values, option_string=None):
            cls.__call__(self, parser, namespace, values, option_string)
            namespace.explicit_options = frozenset(getattr(namespace, "explicit_options", ())) | {self.dest}

        _RECORDING[cls] = type(f"Recording{cls.__name__}", (cls,), {"__call__": __call__})
    return _RECORDING[cls]


def config_from_args(args: argparse.Namespace):
    """The TrainConfig the options describe (validated)."""
    if args.stem is None:
        stem = default_stem(args.task, args.level)
    else:
        stem = None if args.stem in ("none", "") else args.stem
    config = TrainConfig(
        task=args.task,
        corpus=args.corpus,
        level=args.level,
        stem=stem,
        truncate_to=args.truncate_to,
        cell=args.cell,
        layers=args.layers,
        units=args.units,
        embedding_dim=args.embedding_dim,
        dropout=args.dropout,
        recurrent_dropout=args.recurrent_dropout,
        bidirectional=getattr(args, "bidirectional", False),
        conv_filters=getattr(args, "conv_filters", 0),
        pooling=getattr(args, "pooling", None),
        seq_len=args.seq_len,
        max_len=args.max_len,
        batch_size=args.batch_size,
        epochs=args.epochs,
        learning_rate=args.lr,
        max_vocab=args.max_vocab,
        min_count=args.min_count,
        validation_fraction=args.validation,
        patience=args.patience,
        seed=args.seed,
        strategy=args.strategy,
        limit=args.limit,
        clipnorm=args.clipnorm,
        lr_schedule=None if args.lr_schedule == "none" else args.lr_schedule,
        steps_per_epoch=args.steps_per_epoch,
        stateful=getattr(args, "stateful", False),
        sample_chars=getattr(args, "sample_chars", _BASE.sample_chars),
        sample_prompt=getattr(args, "sample_prompt", ""),
        init_from=getattr(args, "init_from", None),
        freeze_epochs=getattr(args, "freeze_epochs", 0),
    )
    if not config.init_from:
        return config.validate()
    # Options typed on the command line that contradict the generator are refused here; the others are the
    # generator's (checked before validate: the classifier's default --stem morph-all must not clash with a
    # syllable generator's level first).
    from hangul_rnn.transfer import inherit, load_generator

    return inherit(config, load_generator(config.init_from), explicit=getattr(args, "explicit_options", ()))


def default_name(args: argparse.Namespace) -> str:
    corpus = args.corpus.split(":", 1)[-1]
    corpus = corpus.rsplit("/", 1)[-1].split(".", 1)[0] or "corpus"
    return f"{corpus}-{args.level}-{args.task}"


class _Renderer:
    """Draws training events: a transient rich bar per epoch on stderr, summary lines on stdout."""

    def __init__(self, epochs: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.epochs = epochs
        self.final_epoch = epochs
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self.task_id = None
        self.stage: str | None = None
        self.steps = None
        self.last_bundle = None
        self.cancelled = False
        self.stopped_early = False

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, event) -> None:
        kind = type(event).__name__
        if kind == "DataProgress":
            if self.task_id is not None and self.stage != event.stage:  # a new stage gets a bar of its own
                self.progress.remove_task(self.task_id)
                self.task_id = None
            self.stage = event.stage
            if self.task_id is None:
                self.task_id = self.progress.add_task("", total=event.total, info="")
            self.progress.update(self.task_id, completed=event.done, total=event.total,
                                 description=event.stage)
            return
        if kind == "TrainStarted":
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
        elif kind == "BatchEnded":
            if self.task_id is None:
                self.task_id = self.progress.add_task("", total=event.steps, info="")
            self.progress.update(self.task_id, completed=event.step, total=event.steps,
                                 description=f"epoch {event.epoch + 1}/{self.final_epoch}",
                                 info=f"loss {event.loss:.4f} · {event.tokens_per_s:,.0f} tok/s")
        elif kind == "EpochEnded":
            if self.task_id is not None:
                self.progress.remove_task(self.task_id)
                self.task_id = None
            logs = event.logs
            parts = [f"loss {logs['loss']:.4f}"] if "loss" in logs else []
            for key in ("val_loss", "accuracy", "val_accuracy"):
                if key in logs:
                    parts.append(f"{key.replace('_', ' ')} {logs[key]:.4f}")
            out_console.print(f"epoch {event.epoch + 1}/{self.final_epoch}: {' · '.join(parts)} "
                              f"({event.seconds:.1f}s)", highlight=False)
        elif kind == "SampleWritten":
            if event.error:
                err_console.print(f"[yellow]sample failed:[/] {event.error}", highlight=False)
            else:
                out_console.print("  sample: ", end="", highlight=False)
                out_console.print(event.text.replace("\n", " ⏎ "), markup=False, highlight=False)
        elif kind == "CheckpointSaved":
            self.last_bundle = event.path
        elif kind == "TrainFinished":
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
    from hangul_rnn.bundle import check_name
    from hangul_rnn.training import train

    config = config_from_args(args)
    args.level = config.level  # the default name says the level trained, a generator's with --init-from
    name = check_name(args.name or default_name(args))
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
