"""The Train tab: a form, a progress bar per epoch, a live loss chart, throughput and the per-epoch sample.

Training runs in a thread worker through :func:`hangul_rnn.training.train` (the same function the CLI calls); its
typed events come back to the UI thread as posted messages (:class:`TrainPane.TrainEvent`: ``post_message`` is
thread-safe and never waits for the screen, so drawing does not slow training; floods of batch events are merged by
:class:`EventRelay`), and the form stays responsive while a model trains. Cancel sets the trainer's cancel event:
it stops at the next batch and the last epoch's bundle stays saved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, ProgressBar, RichLog, Select, Static

from hangul_rnn.config import CELLS, LEVELS, STEMS, TASK_DEFAULTS, TASKS
from hangul_rnn.events import (
    BatchEnded,
    CheckpointSaved,
    DataProgress,
    EpochEnded,
    Event,
    SampleWritten,
    TrainFinished,
    TrainStarted,
)

from .forms import FormError, int_field
from .loss_chart import LossChart

#: How the option values read in the form; the values themselves come from hangul_rnn.config.
_STEM_LABELS = {"truncate": "truncate to 5", "morph": "content morphemes", "morph-all": "all morphemes", None: "none"}
_CELL_LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "simple RNN"}


def corpus_options() -> list[tuple[str, str]]:
    """The built-in corpora from the registry (their manifests), then a file of one's own."""
    from hangul_rnn.corpora import list_corpora

    built_in = [(f"{m.name}: {m.description.split(',')[0].split(' (')[0][:32]}", m.name) for m in list_corpora()]
    return built_in + [("a file (path below)", "file")]


class EventRelay:
    """Passes a run's events on, merging floods of batch events: a fast run ends hundreds of batches a second, more
    than a screen can show, so a batch event within ``interval`` seconds of the last one passed is held, and only
    the latest held one is passed on, just before the next event of any other kind (the epoch's end, say)."""

    def __init__(self, post: Callable[[Event], None], interval: float = 0.1) -> None:
        self._post, self.interval = post, interval
        self._last = float("-inf")
        self._held: BatchEnded | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, BatchEnded):
            now = time.monotonic()
            if now - self._last < self.interval:
                self._held = event
                return
            self._last, self._held = now, None
        elif self._held is not None:
            self._post(self._held)
            self._held = None
        self._post(event)


def _stem_value(stem: str | None) -> str:
    return "none" if stem is None else stem


class TrainPane(Vertical):
    """Form on the left, live run on the right."""

    class Finished(Message):
        """Posted when a run ends (done, cancelled or failed) so the model list can refresh."""

        def __init__(self, bundle_path: Path | None) -> None:
            super().__init__()
            self.bundle_path = bundle_path

    class TrainEvent(Message):
        """One event of the run, posted from the worker thread."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cancel: threading.Event | None = None
        self._steps = 1
        self._epochs = 1

    def compose(self) -> ComposeResult:
        def field(label: str, widget) -> Horizontal:
            return Horizontal(Label(label), widget, classes="field")

        start = TASK_DEFAULTS["generator"]
        with Horizontal():
            with VerticalScroll(id="train-form", classes="form"):
                yield field("task", Select([(t, t) for t in TASKS], value="generator", allow_blank=False, compact=True,
                                           id="train-task"))
                yield field("corpus", Select(corpus_options(), value=start["corpus"], allow_blank=False, compact=True,
                                             id="train-corpus"))
                yield field("file", Input(placeholder="a .txt (generator) or .tsv (classifier)", compact=True,
                                          id="train-file"))
                yield field("level", Select([(v, v) for v in LEVELS], value=start["level"], allow_blank=False,
                                            compact=True, id="train-level"))
                yield field("stems", Select([(_STEM_LABELS[v], _stem_value(v)) for v in STEMS],
                                            value=_stem_value(start["stem"]), allow_blank=False, compact=True,
                                            id="train-stem"))
                yield field("cell", Select([(_CELL_LABELS[v], v) for v in CELLS], value="lstm", allow_blank=False,
                                           compact=True, id="train-cell"))
                yield field("units", Input(str(start["units"]), compact=True, id="train-units", classes="num"))
                yield field("layers", Input("1", compact=True, id="train-layers", classes="num"))
                yield field("epochs", Input(str(start["epochs"]), compact=True, id="train-epochs", classes="num"))
                yield field("documents", Input("0", compact=True, tooltip="documents to read (0 = all)",
                                               id="train-limit", classes="num"))
                yield field("name", Input("my-model", compact=True, id="train-name"))
                yield field("from", Input(placeholder="generator to start from", compact=True, id="train-init",
                                          tooltip="classifiers: start from this generator's tokenizer and "
                                                  "recurrent layers (its level, cell, units and layers apply)"))
                yield Static("", id="train-error", classes="error")
                with Horizontal(classes="row buttons"):
                    yield Button("Start", id="train-start", variant="primary", compact=True)
                    yield Button("Cancel", id="train-cancel", variant="error", disabled=True, compact=True)
            with Vertical(id="train-run"):
                yield Static("idle", id="train-status")
                yield ProgressBar(total=1, id="train-progress", show_eta=True)
                yield LossChart(id="train-chart")
                yield RichLog(id="train-log", wrap=True, markup=True, max_lines=500, min_width=20)

    def on_mount(self) -> None:
        log = self.query_one("#train-log", RichLog)
        log.border_title = "epochs and samples"
        log.write("[dim]losses and a text sample after each epoch[/]")

    # -- form ---------------------------------------------------------------------------------------------
    @on(Select.Changed, "#train-task")
    def _task_changed(self, event: Select.Changed) -> None:
        """A new task brings its own defaults (hangul_rnn.config.TASK_DEFAULTS), as `hangul-rnn train TASK` does."""
        defaults = TASK_DEFAULTS.get(str(event.value))
        if defaults is None:
            return
        self.query_one("#train-corpus", Select).value = defaults["corpus"]
        self.query_one("#train-level", Select).value = defaults["level"]
        self.query_one("#train-stem", Select).value = _stem_value(defaults["stem"])
        self.query_one("#train-units", Input).value = str(defaults["units"])
        self.query_one("#train-epochs", Input).value = str(defaults["epochs"])

    def read_config(self):  # -> TrainConfig
        """The form as a TrainConfig, or FormError with the first problem found."""
        from hangul_rnn.catalog import check_name
        from hangul_rnn.config import default_config
        from hangul_rnn.errors import HangulRNNError

        task = self.query_one("#train-task", Select).value
        corpus = self.query_one("#train-corpus", Select).value
        if corpus == "file":
            path = self.query_one("#train-file", Input).value.strip()
            if not path:
                raise FormError("type the path of a text or TSV file")
            if not Path(path).expanduser().is_file():
                raise FormError(f"no such file: {path}")
            corpus = ("tsv:" if task == "classifier" else "text:") + str(Path(path).expanduser())
        elif task == "classifier" and corpus == "annals":
            raise FormError("the Annals have no labels: train a classifier on NSMC or a TSV file")
        units = int_field(self.query_one("#train-units", Input), "units", maximum=4096)
        layers = int_field(self.query_one("#train-layers", Input), "layers", maximum=8)
        epochs = int_field(self.query_one("#train-epochs", Input), "epochs", maximum=1000)
        limit = int_field(self.query_one("#train-limit", Input), "documents", minimum=0)
        name = self.query_one("#train-name", Input).value.strip()
        level = str(self.query_one("#train-level", Select).value)
        stem = self.query_one("#train-stem", Select).value if level == "word" else "none"
        init_from = self.query_one("#train-init", Input).value.strip()
        if init_from and task != "classifier":
            raise FormError("starting from a generator applies to classifiers")
        try:
            check_name(name)
            if init_from:  # the generator decides level, stems and network; the form's values would contradict it
                config = default_config("classifier", corpus=str(corpus), epochs=epochs, limit=limit or None,
                                        init_from=init_from)  # no warm-up, as the CLI: it did not help (nsmc_grid.md)
                return config, name
            config = default_config(
                str(task),
                corpus=str(corpus),
                level=level,
                stem=None if stem == "none" else str(stem),
                cell=str(self.query_one("#train-cell", Select).value),
                units=units,
                layers=layers,
                epochs=epochs,
                limit=limit or None,
            )
        except HangulRNNError as exc:
            raise FormError(str(exc)) from None
        return config, name

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "train-start":
            self.start()
        elif event.button.id == "train-cancel":
            self.cancel()

    def start(self) -> None:
        error = self.query_one("#train-error", Static)
        if self._cancel is not None:
            error.update("a run is already going: cancel it first")
            return
        try:
            config, name = self.read_config()
        except FormError as exc:
            error.update(str(exc))
            return
        error.update("")
        self._cancel = threading.Event()
        self._epochs = config.epochs
        self.query_one("#train-chart", LossChart).reset(config.epochs)
        self.query_one("#train-log", RichLog).clear()
        self.query_one("#train-start", Button).disabled = True
        self.query_one("#train-cancel", Button).disabled = False
        self.query_one("#train-status", Static).update(f"loading {config.corpus} …")
        self._run(config, name, self._cancel)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.query_one("#train-status", Static).update("cancelling at the next step …")

    # -- worker ---------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="train")
    def _run(self, config, name: str, cancel: threading.Event) -> None:
        import sys

        from hangul_rnn.errors import HangulRNNError, TrainingCancelled

        bundle_path: Path | None = None
        try:
            if "tensorflow" not in sys.modules:  # the app starts without it: only training needs it
                from hangul_rnn import cli

                self.app.call_from_thread(
                    lambda: self.query_one("#train-status", Static).update("loading TensorFlow (first run only) …"))
                quiet = getattr(cli, "quiet_tensorflow_import", None)  # keeps its native chatter off the screen
                if quiet is not None:  # (where an import hook does that instead, there is nothing to call)
                    quiet()
            from hangul_rnn.training import train

            relay = EventRelay(lambda ev: self.post_message(self.TrainEvent(ev)))
            bundle = train(config, name=name, on_event=relay, cancel=cancel)
            bundle_path = bundle.path
        except TrainingCancelled:
            pass  # cancelled while the data were prepared: TrainFinished has said so already
        except HangulRNNError as exc:
            self.app.call_from_thread(self._failed, str(exc))
        except Exception as exc:  # noqa: BLE001 - a crash in a run must not take the whole app down
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
        finally:
            self.app.call_from_thread(self._done, bundle_path)

    @on(TrainEvent)
    def _train_event(self, message: TrainEvent) -> None:
        self.on_train_event(message.event)

    def on_train_event(self, event: Event) -> None:
        """Render one training event (runs on the UI thread)."""
        status = self.query_one("#train-status", Static)
        bar = self.query_one("#train-progress", ProgressBar)
        chart = self.query_one("#train-chart", LossChart)
        log = self.query_one("#train-log", RichLog)
        if isinstance(event, DataProgress):
            total = f"/{event.total:,}" if event.total else ""
            status.update(f"{event.stage} … {event.done:,}{total}" if event.done else f"{event.stage} …")
            if event.total:
                bar.update(total=event.total, progress=event.done)
        elif isinstance(event, TrainStarted):
            self._steps = max(1, event.steps_per_epoch or 1)
            log.write(f"[b]training[/] vocab {event.vocab_size:,} · {event.params:,} parameters · "
                      f"{self._steps} steps/epoch")
            bar.update(total=self._steps, progress=0)
        elif isinstance(event, BatchEnded):
            epoch, step = event.epoch, event.step
            bar.update(total=max(self._steps, event.steps or self._steps), progress=step)
            chart.add_train(epoch + step / self._steps, event.loss)
            status.update(f"epoch {epoch + 1}/{self._epochs} · step {step}/{self._steps} · loss {event.loss:.4f} · "
                          f"{event.tokens_per_s:,.0f} tokens/s")
        elif isinstance(event, EpochEnded):
            logs = dict(event.logs)
            epoch = event.epoch
            if "val_loss" in logs:
                chart.add_val(epoch + 1, float(logs["val_loss"]))
            shown = " · ".join(f"{k} {v:.4f}" for k, v in logs.items() if isinstance(v, (int, float)))
            log.write(f"[b]epoch {epoch + 1}[/] {shown} ({event.seconds:.1f}s)")
            bar.update(progress=0)
        elif isinstance(event, SampleWritten):
            log.write(f"[i]sample:[/] {event.text}")
        elif isinstance(event, CheckpointSaved):
            log.write(f"[dim]saved {event.path}[/]")
        elif isinstance(event, TrainFinished):
            if event.cancelled and event.bundle_path is None:
                log.write("[b]cancelled[/] before the first epoch ended; nothing saved")
            else:
                how = "cancelled, last checkpoint kept" if event.cancelled else (
                    "stopped early" if event.stopped_early else "finished")
                log.write(f"[b]{how}[/] after {event.epochs_done} epochs: {event.bundle_path}")

    def _failed(self, message: str) -> None:
        self.query_one("#train-error", Static).update(message)
        self.query_one("#train-log", RichLog).write(f"[red]error:[/] {message}")

    def _done(self, bundle_path: Path | None) -> None:
        self._cancel = None
        self.query_one("#train-start", Button).disabled = False
        self.query_one("#train-cancel", Button).disabled = True
        self.query_one("#train-status", Static).update("idle" if bundle_path is None else f"saved {bundle_path}")
        self.post_message(self.Finished(bundle_path))
