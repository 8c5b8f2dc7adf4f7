"""``hangul-rnn models``: the installed model bundles with their key metrics (reads JSON only, no Keras)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hangul_rnn.commands._console import out_console


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list installed models")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=_models)


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _models(args: argparse.Namespace) -> int:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from hangul_rnn import paths
    from hangul_rnn.catalog import list_bundles

    summaries = list_bundles()
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], ensure_ascii=False, indent=2))
        return 0
    if not summaries:
        out_console.print(f"no models in {paths.models_dir()}; train one with 'hangul-rnn train'", highlight=False)
        return 0
    # Validation and test accuracy in columns of their own: a model selected on one must not pass for the other.
    columns = ("name", "task", "corpus", "level", "cell", "params", "epochs", "val loss", "bits/char", "val acc",
               "test acc")
    rows: list[tuple[Any, ...]] = []
    for s in summaries:
        m = s.metrics
        if s.error:
            rows.append((s.name, "broken", s.error, *[None] * (len(columns) - 3)))
            continue
        # The numbers stay numbers here: piped output prints them to 4 places, the terminal as percentages, each
        # rounded once (88.05% read back from "0.8805" would print as 88.0%).
        rows.append((s.name, s.task, s.corpus, s.level, s.network, s.params, m.get("epochs_done"),
                     m.get("val_loss"), m.get("bits_per_char"), m.get("val_accuracy"), m.get("test_accuracy")))
    if not out_console.is_terminal:
        # Piped: one tab-separated line per model under a header, never cut to fit 80 columns.
        for row in (columns, *rows):
            print("\t".join(_fmt(cell) for cell in row))
        return 0
    # On a terminal: one table per task with only its own columns and short numbers, so 80 columns hold it.
    out_console.print(f"models in {paths.models_dir()}", style="bold", highlight=False)
    for task, wanted in _TERMINAL_COLUMNS.items():
        chosen = [r for r in rows if r[1] == task]
        if not chosen:
            continue
        # No padding: the box's one-space divider alone separates columns, which leaves room for whole names.
        table = Table(title=f"{task}s", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0),
                      title_justify="left", caption=_CAPTIONS[task], caption_justify="left")
        for col in wanted:
            # Only a name may fold onto a second line: every other cell is short and must stay whole.
            table.add_column(_HEADERS.get(col, col), justify="left" if col in _LEFT else "right",
                             no_wrap=col != "name", overflow="fold")
        for row in chosen:
            values = dict(zip(columns, row))
            table.add_row(*(escape(_short(col, values[col])) for col in wanted))
        out_console.print(table)
    broken = [r for r in rows if r[1] == "broken"]
    for row in broken:
        out_console.print(f"[red]broken[/] {escape(str(row[0]))}: {escape(str(row[2]))}", highlight=False)
    return 0


_TERMINAL_COLUMNS = {
    "generator": ("name", "corpus", "level", "cell", "params", "epochs", "val loss", "bits/char"),
    "classifier": ("name", "corpus", "level", "cell", "params", "epochs", "val loss", "val acc", "test acc"),
}
_LEFT = ("name", "corpus", "level", "cell")
_HEADERS = {"epochs": "ep", "val loss": "loss", "bits/char": "bpc", "val acc": "val", "test acc": "test"}
_CAPTIONS = {
    "generator": "loss: validation, per token · bpc: bits per character of the cleaned text the model predicts",
    "classifier": "loss: validation · val / test: accuracy on the validation hold-out / the test split",
}


def _short(column: str, value: object) -> str:
    """The terminal form of a cell: accuracies as percentages, losses to 3 places, parameters as 801K / 8.1M."""
    if not isinstance(value, (int, float)) or column not in ("val acc", "test acc", "val loss", "bits/char", "params"):
        return _fmt(value)
    from hangul_rnn.formatting import percent, short_count

    number = float(value)
    if column in ("val acc", "test acc"):
        return percent(number)
    if column in ("val loss", "bits/char"):
        return f"{number:.3f}"
    return short_count(number)  # params
