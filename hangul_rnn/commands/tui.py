"""``hangul-rnn tui``: start the Textual app (installed with the ``tui`` extra)."""

from __future__ import annotations

import argparse

from hangul_rnn.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tui", help="the terminal UI: train, generate, score")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        from hangul_rnn_tui.app import run
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "textual":
            raise UsageError("the TUI needs Textual: pip install 'hangul-rnn[tui]'") from None
        raise
    run()
    return 0
