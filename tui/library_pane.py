"""The Models and Corpora tabs: installed bundles with their metrics, training curves and actions (use, evaluate:
:func:`hangul_rnn.evaluation.evaluate_model`, rename, delete: :mod:`hangul_rnn.model_files`); corpus size, label
balance and a length histogram (:mod:`hangul_rnn.stats`), for the built-in corpora and the user's own files alike."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Input, ProgressBar, Select, Static

from hangul_rnn.formatting import percent, short_count

from .loss_chart import LossChart


def _metric(metrics: dict, *keys: str) -> str:
    for key in keys:
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            return f"{value:.4g}"
    return "-"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def short_corpus(corpus: str) -> str:
    """``text:/some/folder/file.txt`` -> ``file.txt``: the table has no room for (or use of) the folder."""
    kind, sep, rest = corpus.partition(":")
    return _short(Path(rest).name if sep and kind in ("text", "tsv") else corpus, 16)


def quality(metrics: dict) -> str:
    """The headline number of a bundle: accuracy for a classifier, bits per character for a generator."""
    for key, where in (("test_accuracy", "test"), ("val_accuracy", "val"), ("accuracy", "train")):
        if isinstance(metrics.get(key), (int, float)):
            return f"{percent(metrics[key])} {where}"  # which split it was measured on: they differ by points
    if isinstance(metrics.get("bits_per_char"), (int, float)):
        return f"{metrics['bits_per_char']:.2f} bpc"
    return "-"


def describe(summary) -> str:
    """One bundle in full, for the line under the table (no file paths: they belong to `hangul-rnn models`)."""
    metrics = dict(getattr(summary, "metrics", {}) or {})
    network = str(getattr(summary, "network", summary.cell))
    shape = (f"an ensemble averaging {network}" if summary.level == "ensemble"
             else f"{summary.level} level, {network.upper()}")
    parts = [f"[b]{summary.name}[/]: {summary.task} on {short_corpus(str(summary.corpus))}, {shape}, "
             f"{getattr(summary, 'params', 0) or 0:,} parameters"]
    names = {"test_accuracy": "test accuracy", "val_accuracy": "val accuracy", "val_loss": "val loss",
             "perplexity": "perplexity", "bits_per_char": "bits/cleaned char",
             "bits_per_raw_char": "bits/raw char", "epochs_done": "epochs"}
    for key, label in names.items():
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            parts.append(f"{label} {value:.4g}")
    created = str(getattr(summary, "created", "") or "")[:10]
    if created:
        parts.append(f"created {created}")
    if getattr(summary, "error", None):
        parts.append(f"[red]{summary.error}[/]")
    return " · ".join(parts)


class ModelsPane(Vertical):
    """Every installed and shipped bundle, one row each; the highlighted one in full underneath, with its training
    curves and the actions on it."""

    BINDINGS = [Binding("g", "use", "Use"), Binding("e", "evaluate", "Evaluate"), Binding("r", "rename", "Rename"),
                Binding("d", "delete", "Delete")]

    class Changed(Message):
        """An installed model was renamed or deleted: pickers and caches re-read the bundles."""

    class Use(Message):
        """Pick this model in the tab of its task."""

        def __init__(self, path: str, task: str) -> None:
            super().__init__()
            self.path, self.task = path, task

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._summaries: dict[str, object] = {}
        self._stop: threading.Event | None = None  # set: the evaluation under way stops at its next step

    def compose(self) -> ComposeResult:
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="models-empty")
        yield Static("", id="models-detail")
        with Horizontal(classes="row", id="models-actions"):
            yield Button("Use (g)", id="models-use", variant="primary", compact=True)
            yield Button(_EVALUATE, id="models-evaluate", compact=True,
                         tooltip="score it on its corpus's test split (else its validation hold-out; a generator: "
                                 "its held-out tail); e again stops")
            yield Button("Rename (r)", id="models-rename", compact=True)
            yield Button("Delete (d)", id="models-delete", variant="error", compact=True)
        yield ProgressBar(total=None, id="models-eval-progress")
        yield Static("", id="models-eval")
        with Horizontal(id="models-curves"):
            yield LossChart(id="models-loss", title="loss by epoch", empty="no training history in this model")
            yield LossChart(id="models-accuracy", title="accuracy", empty="")

    def on_mount(self) -> None:
        table = self.query_one("#models-table", DataTable)
        table.add_columns("name", "task", "corpus", "level", "cell", "params", "quality")
        self.query_one("#models-eval-progress").display = False
        self.refresh_models()

    def refresh_models(self) -> None:
        from hangul_rnn.catalog import list_bundles

        table = self.query_one("#models-table", DataTable)
        current = self._current()
        table.clear()
        summaries = list_bundles()
        self._summaries = {str(s.path): s for s in summaries}
        for s in summaries:
            metrics = dict(getattr(s, "metrics", {}) or {})
            table.add_row(_short(s.name, 20), s.task, short_corpus(str(s.corpus)), s.level, s.network,
                          short_count(getattr(s, "params", 0) or 0), quality(metrics), key=str(s.path))
        empty = self.query_one("#models-empty", Static)
        empty.update("no models yet: train one in the Train tab or with `hangul-rnn train`")
        empty.display = not summaries
        self.query_one("#models-actions").display = bool(summaries)
        paths = [str(s.path) for s in summaries]
        row = paths.index(str(current.path)) if current is not None and str(current.path) in paths else 0
        if summaries:
            table.move_cursor(row=row)  # a rename, delete or evaluation keeps the row the user was on
        self._show(summaries[row] if summaries else None)

    def _show(self, summary) -> None:
        self.query_one("#models-detail", Static).update(describe(summary) if summary is not None else "")
        history = _history(summary.path) if summary is not None else {}
        self.query_one("#models-loss", LossChart).show_history(history.get("loss", []), history.get("val_loss", []))
        accuracy = self.query_one("#models-accuracy", LossChart)
        accuracy.show_history(history.get("accuracy", []), history.get("val_accuracy", []))
        accuracy.display = bool(history.get("accuracy") or history.get("val_accuracy"))
        shipped = summary is None or _is_shipped(summary.path)
        self.query_one("#models-rename", Button).disabled = shipped
        self.query_one("#models-delete", Button).disabled = shipped

    @on(DataTable.RowHighlighted, "#models-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        summary = self._summaries.get(str(event.row_key.value))
        if summary is not None:
            self._show(summary)

    def _current(self):
        table = self.query_one("#models-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._summaries.get(str(key.value))

    # -- actions ------------------------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"models-use": self.action_use, "models-evaluate": self.action_evaluate,
                   "models-rename": self.action_rename, "models-delete": self.action_delete}
        if event.button.id in actions:
            actions[event.button.id]()

    def _readable_current(self):
        """The highlighted model if it can be loaded; one that cannot is said in a notice and gives None."""
        summary = self._current()
        if summary is not None and summary.task not in ("generator", "classifier"):
            self.app.notify(f"{summary.name} cannot be read ({summary.error})", severity="error")
            return None
        return summary

    def action_use(self) -> None:
        summary = self._readable_current()
        if summary is not None:
            self.post_message(self.Use(str(summary.path), summary.task))

    def action_evaluate(self) -> None:
        """Score the highlighted model on held-out data, as ``hangul-rnn evaluate NAME`` does; pressed again while
        it runs, stop it."""
        if self._stop is not None:
            self._stop.set()
            self.query_one("#models-eval", Static).update("stopping …")
            return
        summary = self._readable_current()
        if summary is None:
            return
        self._stop = threading.Event()
        self.query_one("#models-evaluate", Button).label = "Stop (e)"
        bar = self.query_one("#models-eval-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#models-eval", Static).update(Text(f"evaluating {summary.name} …"))
        self._evaluate(str(summary.path), summary.name, self._stop)

    @work(thread=True, exclusive=True, group="evaluate")
    def _evaluate(self, path: str, name: str, stop: threading.Event) -> None:
        from hangul_rnn.bundle import load_bundle
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.evaluation import evaluate_model, record_test_result, reporting_split

        bar = self.query_one("#models-eval-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            if stop.is_set():
                raise _Stopped
            self.app.call_from_thread(bar.update, total=total, progress=done)

        try:
            model = load_bundle(path)
            split = reporting_split(model)
            result = evaluate_model(model, split=split, progress=progress)
            recorded = record_test_result(model, result, split=split)
        except _Stopped:
            self.app.call_from_thread(self._evaluated, Text(f"stopped evaluating {name}"), False)
            return
        except HangulRNNError as exc:
            self.app.call_from_thread(self._evaluated, Text.assemble(("error: ", "red"), str(exc)), False)
            return
        except Exception as exc:  # noqa: BLE001 - reported inline, never a crash of the app
            self.app.call_from_thread(self._evaluated, Text.assemble(("error: ", "red"), f"{type(exc).__name__}: "
                                                                     f"{exc}"), False)
            return
        self.app.call_from_thread(self._evaluated, Text(evaluation_line(name, result)), recorded)

    def _evaluated(self, line: Text, recorded: bool) -> None:
        self._stop = None
        self.query_one("#models-evaluate", Button).label = _EVALUATE
        self.query_one("#models-eval-progress").display = False
        self.query_one("#models-eval", Static).update(line)
        if recorded:  # the table's quality column and the other tabs' pickers show the new test figure
            self.post_message(self.Changed())

    def on_unmount(self) -> None:
        if self._stop is not None:  # the app is closing: end the evaluation thread at its next step
            self._stop.set()

    def _installed_current(self, doing: str):
        summary = self._current()
        if summary is not None and _is_shipped(summary.path):
            self.app.notify(f"{summary.name} is shipped with the package: it cannot be {doing}", severity="warning")
            return None
        return summary

    def action_delete(self) -> None:
        from .dialogs import ConfirmScreen

        summary = self._installed_current("deleted")
        if summary is None:
            return
        question = f"Delete the model [b]{summary.name}[/] and all its files? This cannot be undone."
        self.app.push_screen(ConfirmScreen(question, yes="Delete", no="Keep it"),
                             lambda yes: self._delete(summary.name) if yes else None)

    def _delete(self, name: str) -> None:
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.model_files import delete_model

        try:
            delete_model(name)
        except HangulRNNError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.app.notify(f"deleted {name}")
        self.post_message(self.Changed())

    def action_rename(self) -> None:
        from .dialogs import AskScreen

        summary = self._installed_current("renamed")
        if summary is None:
            return

        def problem(new: str) -> str | None:
            from hangul_rnn.errors import HangulRNNError
            from hangul_rnn.model_files import rename_model

            try:
                rename_model(summary.name, new)
            except HangulRNNError as exc:
                return str(exc)
            return None

        self.app.push_screen(AskScreen(f"New name for [b]{summary.name}[/]:", summary.name, ok="Rename",
                                       input_id="rename-value", validate=problem), self._renamed)

    def _renamed(self, new: str | None) -> None:
        if new:
            self.app.notify(f"renamed to {new}")
            self.post_message(self.Changed())


_EVALUATE = "Evaluate (e)"


class _Stopped(Exception):
    """Raised from the progress callback to end an evaluation the user stopped."""


def evaluation_line(name: str, result: dict) -> str:
    """One line for an evaluation: accuracy with its interval and count for a classifier, bits per cleaned and
    per raw character for a generator (the two named, as everywhere a figure is shown)."""
    on = f"{short_corpus(str(result.get('corpus', '')))} {result.get('split', '')}".strip()
    if "accuracy" in result:
        line = f"{name} on {on}: accuracy {result['accuracy']:.2%} of {result['examples']:,} examples"
        interval = result.get("accuracy_ci95")
        if interval:
            line += f" (95% interval {interval[0]:.2%}–{interval[1]:.2%})"
        if result.get("members"):
            alone = ", ".join(f"{member['accuracy']:.2%}" for member in result["members"])
            line += f"; members alone {alone}"
        return line
    parts = [f"{name} on {on}: {result['bits_per_char']:.3f} bits/cleaned char"]
    if "bits_per_raw_char" in result:
        parts.append(f"{result['bits_per_raw_char']:.3f} bits/raw char")
    parts.append(f"{result.get('tokens', 0):,} tokens")
    return " · ".join(parts)


def _is_shipped(path: Path) -> bool:
    from hangul_rnn.catalog import shipped_dir

    shipped = shipped_dir()
    return shipped is not None and Path(path).parent == shipped


def _history(folder: Path) -> dict[str, list[float]]:
    """A bundle's per-epoch history (history.json), or {} when it has none or it cannot be read."""
    import json

    try:
        data = json.loads((Path(folder) / "history.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: [float(x) for x in v if isinstance(x, (int, float))] for k, v in data.items() if isinstance(v, list)}


class CorporaPane(Vertical):
    """Size, label balance and the length histogram of a corpus: a built-in one or a file of one's own."""

    def compose(self) -> ComposeResult:
        from hangul_rnn.stats import STAT_LEVELS

        from .train_pane import corpus_options

        with Horizontal(classes="row"):
            yield Select(corpus_options(), value="nsmc", allow_blank=False, compact=True, id="corpus-name")
            yield Select([(level, level) for level in STAT_LEVELS], value="word", allow_blank=False, compact=True,
                         id="corpus-level")
            yield Button("Stats", id="corpus-stats", variant="primary", compact=True)
        with Horizontal(classes="row"):
            yield Input(placeholder="your file: .txt (a document a line) or .tsv (text and label)", compact=True,
                        id="corpus-file")
            yield Input("20000", compact=True, classes="num", id="corpus-limit",
                        tooltip="documents to read (0 = all)")
        yield ProgressBar(total=None, id="corpus-progress", show_eta=False)
        yield Static("", id="corpus-info")
        yield Static("", id="corpus-histogram")

    def on_mount(self) -> None:
        self.query_one("#corpus-progress").display = False

    @on(Button.Pressed, "#corpus-stats")
    def _stats_pressed(self) -> None:
        from .forms import FormError, int_field
        from .train_pane import file_spec

        info = self.query_one("#corpus-info", Static)
        name = str(self.query_one("#corpus-name", Select).value)
        if name == "file":
            path = self.query_one("#corpus-file", Input).value.strip()
            if not path or not Path(path).expanduser().is_file():
                info.update(f"[red]{'no such file: ' + path if path else 'type the path of your file'}[/]")
                return
            name = file_spec(path, "generator")
        try:
            limit = int_field(self.query_one("#corpus-limit", Input), "documents", minimum=0)
        except FormError as exc:
            info.update(f"[red]{exc}[/]")
            return
        level = str(self.query_one("#corpus-level", Select).value)
        info.update(f"reading {short_corpus(name)} …")
        self.query_one("#corpus-histogram", Static).update("")
        bar = self.query_one("#corpus-progress", ProgressBar)
        bar.update(total=limit or None, progress=0)
        bar.display = True
        self._compute(name, level, limit or None)

    @work(thread=True, exclusive=True, group="corpus")
    def _compute(self, name: str, level: str, limit: int | None) -> None:
        from hangul_rnn.corpora import get_corpus
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.stats import corpus_stats

        bar = self.query_one("#corpus-progress", ProgressBar)
        try:
            stats = corpus_stats(name, level=level, limit=limit,
                                 progress=lambda done: self.app.call_from_thread(bar.update, progress=done))
            corpus = get_corpus(name)
            labels = _label_balance(corpus) if corpus.kind == "labeled" else None
        except HangulRNNError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, stats, labels, limit)

    def _failed(self, message: str) -> None:
        self.query_one("#corpus-progress").display = False
        self.query_one("#corpus-info", Static).update(f"[red]{message}[/]")

    def _show(self, stats, labels: str | None, limit: int | None) -> None:
        self.query_one("#corpus-progress").display = False
        p95 = stats.percentile_length(95)
        which = f"first {stats.documents:,} documents" if limit and stats.documents >= limit else \
            f"all {stats.documents:,} documents"
        info = (f"[b]{short_corpus(stats.corpus)}[/] ({stats.split}, {which}, level {stats.level}): "
                f"{stats.tokens:,} tokens · vocabulary {stats.vocabulary:,} · mean length {stats.mean_length:.1f} · "
                f"95% ≤ [b]{p95}[/]")
        if labels:
            info += f"\nlabels (whole split): {labels}"
        self.query_one("#corpus-info", Static).update(info)
        rows = stats.histogram(bins=12)
        peak = max((c for _, _, c in rows), default=1) or 1
        text = Text()
        for low, high, count in rows:
            label = f"{low}" if low == high else f"{low}-{high}"
            text.append(f"{label:>9} │", style="dim")
            text.append("█" * max(1 if count else 0, round(40 * count / peak)), style="cyan")
            text.append(f" {count:,}")
            if low <= p95 <= high:
                text.append("  ◀ 95%", style="bold")
            text.append("\n")
        self.query_one("#corpus-histogram", Static).update(text)


def _label_balance(corpus) -> str:
    """``negative 49.9% · positive 50.1%``: the label counts of the training split (its whole file)."""
    counts = corpus.info("train").label_counts
    total = sum(counts.values()) or 1
    names = list(corpus.label_names or [])
    return " · ".join(f"{names[k] if k < len(names) else k} {percent(v / total)} ({short_count(v)})"
                      for k, v in sorted(counts.items()))
