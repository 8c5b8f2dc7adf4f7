"""``hangul-rnn history NAME``: a finished model's training curves, loss and accuracy per epoch, in the terminal.

The textbooks plot ``history.history`` after ``fit`` to show over-fitting (validation loss turning up while the
training loss still falls); every bundle keeps the same per-epoch logs in ``history.json``, so any model, resumed
runs included, can be looked at again. ``--save FILE.svg`` writes the same curves as a picture. Reads JSON only:
no TensorFlow, no model weights.
"""

from __future__ import annotations

import argparse
import json

from hangul_rnn.commands._console import err_console, out_console


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("history", help="draw a trained model's loss and accuracy per epoch")
    parser.add_argument("model", help="installed model name or bundle folder")
    parser.add_argument("--save", default=None, metavar="FILE.svg",
                        help="also write the curves as an SVG picture (opens in any browser)")
    parser.add_argument("--height", type=int, default=10, help="rows of each terminal chart (default 10)")
    parser.add_argument("--json", action="store_true", help="print the per-epoch values as JSON for scripts")
    parser.set_defaults(handler=_history)


def _history(args: argparse.Namespace) -> int:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.charts import epochs_of, history_panels, save_history_chart
    from hangul_rnn.errors import UsageError

    if not 2 <= args.height <= 60:
        raise UsageError(f"--height must be between 2 and 60 rows, got {args.height}")
    bundle = load_bundle(args.model)
    history = getattr(bundle, "history", None)
    if history is None:
        raise UsageError(f"{bundle.name!r} is an ensemble; it was not trained itself: look at its members' history")
    panels = history_panels(history)
    if not panels:
        raise UsageError(f"model {bundle.name!r} has no per-epoch loss or accuracy in its history.json")
    title = f"{bundle.name} ({bundle.task}): {epochs_of(history)} epochs"
    if args.save is not None:
        path = save_history_chart(history, title, args.save)
        err_console.print(f"saved the chart to {path}", highlight=False)
    if args.json:
        print(json.dumps({"model": bundle.name, "task": bundle.task, "epochs": epochs_of(history),
                          "best_epoch": bundle.metrics.get("best_epoch"), "history": history},
                         ensure_ascii=False, indent=2))
        return 0
    _draw(title, panels, history, args.height, bundle.metrics.get("best_epoch"))
    return 0


def _draw(title: str, panels: list, history: dict, height: int, best_epoch: object) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from hangul_rnn.charts import epoch_axis, epochs_of, text_chart

    epochs = epochs_of(history)
    width = max(20, min(100, out_console.width - 9))
    out_console.print(f"[bold]{escape(title)}[/]")
    for panel in panels:
        legend = Text(f"{panel.title}  ")
        for s in panel.series:
            legend.append(s.mark, style=s.style)
            legend.append(f" {s.name}  ")
        out_console.print(legend)
        out_console.print(text_chart(panel.series, width, height, x_min=1.0, x_max=float(epochs), connect=True))
        out_console.print(epoch_axis(width, epochs))
    table = Table(title="per epoch", title_justify="left")
    keys = [k for k in ("loss", "val_loss", "accuracy", "val_accuracy") if history.get(k)]
    table.add_column("epoch", justify="right")
    for key in keys:
        table.add_column(key.replace("_", " ").replace("val", "validation"), justify="right")
    for i in range(epochs):
        row = [f"{history[k][i]:.4f}" if i < len(history[k]) else "" for k in keys]
        best = isinstance(best_epoch, int) and i == best_epoch
        table.add_row(f"{i + 1}{' *' if best else ''}", *row, style="bold" if best else None)
    if isinstance(best_epoch, int):
        table.caption = f"* weights kept: lowest {'validation' if history.get('val_loss') else 'training'} loss"
        table.caption_justify = "left"
    out_console.print(table)
