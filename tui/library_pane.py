"""The Models and Corpora tabs: installed bundles with their metrics; corpus info and a length histogram."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Select, Static

from hangul_rnn.formatting import percent, short_count


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
    """Every installed and shipped bundle, one row each; the highlighted one in full underneath."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._summaries: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="models-empty")
        yield Static("", id="models-detail")

    def on_mount(self) -> None:
        table = self.query_one("#models-table", DataTable)
        table.add_columns("name", "task", "corpus", "level", "cell", "params", "quality")
        self.refresh_models()

    def refresh_models(self) -> None:
        from hangul_rnn.catalog import list_bundles

        table = self.query_one("#models-table", DataTable)
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
        self.query_one("#models-detail", Static).update(describe(summaries[0]) if summaries else "")

    @on(DataTable.RowHighlighted, "#models-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        summary = self._summaries.get(str(event.row_key.value))
        if summary is not None:
            self.query_one("#models-detail", Static).update(describe(summary))


class CorporaPane(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Select([("nsmc", "nsmc"), ("annals", "annals")], value="nsmc", allow_blank=False,
                         compact=True, id="corpus-name")
            yield Select([(level, level) for level in ("word", "morph", "morph-all", "syllable", "jamo")], value="word",
                         allow_blank=False, compact=True, id="corpus-level")
            yield Button("Stats", id="corpus-stats", variant="primary", compact=True)
        yield Static("", id="corpus-info")
        yield Static("", id="corpus-histogram")

    @on(Button.Pressed, "#corpus-stats")
    def _stats_pressed(self) -> None:
        name = str(self.query_one("#corpus-name", Select).value)
        level = str(self.query_one("#corpus-level", Select).value)
        self.query_one("#corpus-info", Static).update(f"reading {name} …")
        self._compute(name, level)

    @work(thread=True, exclusive=True, group="corpus")
    def _compute(self, name: str, level: str) -> None:
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.stats import corpus_stats

        try:
            stats = corpus_stats(name, level=level, limit=20_000)
        except HangulRNNError as exc:
            self.app.call_from_thread(self.query_one("#corpus-info", Static).update, f"[red]{exc}[/]")
            return
        self.app.call_from_thread(self._show, stats)

    def _show(self, stats) -> None:
        p95 = stats.percentile_length(95)
        self.query_one("#corpus-info", Static).update(
            f"[b]{stats.corpus}[/] ({stats.split}, first {stats.documents:,} documents, level {stats.level}): "
            f"{stats.tokens:,} tokens · vocabulary {stats.vocabulary:,} · mean length {stats.mean_length:.1f} · "
            f"95% ≤ [b]{p95}[/]")
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
