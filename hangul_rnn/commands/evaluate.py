"""``hangul-rnn evaluate NAME``: score a trained bundle on held-out data and print its metrics."""

from __future__ import annotations

import argparse
import json

from hangul_rnn.commands._console import err_console, out_console


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score a trained model on held-out data")
    parser.add_argument("model", help="installed model name or bundle folder")
    parser.add_argument("--split", default="test",
                        help="corpus split (default test; generators without one use the validation tail)")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from rich.table import Table

    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.training import evaluate

    with err_console.status(f"loading {args.model} …"):
        bundle = load_bundle(args.model)
    with err_console.status(f"evaluating {bundle.name} on {args.split} …"):
        result = evaluate(bundle, split=args.split, limit=args.limit)
    if args.json:
        print(json.dumps({"model": bundle.name, **result}, ensure_ascii=False, indent=2))
        return 0

    table = Table(title=f"{bundle.name} ({bundle.task}) on {result['split']}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in result.items():
        if key in ("confusion", "label_names", "task", "split"):
            continue
        table.add_row(key.replace("_", " "), f"{value:,.4f}" if isinstance(value, float) else f"{value:,}")
    out_console.print(table)

    if "confusion" in result:
        names = result["label_names"]
        matrix = Table(title="confusion matrix (rows: true, columns: predicted)")
        matrix.add_column("true \\ predicted")
        for name in names:
            matrix.add_column(str(name), justify="right")
        for name, row in zip(names, result["confusion"]):
            matrix.add_row(str(name), *(f"{n:,}" for n in row))
        out_console.print(matrix)
    return 0
