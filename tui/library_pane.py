"""The Models and Corpora tabs: installed bundles with their metrics; corpus info and a length histogram."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Select, Static


def _metric(metrics: dict, *keys: str) -> str:
    for key in keys:
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            return f"{value:.4g}"
    return "-"


class ModelsPane(Vertical):
    def compose(self) -> ComposeResult:
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="models-empty")

    def on_mount(self) -> None:
        table = self.query_one("#models-table", DataTable)
        table.add_columns("name", "task", "corpus", "level", "cell", "params", "accuracy", "val loss", "bits/char")
        self.refresh_models()

    def refresh_models(self) -> None:
        from hangul_rnn.bundle import list_bundles

        table = self.query_one("#models-table", DataTable)
        table.clear()
        summaries = list_bundles()
        for s in summaries:
            metrics = dict(getattr(s, "metrics", {}) or {})
            table.add_row(s.name, s.task, s.corpus, s.level, s.cell, f"{getattr(s, 'params', 0) or 0:,}",
                          _metric(metrics, "test_accuracy", "val_accuracy", "accuracy"),
                          _metric(metrics, "val_loss"), _metric(metrics, "bits_per_char"), key=str(s.path))
        self.query_one("#models-empty", Static).update(
            "" if summaries else "no models yet: train one in the Train tab or with `hangul-rnn train`")


class CorporaPane(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Select([("nsmc", "nsmc"), ("annals", "annals")], value="nsmc", allow_blank=False,
                         id="corpus-name")
            yield Select([(level, level) for level in ("word", "morph", "syllable", "jamo")], value="word",
                         allow_blank=False, id="corpus-level")
            yield Button("Stats", id="corpus-stats", variant="primary")
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
