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

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, RichLog, Select, Static

from hangul_rnn.config import CELLS, LEVELS, STEMS, TASK_DEFAULTS, TASKS
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

from . import classifier_form
from .classifier_form import ClassifierOptions
from .forms import FormError, int_field
from .loss_chart import LossChart
from .run_log import RunLog

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
    the latest held one is passed on, just before the next event of any other kind (the epoch's end, say).
    ``also`` names further event kinds merged the same way (the validation pass's batches)."""

    def __init__(self, post: Callable[[Event], None], interval: float = 0.1, *, also: tuple[type, ...] = ()) -> None:
        self._post, self.interval = post, interval
        self._floods: tuple[type, ...] = (BatchEnded, *also)
        self._last = float("-inf")
        self._held: Event | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, self._floods):
            if self._held is not None and type(self._held) is not type(event):
                self._post(self._held)  # the last step of one flood before the first of the next
                self._held = None
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


def file_spec(path: str, task: str) -> str:
    """The corpus spec of a file of one's own: a ``.tsv`` file (or any file for a classifier) is read by its columns,
    so a generator learns its text column, not ids, tabs and labels."""
    full = str(Path(path).expanduser())
    is_tsv = full.lower().removesuffix(".gz").endswith(".tsv")
    return ("tsv:" if task == "classifier" or is_tsv else "text:") + full


class Progress:
    """Where a run stands as a whole: steps done of all its epochs' steps, and the time left at the rate so far
    (validation and samples included, since they are part of the elapsed time once an epoch has ended)."""

    def __init__(self, epochs: int) -> None:
        self.epochs, self.steps, self.first_epoch = max(1, epochs), 1, 0
        self.done = 0
        self.t0 = time.monotonic()

    def start(self, steps: int | None, first_epoch: int) -> None:
        self.steps, self.first_epoch, self.done, self.t0 = max(1, steps or 1), first_epoch, 0, time.monotonic()

    @property
    def total(self) -> int:
        return self.epochs * self.steps

    def at(self, epoch: int, step: int) -> None:
        self.done = min(self.total, (epoch - self.first_epoch) * self.steps + step)

    def line(self) -> str:
        fraction = self.done / self.total
        elapsed = time.monotonic() - self.t0
        left = f" · about {duration(elapsed / fraction * (1 - fraction))} left" if 0.02 <= fraction < 1 else ""
        return f"overall {fraction:.0%} · {duration(elapsed)} so far{left}"


class TrainPane(Vertical):
    """Form on the left, live run on the right."""

    BINDINGS = [Binding("ctrl+r", "start", "Start"), Binding("escape", "cancel", "Cancel run")]

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
        self._form_task = "generator"  # the task whose defaults the form shows
        self._progress = Progress(1)
        self._finished: TrainFinished | None = None

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
                yield field("docs", Input("0", compact=True, tooltip="documents to read (0 = all)",
                                               id="train-limit", classes="num"))
                yield field("name", Input("my-model", compact=True, id="train-name"))
                yield field("from", Input(placeholder="generator to start from", compact=True, id="train-init",
                                          tooltip="classifiers: start from this generator's tokenizer and "
                                                  "recurrent layers (its level, cell, units and layers apply)"))
                yield ClassifierOptions(id="train-classifier")  # shown for classifiers only
                with Horizontal(classes="row buttons"):
                    yield Button("Start", id="train-start", variant="primary", compact=True)
                    yield Button("Cancel", id="train-cancel", variant="error", disabled=True, compact=True)
                yield Static("", id="train-error", classes="error")  # under the buttons: they never move
            with Vertical(id="train-run"):
                yield Static("idle", id="train-status")
                with Horizontal(classes="row"):
                    yield ProgressBar(total=1, id="train-progress", show_eta=False, show_percentage=False)
                    yield Static("", id="train-overall")
                yield LossChart(id="train-chart")
                yield RunLog(id="train-log", wrap=True, markup=True, max_lines=500, min_width=20)

    def on_mount(self) -> None:
        log = self.query_one("#train-log", RichLog)
        log.border_title = "epochs and samples"
        log.write("[dim]losses and a text sample after each epoch · new here? press ? for keys and help[/]")
        self._restore_form()
        self._show_task_options()

    # -- remembering the form -------------------------------------------------------------------------------
    _REMEMBERED = ("train-task", "train-corpus", "train-file", "train-level", "train-stem", "train-cell",
                   "train-units", "train-layers", "train-epochs", "train-limit", "train-name", "train-init",
                   *classifier_form.REMEMBERED)

    def _form_values(self) -> dict[str, str]:
        values = {}
        for wid in self._REMEMBERED:
            widget = self.query_one(f"#{wid}")
            value = widget.value
            if value is not Select.NULL:
                values[wid] = str(value)
        return values

    def _restore_form(self) -> None:
        """The form as it was at the last run's start (a task's defaults otherwise)."""
        saved = self.app.settings.get("train", {})
        if not isinstance(saved, dict):
            return
        for wid in self._REMEMBERED:
            if wid not in saved:
                continue
            widget = self.query_one(f"#{wid}")
            if isinstance(widget, Select):
                if any(value == saved[wid] for _, value in widget._options):
                    widget.value = saved[wid]
            elif isinstance(widget, Checkbox):
                widget.value = saved[wid] == "True"
            else:
                widget.value = str(saved[wid])
        self._form_task = str(self.query_one("#train-task", Select).value)

    # -- form ---------------------------------------------------------------------------------------------
    @on(Select.Changed, "#train-task")
    def _task_changed(self, event: Select.Changed) -> None:
        """A new task brings its own defaults (hangul_rnn.config.TASK_DEFAULTS), as `hangul-rnn train TASK` does."""
        defaults = TASK_DEFAULTS.get(str(event.value))
        current = self.query_one("#train-task", Select).value
        self._show_task_options()
        if defaults is None or event.value != current or str(event.value) == self._form_task:
            return  # not a change: the form opening, a restored form, or an event older than the value shown
        self._form_task = str(event.value)
        self.query_one("#train-corpus", Select).value = defaults["corpus"]
        self.query_one("#train-level", Select).value = defaults["level"]
        self.query_one("#train-stem", Select).value = _stem_value(defaults["stem"])
        self.query_one("#train-units", Input).value = str(defaults["units"])
        self.query_one("#train-epochs", Input).value = str(defaults["epochs"])

    def _show_task_options(self) -> None:
        """The classifier's own rows only for that task, as `hangul-rnn train generator` has no such options."""
        self.query_one(ClassifierOptions).display = self.query_one("#train-task", Select).value == "classifier"

    @on(Input.Changed, "#train-init")
    def _init_changed(self, event: Input.Changed) -> None:
        """The fine-tuning rows act on a generator's layers: enabled while "from" names one."""
        self.query_one(ClassifierOptions).enable_transfer(bool(event.value.strip()))

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
            corpus = file_spec(path, str(task))
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
        own = self.query_one(ClassifierOptions).values(transfer=bool(init_from)) if task == "classifier" else {}
        try:
            check_name(name)
            if init_from:  # the generator decides level, stems and network; the form's values would contradict it
                config = default_config("classifier", corpus=str(corpus), epochs=epochs, limit=limit or None,
                                        init_from=init_from, **own)  # fine-tuning rows: the CLI's defaults untouched
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
                **own,
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
        from hangul_rnn.shadowing import shadows_shipped

        if shadows_shipped(name):
            from .dialogs import ConfirmScreen

            question = (f"[b]{name}[/] is the name of a shipped model. A model trained under it hides the shipped "
                        "one in Models, Generate and Score (until you delete or rename it). Train anyway?")
            self.app.push_screen(ConfirmScreen(question, yes="Train anyway", no="Keep the shipped one"),
                                 lambda yes: self._launch(config, name) if yes else None)
            return
        self._launch(config, name)

    def action_start(self) -> None:
        self.start()

    def action_cancel(self) -> None:
        self.cancel()

    def _launch(self, config, name: str) -> None:
        self.app.settings.set("train", self._form_values())
        self._cancel = threading.Event()
        self._epochs = config.epochs
        self._progress = Progress(config.epochs)
        self._finished = None
        self.query_one("#train-progress", ProgressBar).update(total=1, progress=0)
        self.query_one("#train-overall", Static).update("")
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

            relay = EventRelay(lambda ev: self.post_message(self.TrainEvent(ev)), also=(ValidationProgress,))
            bundle = train(config, name=name, on_event=relay, cancel=cancel)
            bundle_path = bundle.path
        except TrainingCancelled:
            pass  # cancelled while the data were prepared: TrainFinished has said so already
        except HangulRNNError as exc:
            self.app.call_from_thread(self._failed, str(exc))
        except Exception as exc:  # noqa: BLE001 - a crash in a run must not take the whole app down
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
        finally:
            self.post_message(self.RunEnded(bundle_path))  # after the run's last TrainEvent: same queue

    class RunEnded(Message):
        """Posted by the worker as its last message, whatever happened."""

        def __init__(self, bundle_path: Path | None) -> None:
            super().__init__()
            self.bundle_path = bundle_path

    @on(TrainEvent)
    def _train_event(self, message: TrainEvent) -> None:
        self.on_train_event(message.event)

    @on(RunEnded)
    def _run_ended(self, message: RunEnded) -> None:
        self._done(message.bundle_path)

    def on_train_event(self, event: Event) -> None:
        """Render one training event (runs on the UI thread)."""
        status = self.query_one("#train-status", Static)
        log = self.query_one("#train-log", RichLog)
        if isinstance(event, DataProgress):
            total = f"/{event.total:,}" if event.total else ""
            status.update(f"{event.stage} … {event.done:,}{total}" if event.done else f"{event.stage} …")
            if event.total:
                self.query_one("#train-progress", ProgressBar).update(total=event.total, progress=event.done)
        elif isinstance(event, TrainStarted):
            self._steps = max(1, event.steps_per_epoch or 1)
            self._final_epoch = event.initial_epoch + event.config.epochs
            self._progress.start(event.steps_per_epoch, event.initial_epoch)
            log.write(f"[b]training[/] vocab {event.vocab_size:,} · {event.params:,} parameters · "
                      f"{self._steps} steps/epoch")
            self._show_progress()
        elif isinstance(event, BatchEnded):
            self._batch_ended(event)
        elif isinstance(event, ValidationProgress):
            steps = f"/{event.steps}" if event.steps else ""
            status.update(f"epoch {event.epoch + 1}/{self._final_epoch} · validating · batch {event.step}{steps}")
        elif isinstance(event, EpochEnded):
            logs = dict(event.logs)
            if "val_loss" in logs:
                self.query_one("#train-chart", LossChart).add_val(event.epoch + 1, float(logs["val_loss"]))
            shown = " · ".join(f"{k} {v:.4f}" for k, v in logs.items() if isinstance(v, (int, float)))
            log.write(f"[b]epoch {event.epoch + 1}[/] {shown} ({event.seconds:.1f}s)")
            status.update(f"epoch {event.epoch + 1}/{self._final_epoch} done · saving …")
        elif isinstance(event, SampleWritten):
            log.write(f"[i]sample:[/] {event.text}" if not event.error else f"[yellow]sample failed:[/] {event.error}")
        elif isinstance(event, (EmbeddingsLoaded, SoftLabelsLoaded)):
            log.write(Text(event.line()))  # the CLI's line; plain text, so a path's brackets are not markup
        elif isinstance(event, CheckpointSaved):
            log.write(f"[dim]saved {event.path}[/]")
        elif isinstance(event, TrainFinished):
            self._finished = event
            if event.cancelled and event.bundle_path is None:
                log.write("[b]cancelled[/] before the first epoch ended; nothing saved")
            else:
                how = "cancelled, last checkpoint kept" if event.cancelled else (
                    "stopped early" if event.stopped_early else "finished")
                log.write(f"[b]{how}[/] after {event.epochs_done} epochs: {event.bundle_path}")

    _final_epoch = 1

    def _batch_ended(self, event: BatchEnded) -> None:
        epoch, step = event.epoch, event.step
        if event.steps and event.steps != self._steps:  # counted during the first epoch
            self._steps = event.steps
            self._progress.steps = event.steps
        self._progress.at(epoch, step)
        self._show_progress()
        self.query_one("#train-chart", LossChart).add_train(epoch + step / self._steps, event.loss)
        self.query_one("#train-status", Static).update(
            f"epoch {epoch + 1}/{self._final_epoch} · step {step}/{self._steps} · loss {event.loss:.4f} · "
            f"{event.tokens_per_s:,.0f} tokens/s")

    def _show_progress(self) -> None:
        self.query_one("#train-progress", ProgressBar).update(total=self._progress.total, progress=self._progress.done)
        self.query_one("#train-overall", Static).update(self._progress.line())

    def _failed(self, message: str) -> None:
        self.query_one("#train-error", Static).update(message)
        self.query_one("#train-log", RichLog).write(f"[red]error:[/] {message}")

    def _done(self, bundle_path: Path | None) -> None:
        """The run is over: the buttons come back and the status and bar say how it ended."""
        self._cancel = None
        self.query_one("#train-start", Button).disabled = False
        self.query_one("#train-cancel", Button).disabled = True
        finished, status = self._finished, self.query_one("#train-status", Static)
        overall = self.query_one("#train-overall", Static)
        if finished is not None and finished.cancelled:
            kept = f"epoch {finished.epochs_done} kept: {bundle_path}" if bundle_path else "nothing saved"
            status.update(f"cancelled · {kept}")
            overall.update(f"cancelled at {self._progress.done / self._progress.total:.0%}")
        elif bundle_path is not None:
            self.query_one("#train-progress", ProgressBar).update(total=1, progress=1)
            self._progress.done = self._progress.total
            status.update(f"saved {bundle_path}" + (" (stopped early)" if finished and finished.stopped_early else ""))
            overall.update(self._progress.line())
        else:
            status.update("idle")
        self.post_message(self.Finished(bundle_path))
