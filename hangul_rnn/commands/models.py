"""``hangul-rnn models``: the installed model bundles with their key metrics (reads JSON only, no Keras)."""

from __future__ import annotations

import argparse
import json

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
    from rich.markup import escape
    from rich.table import Table

    from hangul_rnn import paths
    from hangul_rnn.bundle import list_bundles

    summaries = list_bundles()
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], ensure_ascii=False, indent=2))
        return 0
    if not summaries:
        out_console.print(f"no models in {paths.models_dir()}; train one with 'hangul-rnn train'", highlight=False)
        return 0
    columns = ("name", "task", "corpus", "level", "cell", "params", "epochs", "val loss", "bits/char", "accuracy")
    rows = []
    for s in summaries:
        m = s.metrics
        if s.error:
            rows.append((s.name, "broken", s.error, "", "", "", "", "", "", ""))
            continue
        rows.append((s.name, s.task, s.corpus, s.level, s.cell, _fmt(s.params), _fmt(m.get("epochs_done")),
                     _fmt(m.get("val_loss")), _fmt(m.get("bits_per_char")),
                     _fmt(m.get("test_accuracy", m.get("val_accuracy")))))
    if not out_console.is_terminal:
        # Piped: one tab-separated line per model under a header, never cut to fit 80 columns.
        for row in (columns, *rows):
            print("\t".join(row))
        return 0
    table = Table(title=f"models in {paths.models_dir()}")
    for col in columns:
        right = col in ("params", "epochs", "val loss", "bits/char", "accuracy")
        table.add_column(col, justify="right" if right else "left", no_wrap=col == "name")
    for row in rows:
        cells = [escape(c) for c in row]
        if row[1] == "broken":
            cells[1] = "[red]broken[/]"
        table.add_row(*cells)
    out_console.print(table)
    return 0
