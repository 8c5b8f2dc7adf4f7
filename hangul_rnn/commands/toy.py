"""``hangul-rnn toy next-number|multiplication --cell rnn|lstm|gru``: the TF2 book's chapter-7 toy tasks.

Trains the small numeric network from scratch (nothing is saved), drawing progress with the same renderer as
``train``, then prints our figures beside the book's.
"""

from __future__ import annotations

import argparse
import threading

from hangul_rnn.commands._console import out_console
from hangul_rnn.config import CELLS, TOY_DEFAULTS, TOYS

_HELP = {
    "next-number": "four steps of 0.0–0.9 in, the next number out (the book's SimpleRNN 10)",
    "multiplication": "the product of two marked numbers in 100 steps (the book: LSTM 83.86% within 0.04, "
                      "SimpleRNN about 9%)",
}
#: How many epoch lines a run prints at most (the book's 100 epochs would fill the screen).
_EPOCH_LINES = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    from hangul_rnn.commands.train import _HelpFormatter

    parser = subparsers.add_parser("toy", help="the textbook's numeric toy tasks (next number, multiplication)",
                                   description="Train a chapter-7 toy network and compare its result with the book.")
    sub = parser.add_subparsers(dest="toy", metavar="TASK", required=True)
    for task in TOYS:
        d = TOY_DEFAULTS[task]
        p = sub.add_parser(task, help=_HELP[task].replace("%", "%%"), description=_HELP[task],
                           formatter_class=_HelpFormatter)
        p.add_argument("--cell", default=d["cell"], choices=CELLS, help="recurrent cell (rnn: SimpleRNN)")
        p.add_argument("--units", type=int, default=d["units"], help="units per recurrent layer")
        p.add_argument("--layers", type=int, default=d["layers"], help="stacked recurrent layers")
        p.add_argument("--epochs", type=int, default=d["epochs"], help="epochs to train")
        p.add_argument("--batch-size", type=int, default=d["batch_size"], help="examples per training step")
        if task == "multiplication":
            p.add_argument("--examples", type=int, default=d["examples"], help="examples made, test cases included")
            p.add_argument("--test", type=int, default=d["test"], help="the last N examples are the test cases")
            p.add_argument("--steps", type=int, default=d["steps"], help="sequence length")
        p.add_argument("--seed", type=int, default=0, help="random seed for the data and the weights")
        p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from hangul_rnn.commands.train import _Renderer, _stop_on_sigterm
    from hangul_rnn.events import EpochEnded, Event
    from hangul_rnn.toys import run_toy, toy_config

    fields = ("cell", "units", "layers", "epochs", "batch_size", "examples", "test", "steps", "seed")
    cfg = toy_config(args.toy, **{f: getattr(args, f) for f in fields if hasattr(args, f)})
    every = max(1, cfg.epochs // _EPOCH_LINES)
    cancel = threading.Event()
    with _Renderer(cfg.epochs) as render, _stop_on_sigterm(cancel):
        def show(event: Event) -> None:
            if isinstance(event, EpochEnded) and (event.epoch + 1) % every and event.epoch + 1 != cfg.epochs:
                return  # a line every tenth of the run, and the last
            render(event)

        result = run_toy(cfg, on_event=show, cancel=cancel)
    out_console.print(f"{cfg.task}, {cfg.layers} × {cfg.cell} {cfg.units}, {len(result.history.get('loss', []))} "
                      "epochs:", highlight=False)
    if cfg.task == "next-number":
        for shown, want, got in zip(result.inputs, result.targets, result.predictions):
            out_console.print(f"  {shown} → {got:.3f} (next: {want:.1f})", highlight=False)
        out_console.print("  the first six are the training examples; the last two are the unseen sequences the "
                          "book asks about", highlight=False)
        return 130 if result.cancelled else 0
    for shown, want, got in list(zip(result.inputs, result.targets, result.predictions))[:5]:
        out_console.print(f"  {shown} = {want:.3f}, predicted {got:.3f}", highlight=False)
    book = "not quoted" if result.book is None else f"{result.book:.2f}%"
    out_console.print(f"within 0.04 of the product: [bold]{result.accuracy:.2f}%[/] of {len(result.targets)} test "
                      f"cases (the book, {cfg.cell}: {book})", highlight=False)
    return 130 if result.cancelled else 0
